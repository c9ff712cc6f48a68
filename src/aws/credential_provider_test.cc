// CredentialProvider against a small HTTP server in the test that plays the
// EC2 instance metadata service (IMDSv2: token PUT, role, credentials JSON
// with an Expiration) and an SQS / S3 endpoint that records which access key
// signed each request. There is no real IMDS on this machine, hence the fake.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/aws/credentials.h"
#include "src/aws/s3_client.h"
#include "src/aws/sqs_client.h"

namespace logstream::aws {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct HttpRequest {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // lowercase names

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};
struct HttpReply {
  int status = 200;
  std::string body;
};

// One connection at a time, one request per connection (Connection: close).
class TinyHttpServer {
 public:
  explicit TinyHttpServer(std::function<HttpReply(const HttpRequest&)> handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TinyHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      HttpRequest req;
      if (Read(c, &req)) {
        const HttpReply reply = handler_(req);
        const std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " X\r\nContent-Length: " +
                                std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n" + reply.body;
        (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }
  static bool Read(int c, HttpRequest* req) {
    std::string in;
    char buf[4096];
    size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    std::string_view head(in.data(), end);
    size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    req->method = std::string(line.substr(0, line.find(' ')));
    req->path = std::string(line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1));
    while (eol != std::string_view::npos) {
      head.remove_prefix(eol + 2);
      eol = head.find("\r\n");
      const std::string_view h = head.substr(0, eol);
      const size_t colon = h.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(h.substr(0, colon));
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string_view value = h.substr(colon + 1);
      while (value.starts_with(' ')) value.remove_prefix(1);
      req->headers[name] = std::string(value);
    }
    const size_t length = req->headers.contains("content-length") ? std::stoul(req->headers["content-length"]) : 0;
    req->body = in.substr(end + 4);
    if (length > 0 && req->headers["expect"] == "100-continue" && req->body.empty()) {
      const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
      (void)::send(c, cont.data(), cont.size(), MSG_NOSIGNAL);
    }
    while (req->body.size() < length) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      req->body.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  std::function<HttpReply(const HttpRequest&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

const TimeMs kT0 = *ParseRfc3339("2026-11-25T00:00:00Z");
constexpr TimeMs kMinute = 60'000;

// IMDS handing out generation n of the role's credentials (ASIAKEY<n>,
// secret-<n>, token-<n>) valid until kT0 + n * 60 min - 45 min, plus an AWS
// endpoint that answers ExpiredToken to any key in `expired`.
class CredentialProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TinyHttpServer>([this](const HttpRequest& r) { return Handle(r); });
  }

  HttpReply Handle(const HttpRequest& r) {
    std::lock_guard lock(mu_);
    if (r.path == "/latest/api/token") {
      if (r.method != "PUT" || !r.headers.contains("x-aws-ec2-metadata-token-ttl-seconds")) return {400, ""};
      return {200, "imds-token"};
    }
    if (r.path.starts_with("/latest/meta-data/")) {
      if (!imds_up_) return {500, ""};
      if (r.Header("x-aws-ec2-metadata-token") != "imds-token") return {401, ""};
      if (r.path == "/latest/meta-data/iam/security-credentials/") return {200, "logstream-role\n"};
      if (r.path != "/latest/meta-data/iam/security-credentials/logstream-role") return {404, ""};
      const int n = ++generation_;
      return {200, R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAKEY)" + std::to_string(n) +
                       R"(","SecretAccessKey":"secret-)" + std::to_string(n) + R"(","Token":"token-)" +
                       std::to_string(n) + R"(","Expiration":")" +
                       FormatRfc3339Ms(kT0 + n * 60 * kMinute - 45 * kMinute) + R"("})"};
    }
    // The AWS endpoint: remember who signed.
    const std::string auth = r.Header("authorization");
    const size_t at = auth.find("Credential=");
    const std::string key = at == std::string::npos ? "" : auth.substr(at + 11, auth.find('/', at) - at - 11);
    signed_by_.push_back(key + " " + r.Header("x-amz-security-token"));
    if (expired_.contains(key)) {
      if (r.headers.contains("x-amz-target")) {
        return {400, R"({"__type":"com.amazon.coral.service#ExpiredTokenException","message":"The security token included in the request is expired"})"};
      }
      return {400, "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>"};
    }
    return {200, r.headers.contains("x-amz-target") ? "{}" : "hello"};
  }

  CredentialOptions Options() {
    CredentialOptions o;
    o.env = [](const char* name) -> std::optional<std::string> {
      if (std::string_view(name) == "HOME") return "/nonexistent";
      return std::nullopt;  // no keys in the environment, no credentials file: IMDS
    };
    o.imds_endpoint = server_->url();
    o.now = [this] { return now_.load(); };
    return o;
  }
  int generation() {
    std::lock_guard lock(mu_);
    return generation_;
  }
  std::vector<std::string> signed_by() {
    std::lock_guard lock(mu_);
    return signed_by_;
  }

  std::atomic<TimeMs> now_{kT0};
  std::mutex mu_;
  int generation_ = 0;
  bool imds_up_ = true;
  std::set<std::string> expired_;
  std::vector<std::string> signed_by_;
  std::unique_ptr<TinyHttpServer> server_;
};

TEST_F(CredentialProviderTest, ImdsCredentialsAreFetchedAgainBeforeTheyExpire) {
  auto p = CredentialProvider::Create(Options());
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  auto c = (*p)->Get();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ((*c)->access_key_id, "ASIAKEY1");
  EXPECT_EQ((*c)->expiration, kT0 + 15 * kMinute);
  EXPECT_THAT((*p)->Describe(), HasSubstr("instance metadata (role logstream-role), expires 2026-11-25T00:15:00"));
  EXPECT_THAT((*p)->Describe(), Not(HasSubstr("secret-1")));
  EXPECT_THAT((*p)->Describe(), Not(HasSubstr("token-1")));

  now_ = kT0 + 9 * kMinute;  // 6 min left: keep them
  EXPECT_EQ((*(*p)->Get())->access_key_id, "ASIAKEY1");
  EXPECT_EQ(generation(), 1);

  now_ = kT0 + 10 * kMinute + 1;  // under 5 min left: fetch again
  c = (*p)->Get();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ((*c)->access_key_id, "ASIAKEY2");
  EXPECT_EQ((*c)->secret_access_key, "secret-2");
  EXPECT_EQ((*c)->session_token, "token-2");
  EXPECT_EQ(generation(), 2);
  EXPECT_EQ((*p)->resolves(), 2);
  now_ = kT0 + 60 * kMinute;  // key 2 is good until 75 min
  EXPECT_EQ((*(*p)->Get())->access_key_id, "ASIAKEY2");
  EXPECT_EQ(generation(), 2);
}

TEST_F(CredentialProviderTest, SqsRequestsAreSignedWithTheRefreshedKeys) {
  SqsOptions o;
  o.region = "us-east-1";
  o.credential_options = Options();
  auto sqs = SqsClient::Create(server_->url() + "/123456789012/events", o);
  ASSERT_TRUE(sqs.has_value()) << sqs.error().ToString();
  ASSERT_TRUE((*sqs)->Send("one").ok());
  now_ = kT0 + 12 * kMinute;
  ASSERT_TRUE((*sqs)->Send("two").ok());
  EXPECT_THAT(signed_by(), ElementsAre("ASIAKEY1 token-1", "ASIAKEY2 token-2"));
  EXPECT_EQ(generation(), 2);
}

TEST_F(CredentialProviderTest, ExpiredTokenAnswerFetchesNewKeysAndRetries) {
  {
    std::lock_guard lock(mu_);
    expired_.insert("ASIAKEY1");  // revoked early: the endpoint says so before the Expiration
  }
  SqsOptions o;
  o.credential_options = Options();
  o.max_attempts = 1;  // the retry with new keys is not one of the attempts
  auto sqs = SqsClient::Create(server_->url() + "/123456789012/events", o);
  ASSERT_TRUE(sqs.has_value()) << sqs.error().ToString();
  Status s = (*sqs)->Send("one");
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_THAT(signed_by(), ElementsAre("ASIAKEY1 token-1", "ASIAKEY2 token-2"));

  S3Options s3o;
  s3o.endpoint = server_->url();
  s3o.credential_options = Options();
  s3o.max_attempts = 1;
  auto s3 = S3Client::Create(s3o);  // fetches generation 3
  ASSERT_TRUE(s3.has_value()) << s3.error().ToString();
  {
    std::lock_guard lock(mu_);
    expired_.insert("ASIAKEY3");
    signed_by_.clear();
  }
  auto got = (*s3)->Send(S3Request("GET", "bucket", "key"));
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->body, "hello");
  EXPECT_THAT(signed_by(), ElementsAre("ASIAKEY3 token-3", "ASIAKEY4 token-4"));
}

TEST_F(CredentialProviderTest, FailedRefreshKeepsValidKeysThenSaysTheyExpired) {
  auto p = CredentialProvider::Create(Options());
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  {
    std::lock_guard lock(mu_);
    imds_up_ = false;
  }
  now_ = kT0 + 11 * kMinute;
  auto c = (*p)->Get();
  ASSERT_TRUE(c.has_value()) << "still valid for 4 min: keep using them";
  EXPECT_EQ((*c)->access_key_id, "ASIAKEY1");
  now_ = kT0 + 15 * kMinute;
  c = (*p)->Get();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(c.error().message(), HasSubstr("ASIAKEY1"));
  EXPECT_THAT(c.error().message(), HasSubstr("expired"));
  EXPECT_THAT(c.error().message(), Not(HasSubstr("secret-1")));
  {
    std::lock_guard lock(mu_);
    imds_up_ = true;
  }
  now_ = kT0 + 15 * kMinute + 10'000;  // retry_after_ms later: IMDS is back
  c = (*p)->Get();
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ((*c)->access_key_id, "ASIAKEY2");
}

TEST_F(CredentialProviderTest, ConcurrentCallersShareOneRefresh) {
  auto p = CredentialProvider::Create(Options());
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  now_ = kT0 + 11 * kMinute;
  std::vector<std::thread> threads;
  std::atomic<int> second{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        auto c = (*p)->Get();
        if (c && (*c)->access_key_id == "ASIAKEY2") second.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(generation(), 2);
  EXPECT_EQ(second.load(), 8 * 20);  // the first caller refreshed, the others waited for it
}

TEST(CredentialProviderFixedTest, NeverRefreshes) {
  auto p = CredentialProvider::Fixed(Credentials{"AKFIXED", "s", "", "test"});
  EXPECT_EQ((*p->Get())->access_key_id, "AKFIXED");
  EXPECT_FALSE(p->Refresh(Credentials{"AKFIXED", "s", "", "test"}));
}

}  // namespace
}  // namespace logstream::aws
