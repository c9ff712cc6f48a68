// SqsSource: object-created events from an SQS queue that receives S3 event
// notifications (directly, or wrapped in an SNS envelope).
//
// A message is deleted only after every ObjectCreated event in it has been
// acknowledged (Ack, i.e. its object is committed), so a crash re-delivers it
// and ingest's manifest absorbs the duplicate. Messages are received with
// `visibility_s`; while a message's objects are still being ingested, a
// background thread extends its visibility (ChangeMessageVisibility by
// another visibility_s once less than half of it is left), so a long object
// is not redelivered mid-ingest. Extending stops once the message is deleted
// or Abandon()ed (its ingest failed: it reappears after the timeout). A
// message received more than
// `max_receives` times, or that is not an S3 event notification, is set
// aside: reported through on_set_aside and deleted. Events of another bucket
// or outside the store's prefix are skipped; keys are made relative to the
// prefix. Events of one message keep their order.
//
// Not thread-safe: one consumer (the visibility keeper is internal).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "src/aws/sqs_client.h"
#include "src/trigger/event_source.h"
#include "src/trigger/s3_event.h"

namespace logstream {

struct SqsSourceOptions {
  std::string queue_url;      // http(s)://HOST[:PORT]/ACCOUNT/QUEUE
  std::string bucket;         // only events of this bucket ("" = any)
  std::string prefix;         // the store's key prefix ("" = whole bucket)
  int visibility_s = 300;     // hide received messages this long (extended while in flight)
  // How often the keeper looks for messages to extend; 0: a quarter of
  // visibility_s, between 100 ms and 1 s.
  TimeMs check_interval_ms = 0;
  int max_receives = 5;       // set aside a message received more often
  int wait_s = 1;             // long-poll wait per Poll (max 20)
  bool exit_when_empty = false;  // Done() after an empty receive with nothing in flight
  aws::SqsOptions sqs;
  // Called for each message set aside (body, reason). Default: none.
  std::function<void(std::string_view body, std::string_view reason)> on_set_aside;
  // Called (from the keeper thread) when a visibility extension fails. Default: none.
  std::function<void(std::string_view message)> on_warning;
  // Clock (ms); injectable for tests.
  std::function<TimeMs()> now = NowMs;
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
    uint64_t abandoned = 0;    // messages whose ingest failed (left to reappear)
    uint64_t extended = 0;     // visibility extensions
    uint64_t extend_failures = 0;
  };

  // Opens options.queue_url with the AWS credentials chain.
  static Result<std::unique_ptr<SqsSource>> Open(SqsSourceOptions options);
  // Consumes `queue` (a fake in unit tests).
  static Result<std::unique_ptr<SqsSource>> Open(SqsSourceOptions options,
                                                 std::unique_ptr<aws::SqsQueue> queue);
  ~SqsSource() override;

  Result<std::vector<ObjectEvent>> Poll(TimeMs max_wait) override;
  Status Ack(const ObjectEvent& event) override;
  void Abandon(const ObjectEvent& event) override;
  bool Done() const override;

  Stats stats() const;

 bool Failing() const override { return failing_; }
  uint64_t Backlog() const override { return pending_.size(); }

 private:
  struct InFlight {
    size_t unacked = 0;
    TimeMs visible_until = 0;
    bool extending = true;  // false after a non-transient extension failure
  };
  SqsSource(SqsSourceOptions options, std::unique_ptr<aws::SqsQueue> queue);
  Status Handle(const aws::SqsMessage& m, TimeMs received_at);
  Status SetAside(const aws::SqsMessage& m, std::string_view reason);
  // The receipt handle that owns event (and forgets that ownership), or "".
  std::string TakeOwner(const ObjectEvent& event);
  // Keeper thread: extends the visibility of in-flight messages until stopped.
  void KeepVisible();

  const SqsSourceOptions options_;
  std::unique_ptr<aws::SqsQueue> queue_;
  S3EventParser parser_;
  std::deque<ObjectEvent> pending_;
  std::map<std::string, std::deque<std::string>> owners_;     // key '\n' etag -> receipts
  bool failing_ = false;  // the last Receive failed with Unavailable
  bool saw_empty_ = false;
  Stats stats_;  // the consumer's counters

  mutable std::mutex mu_;  // guards in_flight_, stopping_
  std::condition_variable wake_;
  std::map<std::string, InFlight> in_flight_;  // receipt handle -> state
  bool stopping_ = false;
  std::atomic<uint64_t> extended_{0}, extend_failures_{0};
  std::thread keeper_;  // last: started once everything above exists
};

}  // namespace logstream
