// ShardedSource: one EventSource read by several ingest threads, each the
// only one to see the events of its sources (hosts): an event goes to the
// shard of the `logs` partition its host's records go to (PartitionForKey(
// host, partitions) % shards), so a host's objects stay in key order and each
// partition is appended by one thread, in the order one thread alone would. Whichever shard finds its queue empty
// polls the source for all of them; acknowledgements reach the source one
// at a time (EventSource has one consumer). Each shard() is used by one
// thread; the ShardedSource outlives them.
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

  EventSource& source_;
  int partitions_;
  std::string default_source_;
  mutable std::mutex source_mu_;  // calls into source_ (taken after mu_, never before)
  mutable std::mutex mu_;  // queues_, polling_, error_
  std::condition_variable polled_;
  std::vector<std::deque<ObjectEvent>> queues_;
  bool polling_ = false;
  std::optional<Status> error_;  // the source's Poll failed: every shard says so
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace logstream
