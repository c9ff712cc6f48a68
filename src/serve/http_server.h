// HttpServer: a small HTTP/1.1 server (cpp-httplib underneath) for the
// webhook, metrics and dashboard endpoints, hardened against slow and
// oversized requests.
//
// Connections are served by `threads` worker threads; up to `max_queued`
// accepted connections wait for a worker, and a connection beyond that is
// answered 503 at once and closed, so threads and memory stay bounded (about
// threads * (max_head_bytes + max_body_bytes)). A request head (request line
// and headers) must arrive in full within head_timeout_ms of the server
// starting to read it and be at most max_head_bytes (else 408 / 431 and the
// connection is closed), so a client trickling its headers holds a worker for
// head_timeout_ms at most, and for busy_head_timeout_ms while connections
// wait for a worker (so that clients trickling their heads on every worker
// delay the others by about that much); the body must then arrive within
// body_timeout_ms.
//
// Before a body is read its head is checked: Content-Length must be one
// value of digits only (else 400) and at most max_body_bytes (else 413); a
// request with a body (POST, PUT, PATCH, DELETE) needs a Content-Length
// (411); chunked (411) and compressed (415) request bodies are refused; then
// `check_head` may refuse the request (e.g. a missing token) without reading
// its body. Every request of any path and method reaches `handler`, which
// answers it; an answer of 400 or more closes the connection. Connections are
// kept alive between requests for keep_alive_ms while no other connection
// waits for a worker.
//
// Thread-safety: handler and check_head run on the worker threads, several at
// once. Stop (or the destructor) waits for running handlers to return: an
// owner whose handler blocks must release it first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // URL-decoded, without the query
  std::vector<std::pair<std::string, std::string>> headers;  // sorted by name (any case)
  std::vector<std::pair<std::string, std::string>> params;   // of the query, URL-decoded
  std::string body;                                          // empty for check_head
  std::string remote_addr;

  // The first value of header `name` (any case); "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The first value of query parameter `name`; "" when absent.
  std::string Param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain";
};

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // IPV4HOST:PORT ("" host: all; port 0: any free port)
  size_t threads = 8;                     // worker threads
  size_t max_queued = 32;                 // connections waiting for a worker; more are answered 503
  size_t max_head_bytes = 16 << 10;       // request line and headers
  size_t max_body_bytes = 1 << 20;
  TimeMs head_timeout_ms = 5'000;       // for a whole request head
  TimeMs busy_head_timeout_ms = 1'000;  // the same while connections wait for a worker
  TimeMs body_timeout_ms = 10'000;      // for a whole body, from the end of its head
  TimeMs write_timeout_ms = 10'000;     // for each write of an answer
  TimeMs keep_alive_ms = 2'000;         // idle wait for a connection's next request (0: one request per connection)
  size_t keep_alive_max = 100;          // requests per connection
};

using HttpHandler = std::function<HttpResponse(const HttpRequest& request)>;
// Returns an answer to refuse the request before its body is read, nullopt to
// go on. Sees the request without its body.
using HttpHeadCheck = std::function<std::optional<HttpResponse>(const HttpRequest& head)>;

struct HttpServerImpl;  // in http_server.cc

class HttpServer {
 public:
  struct Stats {
    uint64_t connections = 0;  // accepted
    uint64_t requests = 0;     // answered, or timed out / too large before their head was complete
    uint64_t rejected = 0;     // 4xx answers (including 408 and 431)
    uint64_t busy = 0;         // connections answered 503 because every worker and queue slot was taken
  };

  // Binds, listens and starts serving. InvalidArgument for a bad address or
  // options, IoError if the port cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, HttpHandler handler,
                                                   HttpHeadCheck check_head = nullptr);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Stops accepting, cuts the connections being read or kept alive, waits
  // for the handlers running and their answers and closes everything.
  // Idempotent.
  void Stop();

  int port() const;
  Stats stats() const;  // thread-safe

 private:
  explicit HttpServer(std::unique_ptr<HttpServerImpl> impl);
  std::unique_ptr<HttpServerImpl> impl_;
};

}  // namespace logstream
