// ShardedSource: one EventSource read by several ingest threads, each the
// only one to see the events of its sources (hosts): an event goes to the
// shard of the `logs` partition its host's records go to (PartitionForKey(
// host, partitions) % shards), so a host's objects stay in key order and each
// partition is appended by one thread, in the order one thread alone would. Whichever shard finds its queue empty
// polls the source for all of them. Calls into the source are one at a time
// (EventSource has one consumer), but a shard never waits for another's
// poll: its acknowledgements (and abandons) are queued and applied by
// whichever thread is in the source next, and Done and Failing answer from
// what the source said last. Each shard() is used by one thread; the
// ShardedSource outlives them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "src/trigger/event_source.h"

namespace logstream {

class ShardedSource {
 public:
  // partitions: of `logs`; default_source: the host of keys without one.
  ShardedSource(EventSource& source, size_t shards, int partitions, std::string default_source);
  ~ShardedSource();

  size_t shards() const { return shards_.size(); }
  EventSource& shard(size_t i);
  // The shard of an object key.
  size_t ShardOf(std::string_view key) const;

 private:
  class Shard;
  Result<std::vector<ObjectEvent>> PollFor(size_t i, TimeMs max_wait);
  // Queues the acknowledgement (ack) or abandon of `event`.
  void Queue(const ObjectEvent& event, bool ack);
  // Applies the queue unless another thread is in the source (that thread
  // applies it on leaving). Returns the first failed acknowledgement applied.
  Status TrySettle();
  // With source_mu_ held: applies the queued acknowledgements, then notes
  // the source's Done and Failing. Returns the first failed acknowledgement.
  Status SettleLocked();

  EventSource& source_;
  int partitions_;
  std::string default_source_;
  std::mutex source_mu_;  // calls into source_ (mu_ may be taken inside it, never around it)
  mutable std::mutex mu_;  // everything below
  std::condition_variable polled_;
  std::vector<std::deque<ObjectEvent>> queues_;
  bool polling_ = false;
  std::optional<Status> error_;  // a Poll or an acknowledgement failed: every shard says so
  struct Settlement {
    ObjectEvent event;
    bool ack;  // else abandon
  };
  std::vector<Settlement> unsettled_;
  bool source_done_ = false;     // source_.Done() when last asked
  bool source_failing_ = false;  // source_.Failing() when last asked
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace logstream
