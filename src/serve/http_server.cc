#include "src/serve/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

// How cpp-httplib 0.11.4 is used here. Its own connection loop reads with a
// per-read timeout only (a client sending a byte now and then holds a thread
// forever), its thread pool queues connections without bound, it parses
// Content-Length with strtoull ("2abc" is 2) and it inflates compressed
// bodies without a limit. So: the server's (private, virtual)
// process_and_close_socket is replaced by ServeConnection, which runs the
// keep-alive loop itself on a Stream of ours (ConnStream) that enforces a
// deadline per request head and per body and a size limit on the head;
// new_task_queue gives a pool whose queue is bounded; and each head is
// checked (framing, then the owner's check) when it is complete, in
// setup_request, and refused in the pre-routing handler (or instead of
// "100 Continue") before httplib reads the body.

namespace logstream {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kLingerBytes = 1 << 20;  // read at most this much of a refused request
constexpr auto kLinger = std::chrono::milliseconds(500);
constexpr auto kIdleSlice = std::chrono::milliseconds(100);  // checks for waiting connections
constexpr auto kHeadSlice = std::chrono::milliseconds(50);

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int MsUntil(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1'000'000));
}

// Waits until fd has `events` or the deadline passes; false on timeout.
bool WaitFd(int fd, short events, Clock::time_point deadline) {
  while (true) {
    const int ms = MsUntil(deadline);
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

// Sends all of data without blocking longer than the deadline.
bool SendAll(int fd, const char* data, size_t size, Clock::time_point deadline) {
  size_t off = 0;
  while (off < size) {
    const ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFd(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

std::string RawResponse(int status, std::string_view reason, std::string_view body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

std::string AddressOf(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, buf, sizeof buf);
  } else if (a.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, buf, sizeof buf);
  }
  return buf;
}

int PortOf(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

// Methods whose requests httplib reads a body for (without a Content-Length,
// until the connection closes).
bool ExpectsBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" || method == "PRI";
}

HttpResponse Refuse(int status, std::string body) { return HttpResponse{status, std::move(body) + "\n"}; }

}  // namespace

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

bool HttpRequest::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
}

class ConnStream;
class Httplib;

struct HttpServerImpl {
  HttpServerImpl(HttpServerOptions o, HttpHandler h, HttpHeadCheck c);

  // Serves one accepted connection on a worker thread, then closes it.
  void ServeConnection(int fd);
  // Answers 503 without blocking (on the accept thread) and closes fd.
  void RejectBusy(int fd);
  // Waits for the next request of a kept-alive connection; false to close it.
  bool WaitNextRequest(ConnStream& conn);
  // The checks of a complete head, before its body is read.
  std::optional<HttpResponse> CheckHead(const httplib::Request& req, ConnStream& conn);
  void Count(int status);

  const HttpServerOptions options;
  const HttpHandler handler;
  const HttpHeadCheck check_head;
  std::unique_ptr<Httplib> server;
  std::thread accept_thread;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<bool> accept_done{false};
  std::atomic<size_t> waiting{0};  // connections waiting for a worker

  mutable std::mutex mu;
  std::map<int, ConnStream*> active;  // connections being served, by socket (Stop cuts them)
  HttpServer::Stats stats;
  bool stopped = false;
};

namespace {

}  // namespace

std::string HttpRequest::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return "";
}

namespace {

HttpRequest ToHttpRequest(const httplib::Request& req, bool with_body) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  out.remote_addr = req.remote_addr;
  for (const auto& [k, v] : req.params) out.params.emplace_back(k, v);
  for (const auto& [k, v] : req.headers) {
    // Set by httplib itself, not sent by the client.
    if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
    out.headers.emplace_back(k, v);
  }
  if (with_body) out.body = req.body;
  return out;
}

}  // namespace

// The socket of one connection as httplib reads and writes it, with a
// deadline for the current phase (head, body) and a size limit on the head.
// When the deadline passes or the head grows too large it answers 408 or 431
// itself and goes dead: later reads and writes fail.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(int fd, HttpServerImpl& impl) : fd_(fd), impl_(impl) {}

  // A new request head is due within head_timeout_ms.
  void BeginHead() {
    in_head_ = true;
    head_bytes_ = 0;
    head_start_ = Clock::now();
    deadline_ = head_start_ + std::chrono::milliseconds(impl_.options.head_timeout_ms);
    refusal_.reset();
    answering_.store(false);
  }
  // The head is complete: its body is due within body_timeout_ms.
  void BeginBody() {
    in_head_ = false;
    deadline_ = Clock::now() + std::chrono::milliseconds(impl_.options.body_timeout_ms);
  }

  bool dead() const { return dead_; }
  bool close_after() const { return close_after_; }
  bool timed_out() const { return timed_out_; }
  // The request is complete and being answered (Stop lets the answer go out).
  bool answering() const { return answering_.load(); }
  void set_answering() { answering_.store(true); }
  void set_close_after() { close_after_ = true; }
  bool buffered() const { return pos_ < len_; }
  int fd() const { return fd_; }
  std::optional<HttpResponse>& refusal() { return refusal_; }

  bool is_readable() const override { return !dead_ && (pos_ < len_ || WaitFd(fd_, POLLIN, deadline_)); }
  bool is_writable() const override {
    return !dead_ && WaitFd(fd_, POLLOUT, Clock::now() + std::chrono::milliseconds(impl_.options.write_timeout_ms));
  }

  ssize_t read(char* ptr, size_t size) override {
    if (dead_) return -1;
    if (pos_ == len_) {
      const ssize_t n = Fill();
      if (n <= 0) return n;
    }
    size_t n = std::min(size, len_ - pos_);
    if (in_head_) {
      if (head_bytes_ + n > impl_.options.max_head_bytes) {
        Fail(431, "Request Header Fields Too Large",
             "request head over " + std::to_string(impl_.options.max_head_bytes) + " bytes");
        return -1;
      }
      head_bytes_ += n;
    }
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (dead_) return -1;
    if (!SendAll(fd_, ptr, size, Clock::now() + std::chrono::milliseconds(impl_.options.write_timeout_ms))) {
      dead_ = true;
      return -1;
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      ip = AddressOf(a);
      port = PortOf(a);
    }
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      ip = AddressOf(a);
      port = PortOf(a);
    }
  }
  int socket() const override { return fd_; }

 private:
  // Receives into the buffer before the deadline: >0 bytes, 0 at the end of
  // the stream, -1 on error or timeout.
  ssize_t Fill() {
    while (true) {
      if (impl_.stopping.load()) {
        dead_ = true;
        return -1;
      }
      if (!WaitReadable()) {
        if (in_head_ && head_bytes_ == 0) {
          dead_ = true;  // an idle connection: closed without an answer
        } else if (in_head_) {
          timed_out_ = true;
          Fail(408, "Request Timeout", "request head not complete within " + std::to_string(head_limit_ms_) + " ms");
        } else {
          timed_out_ = true;
          Fail(408, "Request Timeout",
               "request body not complete within " + std::to_string(impl_.options.body_timeout_ms) + " ms");
        }
        return -1;
      }
      const ssize_t n = ::recv(fd_, buf_, sizeof buf_, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n <= 0) {
        dead_ = true;
        return n;
      }
      pos_ = 0;
      len_ = static_cast<size_t>(n);
      return n;
    }
  }

  // Waits until the socket is readable; false when the deadline passes. While
  // connections wait for a worker, a head gets busy_head_timeout_ms only.
  bool WaitReadable() {
    if (!in_head_) return WaitFd(fd_, POLLIN, deadline_);
    while (true) {
      head_limit_ms_ = impl_.options.head_timeout_ms;
      if (impl_.waiting.load() > 0) head_limit_ms_ = std::min(head_limit_ms_, impl_.options.busy_head_timeout_ms);
      const auto deadline = std::min(deadline_, head_start_ + std::chrono::milliseconds(head_limit_ms_));
      if (Clock::now() >= deadline) return false;
      if (WaitFd(fd_, POLLIN, std::min(deadline, Clock::now() + kHeadSlice))) return true;
      if (impl_.stopping.load()) return false;
    }
  }

  void Fail(int status, std::string_view reason, const std::string& body) {
    const std::string resp = RawResponse(status, reason, body + "\n");
    (void)SendAll(fd_, resp.data(), resp.size(),
                  Clock::now() + std::chrono::milliseconds(impl_.options.write_timeout_ms));
    impl_.Count(status);
    dead_ = true;
    close_after_ = true;
  }

  const int fd_;
  HttpServerImpl& impl_;
  char buf_[4096];
  size_t pos_ = 0, len_ = 0;
  bool in_head_ = true;
  size_t head_bytes_ = 0;
  Clock::time_point head_start_;
  TimeMs head_limit_ms_ = 0;  // the head's time limit (shorter while connections wait)
  Clock::time_point deadline_;
  bool dead_ = false;
  bool close_after_ = false;
  bool timed_out_ = false;  // answered 408: a client too slow to wait for
  std::atomic<bool> answering_{false};
  std::optional<HttpResponse> refusal_;  // the answer to the current request, decided from its head
};

namespace {

// The connection the calling worker thread serves (httplib's callbacks run on
// it), and whether the accept thread is running a connection only to refuse it.
thread_local ConnStream* tl_conn = nullptr;
thread_local bool tl_refuse_busy = false;

// A fixed number of workers and a bounded queue of connections waiting for
// one. A connection that does not fit is run on the accept thread with
// tl_refuse_busy set, which answers it 503 at once.
class BoundedPool final : public httplib::TaskQueue {
 public:
  BoundedPool(size_t threads, size_t max_queued, std::atomic<size_t>* waiting)
      : max_queued_(max_queued), waiting_(waiting) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      if (jobs_.size() < idle_ + max_queued_) {
        jobs_.push_back(std::move(fn));
        waiting_->store(jobs_.size());
        cv_.notify_one();
        return;
      }
    }
    tl_refuse_busy = true;
    fn();
    tl_refuse_busy = false;
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        ++idle_;
        cv_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        --idle_;
        if (jobs_.empty()) return;  // shut down; queued connections are served first
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        waiting_->store(jobs_.size());
      }
      fn();
    }
  }

  const size_t max_queued_;
  std::atomic<size_t>* const waiting_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  size_t idle_ = 0;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

class Httplib final : public httplib::Server {
 public:
  explicit Httplib(HttpServerImpl* impl) : impl_(impl) {}

  bool ProcessRequest(httplib::Stream& strm, bool close_connection, bool& connection_closed,
                      const std::function<void(httplib::Request&)>& setup_request) {
    return process_request(strm, close_connection, connection_closed, setup_request);
  }

 private:
  // Called by the accept loop through the task queue for every connection.
  bool process_and_close_socket(int sock) override {
    if (tl_refuse_busy) {
      impl_->RejectBusy(sock);
    } else {
      impl_->ServeConnection(sock);
    }
    return true;
  }

  HttpServerImpl* const impl_;
};

HttpServerImpl::HttpServerImpl(HttpServerOptions o, HttpHandler h, HttpHeadCheck c)
    : options(std::move(o)), handler(std::move(h)), check_head(std::move(c)), server(std::make_unique<Httplib>(this)) {}

void HttpServerImpl::Count(int status) {
  std::lock_guard lock(mu);
  ++stats.requests;
  if (status >= 400 && status < 500) ++stats.rejected;
}

void HttpServerImpl::RejectBusy(int fd) {
  {
    std::lock_guard lock(mu);
    ++stats.connections;
    ++stats.busy;
  }
  const std::string resp = RawResponse(503, "Service Unavailable", "busy: too many connections, retry later\n");
  (void)::send(fd, resp.data(), resp.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  // Whatever of the request has arrived is read, so that closing does not
  // reset the connection before the client reads the answer.
  char buf[4096];
  for (int i = 0; i < 16 && ::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0; ++i) {
  }
  ::close(fd);
}

bool HttpServerImpl::WaitNextRequest(ConnStream& conn) {
  if (conn.buffered()) return true;
  const auto end = Clock::now() + std::chrono::milliseconds(options.keep_alive_ms);
  while (Clock::now() < end) {
    // An idle connection gives its worker up to connections waiting for one.
    if (stopping.load() || waiting.load() > 0) return false;
    if (WaitFd(conn.fd(), POLLIN, std::min(end, Clock::now() + kIdleSlice))) return true;
  }
  return false;
}

std::optional<HttpResponse> HttpServerImpl::CheckHead(const httplib::Request& req, ConnStream& conn) {
  const size_t lengths = req.get_header_value_count("Content-Length");
  const bool chunked = req.has_header("Transfer-Encoding");
  if (chunked && lengths > 0) return Refuse(400, "both Transfer-Encoding and Content-Length");
  if (chunked) return Refuse(411, "Transfer-Encoding is not accepted: send the body with a Content-Length");
  if (lengths > 1) return Refuse(400, "more than one Content-Length header");
  uint64_t length = 0;
  if (lengths == 1) {
    const std::string v = req.get_header_value("Content-Length");
    const char* e = v.data() + v.size();
    auto [p, ec] = std::from_chars(v.data(), e, length);
    if (v.empty() || v.size() > 18 || ec != std::errc() || p != e ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Refuse(400, "bad Content-Length \"" + v.substr(0, 40) + "\": give the body's size in decimal digits");
    }
    if (length > options.max_body_bytes) {
      return Refuse(413, "body over " + std::to_string(options.max_body_bytes) + " bytes");
    }
  } else if (ExpectsBody(req.method)) {
    return Refuse(411, "Content-Length required");
  }
  if (req.has_header("Content-Encoding") && !EqualsIgnoreCase(req.get_header_value("Content-Encoding"), "identity")) {
    return Refuse(415, "compressed request bodies (Content-Encoding) are not accepted");
  }
  // httplib reads no body for the other methods: what was sent is not read.
  if (length > 0 && !ExpectsBody(req.method)) conn.set_close_after();
  if (check_head) return check_head(ToHttpRequest(req, /*with_body=*/false));
  return std::nullopt;
}

void HttpServerImpl::ServeConnection(int fd) {
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ConnStream conn(fd, *this);
  {
    std::lock_guard lock(mu);
    if (stopping.load()) {
      ::close(fd);
      return;
    }
    active.emplace(fd, &conn);
    ++stats.connections;
  }
  tl_conn = &conn;
  const auto setup = [&](httplib::Request& req) {
    conn.BeginBody();
    conn.refusal() = CheckHead(req, conn);
  };
  const size_t max_requests = options.keep_alive_ms > 0 ? std::max<size_t>(1, options.keep_alive_max) : 1;
  for (size_t i = 0; i < max_requests; ++i) {
    if (i > 0 && !WaitNextRequest(conn)) break;
    conn.BeginHead();
    bool client_closes = false;
    const bool last = i + 1 == max_requests;
    const bool ok = server->ProcessRequest(conn, last, client_closes, setup);
    if (!ok || client_closes || conn.dead() || conn.close_after()) break;
  }
  tl_conn = nullptr;
  if (conn.close_after() && !conn.timed_out() && !stopping.load()) {
    // Part of the request may be unread: closing now would reset the
    // connection and could lose the answer. Send FIN, read what comes.
    ::shutdown(fd, SHUT_WR);
    const auto end = Clock::now() + kLinger;
    char buf[4096];
    size_t total = 0;
    while (total < kLingerBytes && WaitFd(fd, POLLIN, end)) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      total += static_cast<size_t>(n);
    }
  }
  {
    std::lock_guard lock(mu);
    active.erase(fd);
  }
  ::close(fd);
}

HttpServer::HttpServer(std::unique_ptr<HttpServerImpl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options, HttpHandler handler,
                                                      HttpHeadCheck check_head) {
  const std::string listen = options.listen;
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    const char* b = listen.data() + colon + 1;
    const char* e = listen.data() + listen.size();
    auto [p, ec] = std::from_chars(b, e, port);
    if (ec != std::errc() || p != e || port < 0 || port > 65535) port = -1;
  }
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  in_addr ignored{};
  if (port < 0 || ::inet_pton(AF_INET, host.c_str(), &ignored) != 1) {
    return Err(InvalidArgument("listen address " + listen + ": give IPV4HOST:PORT, e.g. 127.0.0.1:8090"));
  }
  if (options.threads == 0) return Err(InvalidArgument("HTTP server: threads must be at least 1"));
  if (!handler) return Err(InvalidArgument("HTTP server: no handler"));

  auto impl = std::make_unique<HttpServerImpl>(std::move(options), std::move(handler), std::move(check_head));
  HttpServerImpl* const p = impl.get();
  Httplib& svr = *impl->server;
  svr.new_task_queue = [p] { return new BoundedPool(p->options.threads, p->options.max_queued, &p->waiting); };
  svr.set_socket_options([](int sock) {
    const int one = 1;  // not SO_REUSEPORT (httplib's default): a second server on the port must fail
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::fcntl(sock, F_SETFD, FD_CLOEXEC);
  });
  svr.set_payload_max_length(p->options.max_body_bytes);  // a backstop: CheckHead refuses bigger bodies
  svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
    ConnStream* conn = tl_conn;
    if (conn == nullptr || !conn->refusal()) return httplib::Server::HandlerResponse::Unhandled;
    res.status = conn->refusal()->status;
    res.set_content(conn->refusal()->body, conn->refusal()->content_type);
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_expect_100_continue_handler([](const httplib::Request&, httplib::Response& res) {
    ConnStream* conn = tl_conn;
    if (conn == nullptr || !conn->refusal()) return 100;
    res.status = conn->refusal()->status;
    res.set_content(conn->refusal()->body, conn->refusal()->content_type);
    return res.status;
  });
  svr.set_post_routing_handler([p](const httplib::Request&, httplib::Response& res) {
    ConnStream* conn = tl_conn;
    if (conn == nullptr || conn->dead()) return;
    p->Count(res.status);
    res.headers.erase("Keep-Alive");
    if (res.status >= 400 || conn->close_after()) {
      conn->set_close_after();
      if (res.get_header_value("Connection") != "close") {
        res.headers.erase("Connection");
        res.set_header("Connection", "close");
      }
    }
  });
  const auto route = [p](const httplib::Request& req, httplib::Response& res) {
    if (tl_conn != nullptr) tl_conn->set_answering();
    HttpResponse r = p->handler(ToHttpRequest(req, /*with_body=*/true));
    res.status = r.status;
    res.set_content(std::move(r.body), r.content_type);
  };
  // Any path (".*" is matched by std::regex, recursively: safe for the
  // request line's limit of 8 KiB).
  svr.Get(".*", route);
  svr.Post(".*", route);
  svr.Put(".*", route);
  svr.Patch(".*", route);
  svr.Delete(".*", route);
  svr.Options(".*", route);

  errno = 0;
  if (port == 0) {
    port = svr.bind_to_any_port(host);
    if (port < 0) return Err(ErrnoError("bind", listen, errno ? errno : EADDRNOTAVAIL));
  } else if (!svr.bind_to_port(host, port)) {
    return Err(ErrnoError("bind", listen, errno ? errno : EADDRINUSE));
  }
  p->port = port;
  p->accept_thread = std::thread([p] {
    p->server->listen_after_bind();
    p->accept_done.store(true);
  });
  // httplib's stop() does nothing until the accept loop runs.
  while (!svr.is_running() && !p->accept_done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->stopping.store(true);
  impl_->server->stop();
  {
    std::lock_guard lock(impl_->mu);
    // Requests being answered (their handlers told to return by the owner)
    // still get their answer out.
    for (const auto& [fd, conn] : impl_->active) {
      if (!conn->answering()) ::shutdown(fd, SHUT_RDWR);
    }
  }
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
}

int HttpServer::port() const { return impl_->port; }

HttpServer::Stats HttpServer::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace logstream
