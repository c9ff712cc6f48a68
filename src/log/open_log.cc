#include "src/log/embedded_log.h"
#include "src/log/log.h"

#include <mutex>
#include <utility>
#include <vector>

namespace logstream {

namespace {

struct Backends {
  std::mutex mu;
  std::vector<std::pair<std::string, LogOpener>> openers;
};
Backends& RegisteredBackends() {
  static Backends* backends = new Backends;
  return *backends;
}

}  // namespace

void RegisterLogBackend(std::string scheme, LogOpener opener) {
  Backends& b = RegisteredBackends();
  std::lock_guard lock(b.mu);
  b.openers.emplace_back(std::move(scheme), opener);
}

Result<std::unique_ptr<Log>> OpenLog(std::string_view url, const LogOptions& options) {
  {
    Backends& b = RegisteredBackends();
    std::lock_guard lock(b.mu);
    for (const auto& [scheme, opener] : b.openers) {
      if (url.starts_with(scheme)) return opener(url, options);
    }
  }
  if (url.starts_with("kafka://")) {
    return Err(InvalidArgument("this program was built without the Kafka backend (" + std::string(url) +
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
