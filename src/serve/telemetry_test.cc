#include "src/serve/telemetry.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "src/metrics/feed.h"
#include "src/metrics/health.h"
#include "src/metrics/metrics.h"

namespace logstream {
namespace {

class TelemetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpSettings http;
    http.listen = "127.0.0.1:0";
    http.stuck_after = 1000;
    auto s = TelemetryServer::Start(http, "test", {"ingest", "process"});
    ASSERT_TRUE(s.has_value()) << s.error().message();
    server_ = std::move(*s);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  httplib::Result Get(const std::string& path) { return client_->Get(path); }

  std::unique_ptr<TelemetryServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(TelemetryTest, ServesMetricsInTheTextFormat) {
  metrics::Default().CounterFamily("logstream_ingest_lines_total", "lines").Get().Add(5);
  auto r = Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("# TYPE logstream_ingest_lines_total counter\n"), std::string::npos);
}

TEST_F(TelemetryTest, HealthNamesTheStuckLoop) {
  auto ok = Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  metrics::Heartbeat beat = metrics::DefaultHealth().Register("ingest");  // the server's deadline: 1 s
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto stuck = Get("/healthz");
  ASSERT_TRUE(stuck);
  EXPECT_EQ(stuck->status, 503);
  EXPECT_NE(stuck->body.find("ingest (no progress for"), std::string::npos) << stuck->body;
  beat.Beat();
  EXPECT_EQ(Get("/healthz")->status, 200);
}

TEST_F(TelemetryTest, ReadyOnceDependenciesAnswered) {
  metrics::DefaultHealth().Expect("test-dependency");
  auto waiting = Get("/readyz");
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->status, 503);
  EXPECT_NE(waiting->body.find("test-dependency"), std::string::npos);
  metrics::DefaultHealth().MarkReady("test-dependency");
  EXPECT_EQ(Get("/readyz")->status, 200);
}

TEST_F(TelemetryTest, StatusListsTheStagesInFlowOrder) {
  auto r = Get("/api/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const size_t ingest = r->body.find("{\"name\":\"ingest\",\"totals\":{\"objects\":");
  const size_t process = r->body.find("{\"name\":\"process\"");
  EXPECT_NE(ingest, std::string::npos) << r->body;
  EXPECT_LT(ingest, process);
  EXPECT_EQ(r->body.find("\"name\":\"notify\""), std::string::npos);
}

TEST_F(TelemetryTest, WindowsFilteredBySourceAndTimeOldestFirst) {
  metrics::WindowsFeed().Push(R"({"window_start":0,"window_end":10,"source":"a","level":"ERROR","count":1})");
  metrics::WindowsFeed().Push(R"({"window_start":10,"window_end":20,"source":"b","level":"ERROR","count":2})");
  metrics::WindowsFeed().Push(R"({"window_start":10,"window_end":20,"source":"a","level":"INFO","count":3})");
  auto r = Get("/api/v1/windows?since=10&source=a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"windows":[{"window_start":10,"window_end":20,"source":"a","level":"INFO","count":3}]})");
  auto all = Get("/api/v1/windows?limit=2");
  EXPECT_LT(all->body.find("\"source\":\"b\""), all->body.find("\"source\":\"a\""));
  EXPECT_EQ(Get("/api/v1/windows?since=x")->status, 400);
}

// The processor feeds the aggregates topic's rows, whose times are RFC 3339.
TEST_F(TelemetryTest, WindowsOfRfc3339RowsFilteredBySinceInMs) {
  metrics::WindowsFeed().Push(
      R"({"window_start":"2026-11-24T00:00:00.000Z","window_end":"2026-11-24T00:00:10.000Z","source":"h","level":"ERROR","count":1})");
  metrics::WindowsFeed().Push(
      R"({"window_start":"2026-11-24T00:00:10.000Z","window_end":"2026-11-24T00:00:20.000Z","source":"h","level":"ERROR","count":2})");
  // 2026-11-24T00:00:10Z is 1795478410000 ms.
  auto r = Get("/api/v1/windows?source=h&since=1795478410000");
  ASSERT_TRUE(r);
  EXPECT_EQ(
      r->body,
      R"({"windows":[{"window_start":"2026-11-24T00:00:10.000Z","window_end":"2026-11-24T00:00:20.000Z","source":"h","level":"ERROR","count":2}]})");
  EXPECT_NE(Get("/api/v1/windows?source=h")->body.find("\"count\":1"), std::string::npos);
}

TEST_F(TelemetryTest, AlertsNewestFirstAndDeadLettersByReason) {
  metrics::AlertsFeed().Push(R"({"id":"1"})");
  metrics::AlertsFeed().Push(R"({"id":"2"})");
  EXPECT_EQ(Get("/api/v1/alerts?limit=2")->body, R"({"alerts":[{"id":"2"},{"id":"1"}]})");
  metrics::Default().CounterFamily("logstream_ingest_dead_letters_total", "d", {"reason"}).With({"unparsable"}).Add(4);
  metrics::DeadLettersFeed().Push(R"({"kind":"unparsable"})");
  EXPECT_EQ(Get("/api/v1/dead-letters?limit=1")->body,
            R"({"by_reason":{"unparsable":4},"dead_letters":[{"kind":"unparsable"}]})");
}

TEST_F(TelemetryTest, OnlyGetAndKnownPaths) {
  EXPECT_EQ(client_->Post("/metrics", "", "text/plain")->status, 405);
  EXPECT_EQ(client_->Post("/metrics", "x", "text/plain")->status, 413);  // no request bodies here
  EXPECT_EQ(Get("/nothing")->status, 404);
}

TEST(TelemetryStartTest, OffMeansNoServerAndABusyPortIsAnError) {
  HttpSettings off;
  off.listen = "off";
  auto none = TelemetryServer::Start(off, "test", {});
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, nullptr);
  HttpSettings any;
  any.listen = "127.0.0.1:0";
  auto first = TelemetryServer::Start(any, "test", {});
  ASSERT_TRUE(first.has_value());
  HttpSettings same;
  same.listen = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = TelemetryServer::Start(same, "test", {});
  EXPECT_FALSE(second.has_value());
}

}  // namespace
}  // namespace logstream
