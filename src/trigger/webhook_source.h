// WebhookSource: object-created events POSTed as S3 event notification JSON
// (as versitygw, MinIO and Ceph send them) to an HTTP listener, on any path.
//
// Each request is answered only when it is settled: 200 once every
// ObjectCreated event in it has been acknowledged (its object is committed),
// so a sender that retries on failure loses nothing; 503 if ingest abandons
// one of its events or the source is destroyed first (the sender retries);
// 200 at once for a body with nothing to ingest (test events, other buckets).
// Refused at once: 405 for methods other than POST and 401 for a missing or
// wrong bearer token (when one is configured), both as soon as the request
// head has arrived and before its body is read; 411 without a
// Content-Length, 400 for a malformed one, 413 for a body over
// max_body_bytes (also before reading it); 400 for a malformed body, naming
// the problem (including trailing data after the JSON document).
//
// Requests are served concurrently by a bounded pool of threads (see
// src/serve/http_server.h: a slow client holds one thread for at most
// head_timeout_ms while its head trickles in; connections beyond the threads
// and queue are answered 503). Events of one request keep their order and are
// handed out together; events of concurrent requests come in the order their
// bodies were complete. Keys outside the store's prefix are skipped, the
// others made relative to it.
//
// Poll, Ack and Abandon: one consumer thread (not thread-safe among
// themselves). stats() may be called from any thread. Destroying the source
// answers the requests still waiting 503 and closes the listener.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/serve/http_server.h"
#include "src/trigger/event_source.h"
#include "src/trigger/s3_event.h"

namespace logstream {

struct WebhookOptions {
  std::string listen = "127.0.0.1:8090";  // HOST:PORT (port 0: any free port)
  std::string bearer_token;               // required "Authorization: Bearer ..." ("" = none)
  size_t max_body_bytes = 4 << 20;
  std::string bucket;               // only events of this bucket ("" = any)
  std::string prefix;               // the store's key prefix
  TimeMs read_timeout_ms = 10'000;  // for one request's body (and at most this for its headers)
  TimeMs head_timeout_ms = 5'000;   // for one request's request line and headers, all of them
  size_t threads = 8;               // requests served (and waiting for their commit) at once
  size_t max_queued = 32;           // connections waiting for a thread; more are answered 503
};

class WebhookSource : public EventSource {
 public:
  struct Stats {
    uint64_t requests = 0;
    uint64_t rejected = 0;  // 4xx answers
    uint64_t skipped = 0;   // events not for this store / not ObjectCreated
    uint64_t events = 0;
  };

  // Binds and listens. InvalidArgument for a bad address, IoError if the
  // port cannot be bound.
  static Result<std::unique_ptr<WebhookSource>> Open(WebhookOptions options);
  ~WebhookSource() override;
  WebhookSource(const WebhookSource&) = delete;
  WebhookSource& operator=(const WebhookSource&) = delete;

  Result<std::vector<ObjectEvent>> Poll(TimeMs max_wait) override;
  Status Ack(const ObjectEvent& event) override;
  // The event's request is answered 503 (the sender sends it again).
  void Abandon(const ObjectEvent& event) override;
  bool Done() const override { return false; }

  int port() const { return server_->port(); }
  Stats stats() const;

 private:
  // One request whose events are being ingested.
  struct Pending {
    size_t unacked = 0;
    enum class State { kWaiting, kCommitted, kAbandoned } state = State::kWaiting;
  };
  using Entry = std::pair<ObjectEvent, std::shared_ptr<Pending>>;

  explicit WebhookSource(WebhookOptions options) : options_(std::move(options)) {}
  // Refuses a request from its head (method, token).
  std::optional<HttpResponse> CheckHead(const HttpRequest& head) const;
  // Answers a request, after its events are settled (on a server thread).
  HttpResponse Handle(const HttpRequest& request);
  // Finds the first delivered entry of event; delivered_.end() if none.
  std::deque<Entry>::iterator FindDelivered(const ObjectEvent& event);

  const WebhookOptions options_;
  mutable std::mutex mu_;
  std::condition_variable ready_cv_;    // Poll waits for events
  std::condition_variable settled_cv_;  // requests wait for their commit
  std::deque<Entry> ready_;             // events not polled yet
  std::deque<Entry> delivered_;         // polled, not acknowledged yet
  bool closing_ = false;
  uint64_t skipped_ = 0;
  uint64_t events_ = 0;
  std::unique_ptr<HttpServer> server_;  // stopped before the members above go
};

}  // namespace logstream
