// SIGINT/SIGTERM set a stop flag that long-running commands poll, so they stop
// cleanly with their state committed.
#pragma once

#include <atomic>

namespace logstream::cli {

// Installs the handlers (idempotent) and returns the flag they set.
std::atomic<bool>& InstallStopHandlers();

}  // namespace logstream::cli
