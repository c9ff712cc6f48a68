#include "src/log/embedded_log.h"
#include "src/log/log.h"

namespace logstream {

Result<std::unique_ptr<Log>> OpenLog(std::string_view url, const LogOptions& options) {
  if (url.starts_with("kafka://")) {
    return Err(InvalidArgument("Kafka backend not built yet (" + std::string(url) +
                               "); use an embedded log: --broker PATH or file:///PATH"));
  }
  std::string path(url);
  if (url.starts_with("file://")) path = std::string(url.substr(7));
  if (path.empty() || path.find("://") != std::string::npos) {
    return Err(InvalidArgument("unknown broker URL '" + std::string(url) +
                               "': use a directory path, file:///PATH or kafka://HOST:PORT"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<EmbeddedLog> log, EmbeddedLog::Open(path, options));
  return std::unique_ptr<Log>(std::move(log));
}

}  // namespace logstream
