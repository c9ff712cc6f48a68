#include "src/cli/observe.h"

#include <iostream>

#include "src/metrics/health.h"
#include "src/metrics/process_metrics.h"

#ifndef LOGSTREAM_VERSION
#define LOGSTREAM_VERSION "0.0.0"
#endif

namespace logstream::cli {

Result<std::unique_ptr<TelemetryServer>> StartTelemetry(const HttpSettings& http, bool may_skip,
                                                        const std::string& command,
                                                        std::vector<std::string> stages,
                                                        const std::vector<std::string>& expect) {
  metrics::AddProcessMetrics(LOGSTREAM_VERSION);
  for (const std::string& e : expect) metrics::DefaultHealth().Expect(e);
  auto server = TelemetryServer::Start(http, command, std::move(stages));
  if (server) {
    if (*server) std::cerr << "logstream: " << command << ": metrics and dashboard on http://" << http.listen << "/\n";
    return server;
  }
  if (!may_skip) return Err(server.error());
  std::cerr << "logstream: warning: " << server.error().message()
            << "; going on without the metrics and dashboard server (--http HOST:PORT to choose another port, "
               "--http off to silence this)\n";
  return std::unique_ptr<TelemetryServer>();
}

metrics::CollectorHandle CollectEndOffsets(Log& log, const std::string& topic) {
  return metrics::Default().AddCollector([&log, topic](metrics::Collection& c) {
    auto info = log.DescribeTopic(topic);
    if (!info) return;
    for (size_t p = 0; p < info->end_offsets.size(); ++p) {
      c.Gauge("logstream_log_end_offset", "the next offset of each partition of a topic (records written so far)",
              {{"topic", topic}, {"partition", std::to_string(p)}}, static_cast<double>(info->end_offsets[p]));
    }
  });
}

}  // namespace logstream::cli
