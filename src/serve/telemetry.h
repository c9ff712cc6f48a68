// Telemetry: the HTTP endpoints an operator and a monitoring system read
// (`--http HOST:PORT`, [http] listen):
//   /metrics               Prometheus text format 0.0.4 (metrics::Default())
//   /healthz               200, or 503 naming each loop without progress within [http] stuck_after
//   /readyz                200 once the broker and the store answered, else 503 naming them
//   /api/v1/status         the stages with totals, rates over the last 10 s and lag (JSON)
//   /api/v1/alerts         ?limit=N: recent alerts, newest first
//   /api/v1/windows        ?since=MS&source=S&limit=N: recent aggregate rows, oldest first
//   /api/v1/dead-letters   ?limit=N: dead letters by reason and the recent ones
//   /, /assets/...         the dashboard
// Requests other than GET are refused (405). The server samples the totals
// once a second for the rates; its threads and memory are bounded (see
// HttpServer).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "src/base/options.h"
#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream {

struct HttpSettings {
  std::string listen;  // HOST:PORT; "" or "off": no server
  TimeMs stuck_after = 30'000;
  TimeMs linger = 0;  // --exit-when-done: keep serving this long after the work is done
};

// [http]: declared once; `run`, `ingest`, `process` and `notify` take its flags.
const opt::Table<HttpSettings>& HttpTable();

// `run` listens here unless told otherwise.
inline constexpr std::string_view kRunHttpListen = "127.0.0.1:9464";

struct TelemetryServerImpl;

class TelemetryServer {
 public:
  // Serves on settings.listen (nullptr when it is "" or "off") for a
  // process named `command` that runs `stages`, in flow order, of: bucket,
  // ingest, log, process, notify. Sets the heartbeat deadline to
  // settings.stuck_after. IoError when the port cannot be bound.
  static Result<std::unique_ptr<TelemetryServer>> Start(const HttpSettings& settings, std::string command,
                                                        std::vector<std::string> stages);
  ~TelemetryServer();
  int port() const;
  // With settings.linger: says so and keeps serving that long, or until
  // *stop, so that a last scrape sees the final counts of a finite run.
  void Linger(const std::atomic<bool>& stop) const;

 private:
  explicit TelemetryServer(std::unique_ptr<TelemetryServerImpl> impl);
  std::unique_ptr<TelemetryServerImpl> impl_;
};

}  // namespace logstream
