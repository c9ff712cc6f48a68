// The telemetry of a command (src/serve/telemetry.h) started from its
// settings, and what only a command knows to collect (the log it uses).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/cli/settings.h"
#include "src/log/log.h"
#include "src/metrics/metrics.h"
#include "src/serve/telemetry.h"

namespace logstream::cli {

// Serves [http] listen (--http) for `command`. With `may_skip` (run's
// default port), a port that cannot be bound is a warning and the command
// goes on without the server (nullptr); otherwise an error. The
// dependencies named in `expect` ("broker", "store") keep /readyz at 503
// until the stages mark them ready.
Result<std::unique_ptr<TelemetryServer>> StartTelemetry(const HttpSettings& http, bool may_skip,
                                                        const std::string& command,
                                                        std::vector<std::string> stages,
                                                        const std::vector<std::string>& expect);

// logstream_log_end_offset{topic,partition}, read from `log` at scrape time.
[[nodiscard]] metrics::CollectorHandle CollectEndOffsets(Log& log, const std::string& topic);

}  // namespace logstream::cli
