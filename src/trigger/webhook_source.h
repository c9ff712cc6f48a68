// WebhookSource: object-created events POSTed as S3 event notification JSON
// (as versitygw, MinIO and Ceph send them) to an HTTP listener.
//
// Each request is answered only when it is settled: 200 once every
// ObjectCreated event in it has been acknowledged (its object is committed),
// so a sender that retries on failure loses nothing; 200 at once for a body
// with nothing to ingest (test events, other buckets); 400 for a malformed
// body, 401 for a missing or wrong bearer token (when one is configured), 413
// for a body over max_body_bytes, 405 for other methods. One request is
// handled at a time (others wait in the listen backlog); a request's events
// keep their order. Keys outside the store's prefix are skipped, the others
// made relative to it.
//
// Not thread-safe: one consumer. Closes the listener when destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "src/trigger/event_source.h"
#include "src/trigger/s3_event.h"

namespace logstream {

struct WebhookOptions {
  std::string listen = "127.0.0.1:8090";  // HOST:PORT (port 0: any free port)
  std::string bearer_token;               // required "Authorization: Bearer ..." ("" = none)
  size_t max_body_bytes = 4 << 20;
  std::string bucket;  // only events of this bucket ("" = any)
  std::string prefix;  // the store's key prefix
  TimeMs read_timeout_ms = 10'000;  // for one request's headers and body
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
  bool Done() const override { return false; }

  int port() const { return port_; }
  const Stats& stats() const { return stats_; }

 private:
  explicit WebhookSource(WebhookOptions options) : options_(std::move(options)) {}
  // Reads one request from fd and answers or parks it.
  Result<std::vector<ObjectEvent>> Serve(int fd);
  void Answer(int fd, int status, std::string_view reason, std::string_view body);

  const WebhookOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  S3EventParser parser_;
  int waiting_fd_ = -1;  // the request whose events are not all acknowledged yet
  size_t unacked_ = 0;
  Stats stats_;
};

}  // namespace logstream
