// Test-only: raw HTTP/1.1 clients on 127.0.0.1 for the tests of servers built
// on HttpServer (src/serve, the webhook source of src/trigger), which send
// the malformed, partial and slow requests that a real client would not.
//
// Header-only. A RawHttpClient is used by one thread at a time, except that one
// thread may Send while another reads (TricklingHttpClients does).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace logstream {

// Milliseconds since t on the steady clock.
inline int64_t MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

// A POST request of body, with extra header lines ("Name: value\r\n" each).
inline std::string HttpPost(const std::string& body, const std::string& extra = "",
                            const std::string& path = "/") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A raw client connection to 127.0.0.1:port, closed by the destructor.
class RawHttpClient {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RawHttpClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawHttpClient() { ::close(fd_); }
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

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
  // Everything the server sends until it closes the connection, with
  // "<timeout>" appended if it did not close it within timeout_ms.
  std::string ReadAll(int timeout_ms = 10000) {
    const bool closed = Closed(timeout_ms);
    return std::exchange(in_, "") + (closed ? "" : "<timeout>");
  }

 private:
  bool Receive(Clock::time_point end) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
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

// `count` clients that send head_start (the start of a request head) and
// then trickle a byte of header ("X") every 100 ms from a thread, until Stop
// or destruction: each holds a server worker until the head deadline cuts it.
class TricklingHttpClients {
 public:
  TricklingHttpClients(int port, int count, const std::string& head_start) {
    for (int i = 0; i < count; ++i) {
      clients_.push_back(std::make_unique<RawHttpClient>(port));
      clients_.back()->Send(head_start);
    }
    thread_ = std::thread([this] {
      while (!done_.load()) {
        for (auto& c : clients_) c->Send("X");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  ~TricklingHttpClients() { Stop(); }

  // Stops trickling; the connections stay open until destruction.
  void Stop() {
    done_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  // The i-th client, to read what the server answered it.
  RawHttpClient& operator[](size_t i) { return *clients_[i]; }

 private:
  std::vector<std::unique_ptr<RawHttpClient>> clients_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace logstream
