#include "src/trigger/webhook_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace logstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Sends a raw HTTP request to 127.0.0.1:port; returns the whole answer.
std::string Request(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "<connect failed>";
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string Post(const std::string& body, const std::string& extra = "") {
  return "POST / HTTP/1.1\r\nHost: x\r\n" + extra + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
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
  // Sends request from another thread, polls once; returns (events, answer future).
  std::pair<std::vector<ObjectEvent>, std::future<std::string>> Send(const std::string& request) {
    auto answer = std::async(std::launch::async, [this, request] { return Request(src_->port(), request); });
    auto events = src_->Poll(5000);
    EXPECT_TRUE(events.has_value());
    return {events ? *events : std::vector<ObjectEvent>{}, std::move(answer)};
  }
  std::unique_ptr<WebhookSource> src_;
};

TEST_F(WebhookSourceTest, AnswersOnlyAfterEveryEventIsAcked) {
  const std::string body = ObjectEventsToS3Json(
      {ObjectEvent{"ObjectCreated:Put", "logs", "raw/h1/a b.log", 5, "e1", 1000},
       ObjectEvent{"ObjectCreated:Put", "logs", "raw/h1/b.log", 6, "e2", 1000},
       ObjectEvent{"ObjectCreated:Put", "logs", "other/c.log", 6, "e3", 1000},
       ObjectEvent{"ObjectCreated:Put", "else", "raw/d.log", 6, "e4", 1000}});
  auto [events, answer] = Send(Post(body, "Authorization: Bearer tok\r\n"));
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
  auto no_token = Send(Post(good));
  EXPECT_TRUE(no_token.first.empty());
  EXPECT_THAT(no_token.second.get(), StartsWith("HTTP/1.1 401"));
  auto wrong_token = Send(Post(good, "Authorization: Bearer nope\r\n"));
  EXPECT_THAT(wrong_token.second.get(), StartsWith("HTTP/1.1 401"));
  auto malformed = Send(Post("{not json", "Authorization: Bearer tok\r\n"));
  EXPECT_TRUE(malformed.first.empty());
  EXPECT_THAT(malformed.second.get(), StartsWith("HTTP/1.1 400"));
  auto big = Send(Post(std::string(20000, 'x'), "Authorization: Bearer tok\r\n"));
  EXPECT_THAT(big.second.get(), StartsWith("HTTP/1.1 413"));
  auto get = Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(get.second.get(), StartsWith("HTTP/1.1 405"));
  auto test_event = Send(Post(R"({"Service":"Amazon S3","Event":"s3:TestEvent"})", "Authorization: Bearer tok\r\n"));
  EXPECT_THAT(test_event.second.get(), StartsWith("HTTP/1.1 200"));
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
