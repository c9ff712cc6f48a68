// Service messages: the text of lines with `messages = "services"`, a few
// dozen shapes as services log them (requests served, cache misses, retries,
// timeouts, failures) whose variables (ids, addresses, ports, durations,
// sizes, paths, users) are drawn from the host's Rng. Every shape is one log
// template, so the miner has something to learn; a level's shapes are that
// level's (an ERROR line reports a failure). Deterministic for a given Rng.
#pragma once

#include <string>

#include "src/generate/random.h"
#include "src/record/log_record.h"

namespace logstream {

// Appends a message of `level` to *out.
void AppendServiceMessage(Rng& rng, Level level, std::string* out);

}  // namespace logstream
