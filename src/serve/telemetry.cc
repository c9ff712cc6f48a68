#include "src/serve/telemetry.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "src/base/json_string.h"
#include "src/base/time.h"
#include "src/metrics/feed.h"
#include "src/metrics/health.h"
#include "src/metrics/metrics.h"
#include "src/serve/dashboard.h"
#include "src/serve/http_server.h"

namespace logstream {

const opt::Table<HttpSettings>& HttpTable() {
  using H = HttpSettings;
  static const opt::Table<H> table = [] {
    opt::Table<H> t("http",
                    "The metrics, health and dashboard endpoints (/metrics, /healthz, /readyz, "
                    "/api/v1/..., /) of `run`, `ingest`, `process` and `notify`.");
    t.String("listen", &H::listen,
             "HOST:PORT to serve on, or off; `run` serves on 127.0.0.1:9464 by default (and goes on "
             "without it when that port is busy), the others only when asked",
             {.flag = "--http", .env = "LOGSTREAM_HTTP"});
    t.Duration("stuck_after", &H::stuck_after,
               "a loop (ingest, process, notify) without progress this long makes /healthz answer 503",
               1000, {.env = "LOGSTREAM_HTTP_STUCK_AFTER"});
    t.Duration("linger", &H::linger,
               "with --exit-when-done: keep serving this long once the work is done, so that a last "
               "scrape sees the final counts",
               0, {.flag = "--http-linger", .env = "LOGSTREAM_HTTP_LINGER"});
    return t;
  }();
  return table;
}

namespace {

// What /api/v1/status shows of a stage: totals and rates, each the sum of a
// metric family's series.
struct StageView {
  std::string_view name;
  std::vector<std::pair<std::string_view, std::string_view>> totals;  // key, metric
  std::vector<std::pair<std::string_view, std::string_view>> rates;   // key, metric
  std::string_view lag;  // metric, or "" for none
};

const std::vector<StageView>& StageViews() {
  static const std::vector<StageView> views = {
      {"bucket",
       {{"objects", "logstream_generate_objects_total"}, {"bytes", "logstream_generate_bytes_total"}},
       {{"objects_per_s", "logstream_generate_objects_total"}, {"lines_per_s", "logstream_generate_lines_total"}},
       ""},
      {"ingest",
       {{"objects", "logstream_ingest_objects_total"},
        {"lines", "logstream_ingest_lines_total"},
        {"records", "logstream_ingest_records_total"},
        {"dead_letters", "logstream_ingest_dead_letters_total"},
        {"bytes", "logstream_ingest_read_bytes_total"}},
       {{"objects_per_s", "logstream_ingest_objects_total"},
        {"lines_per_s", "logstream_ingest_lines_total"},
        {"records_per_s", "logstream_ingest_records_total"},
        {"bytes_per_s", "logstream_ingest_read_bytes_total"}},
       ""},
      {"log",
       {{"records", "logstream_log_end_offset"}},
       {{"records_per_s", "logstream_log_end_offset"}},
       "logstream_process_lag_records"},
      {"process",
       {{"records", "logstream_process_records_total"},
        {"late", "logstream_process_late_records_total"},
        {"windows", "logstream_process_windows_emitted_total"},
        {"alerts", "logstream_process_alerts_fired_total"}},
       {{"records_per_s", "logstream_process_records_total"}, {"alerts_per_s", "logstream_process_alerts_fired_total"}},
       "logstream_process_lag_records"},
      {"notify",
       {{"delivered", "logstream_notify_alerts_delivered_total"},
        {"failed", "logstream_notify_alerts_failed_total"},
        {"retried", "logstream_notify_alerts_retried_total"},
        {"parked", "logstream_notify_alerts_parked_total"}},
       {{"delivered_per_s", "logstream_notify_alerts_delivered_total"}},
       ""},
  };
  return views;
}

void AppendNumber(double v, std::string* out) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

size_t LimitParam(const HttpRequest& r, size_t fallback, size_t most) {
  const std::string s = r.Param("limit");
  size_t n = 0;
  if (s.empty() || std::from_chars(s.data(), s.data() + s.size(), n).ec != std::errc()) return fallback;
  return std::min(n, most);
}

HttpResponse Json(std::string body) { return HttpResponse{200, std::move(body), "application/json"}; }

std::string JsonArray(std::string_view name, const std::vector<std::string>& items) {
  std::string out = "{\"";
  out += name;
  out += "\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  return out + "]}";
}

}  // namespace

struct TelemetryServerImpl {
  std::string command;
  std::vector<std::string> stages;
  TimeMs linger = 0;
  TimeMs started = NowMs();
  std::unique_ptr<HttpServer> server;

  // Totals sampled once a second, the last 11 (10 s of rates).
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::deque<std::pair<TimeMs, std::map<std::string, double>>> samples;
  std::thread sampler;

  void Sample() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      lock.unlock();
      auto totals = metrics::Default().Totals();
      const TimeMs now = NowMs();
      lock.lock();
      samples.emplace_back(now, std::move(totals));
      if (samples.size() > 11) samples.pop_front();
      cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; });
    }
  }

  HttpResponse Handle(const HttpRequest& r) {
    if (r.method != "GET" && r.method != "HEAD") return {405, "only GET is served here\n"};
    if (r.path == "/metrics") {
      return {200, metrics::Default().Text(), "text/plain; version=0.0.4; charset=utf-8"};
    }
    if (r.path == "/healthz") {
      const std::vector<std::string> stuck = metrics::DefaultHealth().Stuck(NowMs());
      if (stuck.empty()) return {200, "ok\n"};
      std::string body = "stuck:";
      for (const std::string& s : stuck) body += " " + s + ";";
      return {503, body + "\n"};
    }
    if (r.path == "/readyz") {
      const std::vector<std::string> waiting = metrics::DefaultHealth().NotReady();
      if (waiting.empty()) return {200, "ready\n"};
      std::string body = "waiting for:";
      for (const std::string& s : waiting) body += " " + s;
      return {503, body + "\n"};
    }
    if (r.path == "/api/v1/status") return Json(Status());
    if (r.path == "/api/v1/alerts") {
      return Json(JsonArray("alerts", metrics::AlertsFeed().Newest(LimitParam(r, 100, 1000))));
    }
    if (r.path == "/api/v1/windows") return Windows(r);
    if (r.path == "/api/v1/dead-letters") return DeadLetters(r);
    if (std::optional<HttpResponse> file = DashboardFile(r.path)) return *std::move(file);
    return {404, "no such page: try /, /metrics, /healthz, /readyz or /api/v1/status\n"};
  }

  std::string Status() {
    std::map<std::string, double> now_totals, then_totals;
    double seconds = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!samples.empty()) {
        now_totals = samples.back().second;
        then_totals = samples.front().second;
        seconds = static_cast<double>(samples.back().first - samples.front().first) / 1e3;
      }
    }
    auto total = [&](std::string_view metric) {
      auto it = now_totals.find(std::string(metric));
      return it == now_totals.end() ? 0.0 : it->second;
    };
    auto rate = [&](std::string_view metric) {
      if (seconds <= 0) return 0.0;
      auto it = then_totals.find(std::string(metric));
      return std::max(0.0, total(metric) - (it == then_totals.end() ? 0.0 : it->second)) / seconds;
    };
    std::string out = "{\"time_ms\":" + std::to_string(NowMs()) + ",\"uptime_s\":";
    AppendNumber(static_cast<double>(NowMs() - started) / 1e3, &out);
    out += ",\"command\":";
    AppendJsonString(command, &out);
    out += ",\"stages\":[";
    bool first = true;
    for (const StageView& v : StageViews()) {
      if (std::find(stages.begin(), stages.end(), v.name) == stages.end()) continue;
      if (!first) out += ',';
      first = false;
      out += "{\"name\":\"" + std::string(v.name) + "\",\"totals\":{";
      for (size_t i = 0; i < v.totals.size(); ++i) {
        out += (i ? ",\"" : "\"") + std::string(v.totals[i].first) + "\":";
        AppendNumber(total(v.totals[i].second), &out);
      }
      out += "},\"rates\":{";
      for (size_t i = 0; i < v.rates.size(); ++i) {
        out += (i ? ",\"" : "\"") + std::string(v.rates[i].first) + "\":";
        AppendNumber(rate(v.rates[i].second), &out);
      }
      out += "},\"lag\":";
      if (v.lag.empty() || !now_totals.contains(std::string(v.lag))) {
        out += "null";
      } else {
        AppendNumber(total(v.lag), &out);
      }
      out += "}";
    }
    return out + "]}";
  }

  HttpResponse Windows(const HttpRequest& r) {
    const std::string source = r.Param("source");
    int64_t since = 0;
    const std::string since_text = r.Param("since");
    if (!since_text.empty() &&
        std::from_chars(since_text.data(), since_text.data() + since_text.size(), since).ec != std::errc()) {
      return {400, "since: a time in ms since the epoch\n"};
    }
    simdjson::dom::parser parser;
    auto keep = [&](std::string_view json) {
      simdjson::dom::element row;
      if (parser.parse(json.data(), json.size()).get(row) != simdjson::SUCCESS) return false;
      // The processor's rows carry RFC 3339 times (the aggregates topic's
      // JSON); ms since the epoch are taken too.
      int64_t end = 0;
      std::string_view s;
      if (row["window_end"].get(s) == simdjson::SUCCESS) {
        Result<TimeMs> t = ParseRfc3339(s);
        if (!t) return false;
        end = *t;
      } else if (row["window_end"].get(end) != simdjson::SUCCESS) {
        return false;
      }
      if (end <= since) return false;
      return source.empty() || (row["source"].get(s) == simdjson::SUCCESS && s == source);
    };
    std::vector<std::string> rows = metrics::WindowsFeed().Newest(LimitParam(r, 10000, 50000), keep);
    std::reverse(rows.begin(), rows.end());
    return Json(JsonArray("windows", rows));
  }

  HttpResponse DeadLetters(const HttpRequest& r) {
    std::string out = "{\"by_reason\":{";
    bool first = true;
    for (const auto& [labels, value] : metrics::Default().Series("logstream_ingest_dead_letters_total")) {
      if (!first) out += ',';
      first = false;
      AppendJsonString(labels.empty() ? "" : labels[0], &out);
      out += ':';
      AppendNumber(value, &out);
    }
    out += "},";
    std::string items = JsonArray("dead_letters", metrics::DeadLettersFeed().Newest(LimitParam(r, 20, 1000)));
    return Json(out + items.substr(1));
  }
};

Result<std::unique_ptr<TelemetryServer>> TelemetryServer::Start(const HttpSettings& settings, std::string command,
                                                                 std::vector<std::string> stages) {
  if (settings.listen.empty() || settings.listen == "off") return std::unique_ptr<TelemetryServer>();
  metrics::DefaultHealth().SetDefaultDeadline(settings.stuck_after);
  auto impl = std::make_unique<TelemetryServerImpl>();
  impl->command = std::move(command);
  impl->stages = std::move(stages);
  impl->linger = settings.linger;
  HttpServerOptions options;
  options.listen = settings.listen;
  options.threads = 4;
  options.max_queued = 16;
  options.max_body_bytes = 0;
  TelemetryServerImpl* raw = impl.get();
  auto server = HttpServer::Start(options, [raw](const HttpRequest& r) { return raw->Handle(r); });
  if (!server) return Err(server.error().WithContext("--http " + settings.listen));
  impl->server = std::move(*server);
  impl->sampler = std::thread([raw] { raw->Sample(); });
  return std::unique_ptr<TelemetryServer>(new TelemetryServer(std::move(impl)));
}

TelemetryServer::TelemetryServer(std::unique_ptr<TelemetryServerImpl> impl) : impl_(std::move(impl)) {}

TelemetryServer::~TelemetryServer() {
  impl_->server->Stop();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->sampler.join();
}

int TelemetryServer::port() const { return impl_->server->port(); }

void TelemetryServer::Linger(const std::atomic<bool>& stop) const {
  if (impl_->linger <= 0) return;
  std::fprintf(stderr, "logstream: %s: done; serving the final metrics for %s (--http-linger)\n",
               impl_->command.c_str(), FormatDuration(impl_->linger).c_str());
  const TimeMs until = NowMs() + impl_->linger;
  while (!stop.load() && NowMs() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace logstream
