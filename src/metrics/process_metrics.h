// The process's own metrics: resident memory, CPU seconds, start time and
// the build (process_resident_memory_bytes, process_cpu_seconds_total,
// process_start_time_seconds, logstream_build_info{version}), read from
// /proc/self at scrape time.
#pragma once

#include <string_view>

namespace logstream::metrics {

// Adds them to Default() once per process (later calls do nothing).
void AddProcessMetrics(std::string_view version);

}  // namespace logstream::metrics
