// Object-created events and the sources that yield them. Events carry the
// fields of an AWS S3 event notification record, so every source (inotify on
// a directory bucket, S3 webhooks, SQS, Lambda, list polling) plugs into
// ingest unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/metrics/metrics.h"

namespace logstream {

struct ObjectEvent {
  std::string event_name = "ObjectCreated:Put";  // e.g. ObjectCreated:Put
  std::string bucket;
  std::string key;  // URL-decoded
  uint64_t size = 0;
  std::string etag;  // without quotes
  TimeMs event_time = 0;

  bool operator==(const ObjectEvent&) const = default;
};

// Requests of event sources to their servers that failed (and are tried
// again), by source kind: logstream_events_request_errors_total{source}.
metrics::Family<metrics::Counter>& EventSourceErrors();

// A stream of object-created events. Not thread-safe: one consumer.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // Returns the next events, waiting up to max_wait ms when none is ready
  // (an empty vector then). Events of one source (host) come in key order.
  virtual Result<std::vector<ObjectEvent>> Poll(TimeMs max_wait) = 0;
  // Called once the event's object is committed to the log; a source that
  // needs acknowledgement (SQS, Lambda) acknowledges only then.
  virtual Status Ack(const ObjectEvent& event) = 0;
  // Called instead of Ack when the event's object could not be ingested and
  // ingest gives up on it; a source that holds the event until Ack (SQS)
  // stops holding it, so it is delivered again later. Default: nothing.
  virtual void Abandon(const ObjectEvent& event) { (void)event; }
  // True once a finite source has yielded everything (e.g. a one-time scan).
  virtual bool Done() const = 0;
  // True while the source's last request to its server failed (Poll then
  // returns no events and tries again later): ingest is not making progress,
  // which /healthz reports once it lasts. Default: never.
  virtual bool Failing() const { return false; }
  // Events known to the source and not yet returned by Poll (e.g. the rest
  // of a listing), for progress lines. Default: 0.
  virtual uint64_t Backlog() const { return 0; }
};

}  // namespace logstream
