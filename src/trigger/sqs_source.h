// SqsSource: object-created events from an SQS queue that receives S3 event
// notifications (directly, or wrapped in an SNS envelope).
//
// A message is deleted only after every ObjectCreated event in it has been
// acknowledged (Ack, i.e. its object is committed), so a crash re-delivers it
// and ingest's manifest absorbs the duplicate. Messages are received with
// `visibility_s`; in-flight messages older than half of that get their
// visibility extended at each Poll and Ack. A message received more than
// `max_receives` times, or that is not an S3 event notification, is set
// aside: reported through on_set_aside and deleted. Events of another bucket
// or outside the store's prefix are skipped; keys are made relative to the
// prefix. Events of one message keep their order.
//
// Not thread-safe: one consumer.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "src/aws/sqs_client.h"
#include "src/trigger/event_source.h"
#include "src/trigger/s3_event.h"

namespace logstream {

struct SqsSourceOptions {
  std::string queue_url;      // http(s)://HOST[:PORT]/ACCOUNT/QUEUE
  std::string bucket;         // only events of this bucket ("" = any)
  std::string prefix;         // the store's key prefix ("" = whole bucket)
  int visibility_s = 300;     // hide received messages this long (extended while in flight)
  int max_receives = 5;       // set aside a message received more often
  int wait_s = 1;             // long-poll wait per Poll (max 20)
  bool exit_when_empty = false;  // Done() after an empty receive with nothing in flight
  aws::SqsOptions sqs;
  // Called for each message set aside (body, reason). Default: none.
  std::function<void(std::string_view body, std::string_view reason)> on_set_aside;
};

class SqsSource : public EventSource {
 public:
  struct Stats {
    uint64_t messages = 0;     // received
    uint64_t deleted = 0;      // after their events were acknowledged (or had none)
    uint64_t set_aside = 0;    // malformed or received too often
    uint64_t skipped = 0;      // events of another bucket / outside the prefix / not ObjectCreated
    uint64_t events = 0;       // handed out
    uint64_t unavailable = 0;  // receives that failed transiently
  };

  static Result<std::unique_ptr<SqsSource>> Open(SqsSourceOptions options);

  Result<std::vector<ObjectEvent>> Poll(TimeMs max_wait) override;
  Status Ack(const ObjectEvent& event) override;
  bool Done() const override;

  const Stats& stats() const { return stats_; }

 private:
  struct InFlight {
    size_t unacked = 0;
    TimeMs visible_until = 0;
  };
  SqsSource(SqsSourceOptions options, std::unique_ptr<aws::SqsClient> client)
      : options_(std::move(options)), client_(std::move(client)) {}
  Status Handle(const aws::SqsMessage& m);
  Status SetAside(const aws::SqsMessage& m, std::string_view reason);
  void ExtendVisibility();

  const SqsSourceOptions options_;
  std::unique_ptr<aws::SqsClient> client_;
  S3EventParser parser_;
  std::deque<ObjectEvent> pending_;
  std::map<std::string, InFlight> in_flight_;                 // receipt handle -> state
  std::map<std::string, std::deque<std::string>> owners_;     // key '\n' etag -> receipts
  bool saw_empty_ = false;
  Stats stats_;
};

}  // namespace logstream
