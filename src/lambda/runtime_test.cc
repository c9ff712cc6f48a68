// RuntimeClient and RunLoop against a tiny fake Runtime API server (one
// thread, one request per connection).
#include "src/lambda/runtime.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <mutex>
#include <thread>

namespace logstream::lambda {
namespace {

struct Posted {
  std::string path, body, error_type_header;
};

class FakeRuntimeApi {
 public:
  explicit FakeRuntimeApi(std::deque<std::pair<std::string, std::string>> invocations)
      : invocations_(std::move(invocations)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeRuntimeApi() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string api() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<Posted> posted() {
    std::lock_guard lock(mu_);
    return posted_;
  }

 private:
  static std::string Header(const std::string& head, const std::string& name) {
    size_t p = head.find("\r\n" + name + ": ");
    if (p == std::string::npos) return "";
    p += name.size() + 4;
    return head.substr(p, head.find("\r\n", p) - p);
  }
  void Serve() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      size_t head_end;
      while ((head_end = req.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        req.append(buf, n);
      }
      const std::string head = req.substr(0, head_end);
      const std::string cl = Header(head, "Content-Length");
      const size_t want = cl.empty() ? 0 : std::stoul(cl);
      std::string body = req.substr(head_end + 4);
      while (body.size() < want) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) break;
        body.append(buf, n);
      }
      const std::string path = head.substr(head.find(' ') + 1, head.find(" HTTP/") - head.find(' ') - 1);
      std::string reply;
      if (path == "/2018-06-01/runtime/invocation/next") {
        std::lock_guard lock(mu_);
        if (invocations_.empty()) {
          reply = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndone";
        } else {
          auto [id, payload] = invocations_.front();
          invocations_.pop_front();
          reply = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: " + id +
                  "\r\nLambda-Runtime-Deadline-Ms: 123\r\nContent-Length: " + std::to_string(payload.size()) +
                  "\r\nConnection: close\r\n\r\n" + payload;
        }
      } else {
        std::lock_guard lock(mu_);
        posted_.push_back({path, body, Header(head, "Lambda-Runtime-Function-Error-Type")});
        reply = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
      }
      (void)!write(c, reply.data(), reply.size());
      close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<std::pair<std::string, std::string>> invocations_;
  std::vector<Posted> posted_;
};

TEST(RuntimeLoop, RespondsAndReportsErrorsThenKeepsServing) {
  FakeRuntimeApi api({{"id-1", "{\"n\":1}"}, {"id-2", "bad"}, {"id-3", "{\"n\":3}"}});
  RuntimeClient client(api.api());
  std::atomic<bool> stop{false};
  Handler handler = [](const Invocation& inv) -> std::expected<std::string, InvocationError> {
    EXPECT_EQ(inv.deadline_ms, "123");
    if (inv.payload == "bad") return std::unexpected(InvocationError{"InvalidEvent", "bad \"json\""});
    return "ok:" + inv.payload;
  };
  ASSERT_TRUE(RunLoop(client, handler, stop, 3).ok());
  auto posted = api.posted();
  ASSERT_EQ(posted.size(), 3u);
  EXPECT_EQ(posted[0].path, "/2018-06-01/runtime/invocation/id-1/response");
  EXPECT_EQ(posted[0].body, "ok:{\"n\":1}");
  EXPECT_EQ(posted[1].path, "/2018-06-01/runtime/invocation/id-2/error");
  EXPECT_EQ(posted[1].body, "{\"errorMessage\":\"bad \\\"json\\\"\",\"errorType\":\"InvalidEvent\"}");
  EXPECT_EQ(posted[1].error_type_header, "Runtime.InvalidEvent");
  EXPECT_EQ(posted[2].path, "/2018-06-01/runtime/invocation/id-3/response");
}

TEST(RuntimeLoop, NextFailureEndsTheLoopWithAMessage) {
  FakeRuntimeApi api({});
  RuntimeClient client(api.api());
  std::atomic<bool> stop{false};
  Status s = RunLoop(client, [](const Invocation&) { return std::expected<std::string, InvocationError>("x"); },
                     stop);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HTTP 500"), std::string::npos) << s.message();
}

TEST(RuntimeClient, InitError) {
  FakeRuntimeApi api({});
  RuntimeClient client(api.api());
  ASSERT_TRUE(client.FailInit({"InvalidConfig", "LOGSTREAM_BROKER is not set"}).ok());
  auto posted = api.posted();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0].path, "/2018-06-01/runtime/init/error");
  EXPECT_NE(posted[0].body.find("LOGSTREAM_BROKER is not set"), std::string::npos);
}

TEST(RuntimeClient, UnreachableApiSaysWhatToCheck) {
  RuntimeClient client("127.0.0.1:1");
  auto r = client.Next();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("AWS_LAMBDA_RUNTIME_API"), std::string::npos);
}

}  // namespace
}  // namespace logstream::lambda
