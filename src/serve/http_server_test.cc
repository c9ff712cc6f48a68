#include "src/serve/http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace logstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// A raw client connection to 127.0.0.1:port.
class Client {
 public:
  explicit Client(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& s) { (void)::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // Reads one response (head and Content-Length body), or what came before
  // the connection closed or timeout_ms passed.
  std::string ReadResponse(int timeout_ms = 5000) {
    const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      const size_t head_end = in_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = in_.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) length = std::stoul(in_.substr(cl + 16));
        if (in_.size() >= head_end + 4 + length) {
          std::string out = in_.substr(0, head_end + 4 + length);
          in_.erase(0, out.size());
          return out;
        }
      }
      if (!Receive(end)) return std::exchange(in_, "");
    }
  }
  // True if the server closed the connection (after what was read) within timeout_ms.
  bool Closed(int timeout_ms = 2000) {
    const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Receive(end)) {
    }
    return closed_;
  }

 private:
  bool Receive(Clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string in_;
};

std::string Post(const std::string& body, const std::string& extra = "", const std::string& path = "/") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

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
  Client c(server_->port());
  c.Send(Post("hello", "X-A: 1\r\n", "/some/where"));
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
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 5; ++i) {
    slow.push_back(std::make_unique<Client>(server_->port()));
    slow.back()->Send("POST / HTTP/1.1\r\nHost: x\r\n");
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    while (!done.load()) {
      for (auto& c : slow) c->Send("X");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = Clock::now();
  Client c(server_->port());
  c.Send(Post("ok"));
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
  EXPECT_LT(MsSince(t0), 500) << "a valid request waited for slow clients";
  // The slow clients are cut off at the head deadline, with 408.
  const std::string timed_out = slow[0]->ReadResponse(3000);
  done.store(true);
  trickle.join();
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
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 4; ++i) {  // two on the workers, two queued
    slow.push_back(std::make_unique<Client>(server_->port()));
    slow.back()->Send("POST / HTTP/1.1\r\nHost: x\r\n");
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    while (!done.load()) {
      for (auto& c : slow) c->Send("X");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = Clock::now();
  Client c(server_->port());
  c.Send(Post("ok"));
  const std::string answer = c.ReadResponse(5000);
  const int64_t waited = MsSince(t0);
  done.store(true);
  trickle.join();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  // Two rounds of slow heads cut after 500 ms at most, not 10 s.
  EXPECT_LT(waited, 1500);
  EXPECT_THAT(slow[0]->ReadResponse(1000), StartsWith("HTTP/1.1 408"));
}

TEST_F(HttpServerTest, SlowBodyTimesOut) {
  HttpServerOptions o;
  o.body_timeout_ms = 300;
  Start(o);
  Client c(server_->port());
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
    Client c(server_->port());
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
  Client c(server_->port());
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
  Client c(server_->port());
  const auto t0 = Clock::now();
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n");  // and no body
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 401"));
  EXPECT_LT(MsSince(t0), 1000);
  // With Expect: 100-continue the refusal replaces "100 Continue".
  Client e(server_->port());
  e.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n");
  EXPECT_THAT(e.ReadResponse(), StartsWith("HTTP/1.1 401"));
  Client ok(server_->port());
  ok.Send(Post("b", "Authorization: Bearer tok\r\n"));
  EXPECT_THAT(ok.ReadResponse(), StartsWith("HTTP/1.1 200"));
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(HttpServerTest, ConnectionsBeyondWorkersAndQueueAreAnswered503) {
  HttpServerOptions o;
  o.threads = 1;
  o.max_queued = 1;
  o.head_timeout_ms = 3000;
  Start(o);
  Client holder(server_->port());  // takes the worker
  holder.Send("POST / HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client queued(server_->port());  // takes the queue slot
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client refused(server_->port());
  refused.Send(Post("x"));
  EXPECT_THAT(refused.ReadResponse(2000), StartsWith("HTTP/1.1 503"));
  EXPECT_EQ(server_->stats().busy, 1u);
}

TEST_F(HttpServerTest, StopCutsSlowConnections) {
  Start();
  Client slow(server_->port());
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
  Client c((*server)->port());
  c.Send(Post("x"));
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
