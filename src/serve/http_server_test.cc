#include "src/serve/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "src/serve/http_test_client.h"

namespace logstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions o = {}, HttpHeadCheck check = nullptr) {
    o.listen = "127.0.0.1:0";
    auto s = HttpServer::Start(
        o,
        [this](const HttpRequest& r) {
          ++handled_;
          return HttpResponse{200, r.method + " " + r.path + " " + r.body + " x-a=" + r.Header("x-A")};
        },
        std::move(check));
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    server_ = std::move(*s);
  }
  std::atomic<int> handled_{0};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, AnswersAnyPathAndKeepsTheConnectionAlive) {
  Start();
  RawHttpClient c(server_->port());
  c.Send(HttpPost("hello", "X-A: 1\r\n", "/some/where"));
  const std::string first = c.ReadResponse();
  EXPECT_THAT(first, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(first, HasSubstr("POST /some/where hello x-a=1"));
  c.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(c.ReadResponse(), HasSubstr("GET /metrics  x-a="));
  EXPECT_EQ(handled_.load(), 2);
  EXPECT_EQ(server_->stats().connections, 1u);
  EXPECT_EQ(server_->stats().requests, 2u);
}

TEST_F(HttpServerTest, SlowHeadsDoNotDelayOtherRequests) {
  HttpServerOptions o;
  o.threads = 8;
  o.head_timeout_ms = 1500;
  Start(o);
  TricklingHttpClients slow(server_->port(), 5, "POST / HTTP/1.1\r\nHost: x\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = Clock::now();
  RawHttpClient c(server_->port());
  c.Send(HttpPost("ok"));
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
  EXPECT_LT(MsSince(t0), 500) << "a valid request waited for slow clients";
  // The slow clients are cut off at the head deadline, with 408.
  const std::string timed_out = slow[0].ReadResponse(3000);
  slow.Stop();
  EXPECT_THAT(timed_out, StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(timed_out, HasSubstr("request head not complete within 1500 ms"));
  EXPECT_LT(MsSince(t0), 2500);
}

TEST_F(HttpServerTest, SlowHeadsOnEveryWorkerAreCutWhenOthersWait) {
  HttpServerOptions o;
  o.threads = 2;
  o.head_timeout_ms = 10'000;
  o.busy_head_timeout_ms = 500;
  Start(o);
  // Two on the workers, two queued.
  TricklingHttpClients slow(server_->port(), 4, "POST / HTTP/1.1\r\nHost: x\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = Clock::now();
  RawHttpClient c(server_->port());
  c.Send(HttpPost("ok"));
  const std::string answer = c.ReadResponse(5000);
  const int64_t waited = MsSince(t0);
  slow.Stop();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  // Two rounds of slow heads cut after 500 ms at most, not 10 s.
  EXPECT_LT(waited, 1500);
  EXPECT_THAT(slow[0].ReadResponse(1000), StartsWith("HTTP/1.1 408"));
}

TEST_F(HttpServerTest, SlowBodyTimesOut) {
  HttpServerOptions o;
  o.body_timeout_ms = 300;
  Start(o);
  RawHttpClient c(server_->port());
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  const auto t0 = Clock::now();
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 408"));
  EXPECT_LT(MsSince(t0), 1500);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpServerTest, RefusesBadFramingBeforeTheBody) {
  HttpServerOptions o;
  o.max_body_bytes = 100;
  Start(o);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"POST / HTTP/1.1\r\nContent-Length: 2abc\r\n\r\n{}", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n{}", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "HTTP/1.1 411"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 411"},
      {"POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}", "HTTP/1.1 415"},
      // Refused from the head: the 1000 bytes are never sent.
      {"POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n", "HTTP/1.1 413"},
  };
  for (const auto& [request, want] : cases) {
    RawHttpClient c(server_->port());
    c.Send(request);
    const std::string answer = c.ReadResponse(2000);
    EXPECT_THAT(answer, StartsWith(want)) << request;
    EXPECT_THAT(answer, HasSubstr("Connection: close")) << request;
    EXPECT_TRUE(c.Closed()) << request;
  }
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_EQ(server_->stats().rejected, cases.size());
}

TEST_F(HttpServerTest, HeadTooLarge) {
  HttpServerOptions o;
  o.max_head_bytes = 1024;
  Start(o);
  RawHttpClient c(server_->port());
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) head += "X-Filler-" + std::to_string(i) + ": 0123456789\r\n";
  c.Send(head + "\r\n");
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 431"));
}

TEST_F(HttpServerTest, HeadCheckRefusesBeforeTheBodyArrives) {
  Start({}, [](const HttpRequest& head) -> std::optional<HttpResponse> {
    if (head.Header("Authorization") != "Bearer tok") return HttpResponse{401, "no\n"};
    return std::nullopt;
  });
  RawHttpClient c(server_->port());
  const auto t0 = Clock::now();
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n");  // and no body
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 401"));
  EXPECT_LT(MsSince(t0), 1000);
  // With Expect: 100-continue the refusal replaces "100 Continue".
  RawHttpClient e(server_->port());
  e.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n");
  EXPECT_THAT(e.ReadResponse(), StartsWith("HTTP/1.1 401"));
  RawHttpClient ok(server_->port());
  ok.Send(HttpPost("b", "Authorization: Bearer tok\r\n"));
  EXPECT_THAT(ok.ReadResponse(), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(HttpServerTest, ConnectionsBeyondWorkersAndQueueAreAnswered503) {
  HttpServerOptions o;
  o.threads = 1;
  o.max_queued = 1;
  o.head_timeout_ms = 3000;
  Start(o);
  RawHttpClient holder(server_->port());  // takes the worker
  holder.Send("POST / HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  RawHttpClient queued(server_->port());  // takes the queue slot
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  RawHttpClient refused(server_->port());
  refused.Send(HttpPost("x"));
  EXPECT_THAT(refused.ReadResponse(2000), StartsWith("HTTP/1.1 503"));
  EXPECT_EQ(server_->stats().busy, 1u);
}

TEST_F(HttpServerTest, StopCutsSlowConnections) {
  Start();
  RawHttpClient slow(server_->port());
  slow.Send("POST / HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = Clock::now();
  server_->Stop();
  EXPECT_LT(MsSince(t0), 1000);
  EXPECT_TRUE(slow.Closed());
}

TEST(HttpServerStopTest, AnswersInProgressGoOut) {
  std::atomic<bool> entered{false}, release{false};
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  auto server = HttpServer::Start(o, [&](const HttpRequest&) {
    entered.store(true);
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return HttpResponse{503, "stopping\n"};
  });
  ASSERT_TRUE(server.has_value());
  RawHttpClient c((*server)->port());
  c.Send(HttpPost("x"));
  while (!entered.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    release.store(true);
  });
  (*server)->Stop();
  releaser.join();
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 503"));
}

TEST(HttpServerStartTest, BadListenAddress) {
  const auto handler = [](const HttpRequest&) { return HttpResponse{}; };
  HttpServerOptions o;
  o.listen = "nohost";
  EXPECT_FALSE(HttpServer::Start(o, handler).has_value());
  o.listen = "127.0.0.1:99999";
  EXPECT_FALSE(HttpServer::Start(o, handler).has_value());
  o.listen = "127.0.0.1:0";
  auto first = HttpServer::Start(o, handler);
  ASSERT_TRUE(first.has_value());
  o.listen = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HttpServer::Start(o, handler);
  ASSERT_FALSE(second.has_value()) << "a second server on the same port";
  EXPECT_EQ(second.error().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace logstream
