// IngestPool: several ingest threads on one log. Each thread has its own
// Ingester (transactional id `ingest`, `ingest-1`, ...) and its own share of
// the hosts (ShardedSource: the hosts whose `logs` partition falls to it),
// so each host's objects are still appended by one writer in key order, each
// partition by one thread, and every object exactly once: an object's
// manifest entry is in the one manifest all threads read.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "src/ingest/ingester.h"

namespace logstream {

class IngestPool {
 public:
  // options.threads threads (0: one per core; 1 when the log cannot take
  // several writers at once, see Log::ThreadedWriters).
  IngestPool(ObjectStore& store, Log& log, IngestOptions options);
  ~IngestPool();

  // Creates the topics if missing.
  Status Init();
  size_t threads() const { return ingesters_.size(); }

  // RunIngest on every thread, each on its shard of `source`, until each is
  // done or *stop; the first error stops the others and is returned.
  Status Run(EventSource& source, const std::atomic<bool>& stop, TimeMs give_up_after_ms = 0);

  IngestTotals Totals() const;
  // Events polled and not yet ingested, and the source's backlog.
  uint64_t queued() const;

 private:
  Log& log_;
  IngestOptions options_;
  std::vector<std::unique_ptr<Ingester>> ingesters_;
  std::vector<std::atomic<uint64_t>> queued_;
};

}  // namespace logstream
