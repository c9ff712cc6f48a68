// The ingest fleet: several ingest writers (processes) on one bucket and one
// Kafka cluster, each object still ingested exactly once and each host's
// objects still appended in order by one writer at a time.
//
// - Enqueue (`logstream enqueue`, the Lambda `enqueue` action): object events
//   become records of topic `objects`, keyed by host, in the partition of
//   the host's `logs` partition (the same hash and count), in one
//   transaction per batch.
// - FleetWriter (`logstream ingest --instance NAME`): a member of consumer
//   group `ingest` on `objects`. It ingests the events of the partitions the
//   group assigns it, in order, with transactional id `ingest-NAME`; each
//   transaction carries the objects' records, their manifest entries and the
//   group's offsets of `objects` (Kafka's consume-transform-produce), so a
//   writer that lost a partition cannot commit it (the group generation
//   fences it) and its successor resumes from the committed offset and
//   manifest. A duplicate event finds its object done in the manifest.
// Failure cases and sizing: docs/ingest-scale.md.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/ingest/ingester.h"

namespace logstream {

struct FleetOptions {
  std::string objects_topic = "objects";
  std::string group = "ingest";
  size_t read_batch = 64;       // events read per partition per pass
  bool exit_when_done = false;  // end once the group consumed `objects` to its end ...
  const std::atomic<bool>* enqueue_done = nullptr;  // ... and this is true (when given)
  // Called with the partitions of `objects` owned after each change.
  std::function<void(const std::vector<int>&)> on_rebalance;
};

std::string EncodeObjectEvent(const ObjectEvent& event);
Result<ObjectEvent> DecodeObjectEvent(std::string_view json);

// Creates topic `objects` if missing, with the partitions of `logs`.
Status EnsureObjectsTopic(Log& log, const IngestOptions& ingest, const FleetOptions& fleet);

// Appends the events to `objects` (each host's in key order) in one
// transaction of `transactional_id`.
Status Enqueue(Log& log, std::string_view transactional_id, const IngestOptions& ingest,
               const FleetOptions& fleet, std::vector<ObjectEvent> events);

// Polls `source` and enqueues its events until it is Done() or *stop;
// acknowledges events once their transaction committed.
Status RunEnqueue(EventSource& source, Log& log, std::string_view transactional_id, const IngestOptions& ingest,
                  const FleetOptions& fleet, const std::atomic<bool>& stop, uint64_t* enqueued = nullptr);

class FleetWriter {
 public:
  // ingest.transactional_id is the writer's own (ingest-INSTANCE).
  FleetWriter(ObjectStore& store, Log& log, IngestOptions ingest, FleetOptions fleet);
  ~FleetWriter();

  // Creates the topics and joins the group.
  Status Init();
  // Until *stop (or, with exit_when_done, the group is done); a lost
  // membership or a failed commit starts over from the committed offsets.
  Status Run(const std::atomic<bool>& stop);

  IngestTotals Totals() const;
  std::vector<int> partitions() const;  // of `objects`, owned now

 private:
  struct Part {
    int64_t next = 0;  // the start of the read being added, then past its end
  };
  Status Loop(const std::atomic<bool>& stop);
  Status PollGroup(TimeMs wait);
  Status Assign(const std::vector<TopicPartition>& partitions);
  Status Flush();
  Status Reset();  // a fresh Ingester, every owned partition from its committed offset
  Result<bool> Done();

  ObjectStore& store_;
  Log& log_;
  IngestOptions ingest_;
  FleetOptions fleet_;
  std::unique_ptr<Subscription> subscription_;
  std::unique_ptr<Ingester> ingester_;
  IngestTotals retired_;  // of the Ingesters a Reset replaced
  std::map<int, Part> parts_;
};

}  // namespace logstream
