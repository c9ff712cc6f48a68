#include "src/trigger/webhook_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "src/serve/http_test_client.h"

namespace logstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

// Sends a raw HTTP request to 127.0.0.1:port on a connection of its own;
// returns the whole answer.
std::string Request(int port, const std::string& request) {
  RawHttpClient c(port);
  if (!c.connected()) return "<connect failed>";
  c.Send(request);
  return c.ReadAll();
}

class WebhookSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WebhookOptions o;
    o.listen = "127.0.0.1:0";
    o.bearer_token = "tok";
    o.bucket = "logs";
    o.prefix = "raw/";
    o.max_body_bytes = 10000;
    auto s = WebhookSource::Open(o);
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    src_ = std::move(*s);
  }
  // Sends request from another thread and polls until its events arrive or
  // it is answered; returns (events, answer future).
  std::pair<std::vector<ObjectEvent>, std::future<std::string>> Send(const std::string& request) {
    auto answer = std::async(std::launch::async, [this, request] { return Request(src_->port(), request); });
    std::vector<ObjectEvent> events;
    const auto end = Clock::now() + std::chrono::seconds(5);
    while (events.empty() && Clock::now() < end &&
           answer.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
      auto polled = src_->Poll(50);
      EXPECT_TRUE(polled.has_value());
      if (polled) events = std::move(*polled);
    }
    return {std::move(events), std::move(answer)};
  }
  // Runs an ingester stand-in that acknowledges every event at once.
  void StartAcking() {
    acker_ = std::thread([this] {
      while (!stop_acking_.load()) {
        auto events = src_->Poll(20);
        if (!events) continue;
        for (const ObjectEvent& e : *events) (void)src_->Ack(e);
      }
    });
  }
  void TearDown() override {
    stop_acking_.store(true);
    if (acker_.joinable()) acker_.join();
  }
  std::string Body(const std::string& key = "raw/x") {
    return ObjectEventsToS3Json({ObjectEvent{"ObjectCreated:Put", "logs", key, 1, "e", 1}});
  }
  std::atomic<bool> stop_acking_{false};
  std::thread acker_;
  std::unique_ptr<WebhookSource> src_;
};

TEST_F(WebhookSourceTest, AnswersOnlyAfterEveryEventIsAcked) {
  const std::string body =
      ObjectEventsToS3Json({ObjectEvent{"ObjectCreated:Put", "logs", "raw/h1/a b.log", 5, "e1", 1000},
                            ObjectEvent{"ObjectCreated:Put", "logs", "raw/h1/b.log", 6, "e2", 1000},
                            ObjectEvent{"ObjectCreated:Put", "logs", "other/c.log", 6, "e3", 1000},
                            ObjectEvent{"ObjectCreated:Put", "else", "raw/d.log", 6, "e4", 1000}});
  auto [events, answer] = Send(HttpPost(body, "Authorization: Bearer tok\r\n"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].key, "h1/a b.log");
  EXPECT_EQ(events[1].key, "h1/b.log");
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "no answer before the events are committed";
  EXPECT_TRUE(src_->Ack(events[0]).ok());
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  EXPECT_TRUE(src_->Ack(events[1]).ok());
  EXPECT_THAT(answer.get(), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(src_->stats().skipped, 2u);
}

TEST_F(WebhookSourceTest, RejectsBadRequests) {
  const std::string good = ObjectEventsToS3Json({ObjectEvent{"ObjectCreated:Put", "logs", "raw/x", 1, "e", 1}});
  auto no_token = Send(HttpPost(good));
  EXPECT_TRUE(no_token.first.empty());
  EXPECT_THAT(no_token.second.get(), StartsWith("HTTP/1.1 401"));
  auto wrong_token = Send(HttpPost(good, "Authorization: Bearer nope\r\n"));
  EXPECT_THAT(wrong_token.second.get(), StartsWith("HTTP/1.1 401"));
  auto malformed = Send(HttpPost("{not json", "Authorization: Bearer tok\r\n"));
  EXPECT_TRUE(malformed.first.empty());
  EXPECT_THAT(malformed.second.get(), StartsWith("HTTP/1.1 400"));
  auto big = Send(HttpPost(std::string(20000, 'x'), "Authorization: Bearer tok\r\n"));
  EXPECT_THAT(big.second.get(), StartsWith("HTTP/1.1 413"));
  auto get = Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(get.second.get(), StartsWith("HTTP/1.1 405"));
  auto test_event = Send(HttpPost(R"({"Service":"Amazon S3","Event":"s3:TestEvent"})", "Authorization: Bearer tok\r\n"));
  EXPECT_THAT(test_event.second.get(), StartsWith("HTTP/1.1 200"));
}

TEST_F(WebhookSourceTest, SlowClientsDoNotDelayAValidRequest) {
  StartAcking();
  // Five clients trickle their headers, a byte every 100 ms (the head
  // deadline is 5 s: they hold a thread each until then).
  TricklingHttpClients slow(src_->port(), 5,
                        "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    EXPECT_THAT(Request(src_->port(), HttpPost(Body("raw/k" + std::to_string(i)), "Authorization: Bearer tok\r\n")),
                StartsWith("HTTP/1.1 200"));
    EXPECT_LT(MsSince(t0), 1000) << "a valid request waited for the slow clients";
  }
  slow.Stop();
  EXPECT_EQ(src_->stats().events, 3u);
}

TEST_F(WebhookSourceTest, RefusesAMissingTokenBeforeTheBody) {
  RawHttpClient c(src_->port());
  const auto t0 = Clock::now();
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");  // the body never comes
  const std::string answer = c.ReadAll(3000);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 401"));
  EXPECT_THAT(answer, HasSubstr("missing or wrong bearer token"));
  EXPECT_LT(MsSince(t0), 1000);
}

TEST_F(WebhookSourceTest, RefusesAMalformedContentLength) {
  const std::string answer = Request(
      src_->port(), "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Length: 2abc\r\n\r\n{}");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(answer, HasSubstr("Content-Length"));
  EXPECT_EQ(src_->stats().rejected, 1u);
}

TEST_F(WebhookSourceTest, RefusesTrailingDataNamingIt) {
  auto [events, answer] = Send(HttpPost(R"({"Records":[]} garbage)", "Authorization: Bearer tok\r\n"));
  EXPECT_TRUE(events.empty());
  const std::string a = answer.get();
  EXPECT_THAT(a, StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(a, HasSubstr("trailing data after the JSON document"));
  // Also after a document with events: none of them is ingested.
  auto [events2, answer2] = Send(HttpPost(Body() + "}", "Authorization: Bearer tok\r\n"));
  EXPECT_TRUE(events2.empty());
  EXPECT_THAT(answer2.get(), HasSubstr("trailing data"));
}

TEST_F(WebhookSourceTest, RefusesAnOversizedBodyFromItsHead) {
  RawHttpClient c(src_->port());
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Length: 20000\r\n\r\n");
  const std::string answer = c.ReadAll(3000);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(answer, HasSubstr("body over 10000 bytes"));
}

TEST_F(WebhookSourceTest, ServesOtherRequestsWhileOneWaitsForItsCommit) {
  auto [events, waiting] = Send(HttpPost(Body("raw/a"), "Authorization: Bearer tok\r\n"));
  ASSERT_EQ(events.size(), 1u);
  auto [events2, second] = Send(HttpPost(Body("raw/b"), "Authorization: Bearer tok\r\n", "/hook/path"));
  ASSERT_EQ(events2.size(), 1u) << "a second request is served while the first waits";
  EXPECT_EQ(events2[0].key, "b");
  EXPECT_THAT(Request(src_->port(), HttpPost(Body())), StartsWith("HTTP/1.1 401"));
  EXPECT_TRUE(src_->Ack(events2[0]).ok());
  EXPECT_THAT(second.get(), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  EXPECT_TRUE(src_->Ack(events[0]).ok());
  EXPECT_THAT(waiting.get(), StartsWith("HTTP/1.1 200"));
}

TEST_F(WebhookSourceTest, AbandonedOrUnsettledRequestsAreAnswered503) {
  auto [events, abandoned] = Send(HttpPost(Body(), "Authorization: Bearer tok\r\n"));
  ASSERT_EQ(events.size(), 1u);
  src_->Abandon(events[0]);
  EXPECT_THAT(abandoned.get(), StartsWith("HTTP/1.1 503"));
  auto [events2, unsettled] = Send(HttpPost(Body(), "Authorization: Bearer tok\r\n"));
  ASSERT_EQ(events2.size(), 1u);
  src_.reset();
  EXPECT_THAT(unsettled.get(), StartsWith("HTTP/1.1 503"));
}

TEST(WebhookOpenTest, BadListenAddress) {
  WebhookOptions o;
  o.listen = "nohost";
  EXPECT_FALSE(WebhookSource::Open(o).has_value());
  o.listen = "127.0.0.1:99999";
  EXPECT_FALSE(WebhookSource::Open(o).has_value());
}

}  // namespace
}  // namespace logstream
