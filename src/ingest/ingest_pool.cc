#include "src/ingest/ingest_pool.h"

#include <chrono>
#include <optional>
#include <thread>

#include "src/ingest/sharded_source.h"

namespace logstream {
namespace {

size_t ThreadCount(const Log& log, size_t wanted) {
  if (!log.ThreadedWriters()) return 1;
  if (wanted == 0) wanted = std::max(1u, std::thread::hardware_concurrency());
  return wanted;
}

}  // namespace

IngestPool::IngestPool(ObjectStore& store, Log& log, IngestOptions options)
    : log_(log), options_(std::move(options)), queued_(ThreadCount(log, options_.threads)) {
  const size_t n = queued_.size();
  for (size_t i = 0; i < n; ++i) {
    IngestOptions o = options_;
    if (i > 0) o.transactional_id += "-" + std::to_string(i);
    // The read-ahead bound holds for all threads together.
    o.prefetch_bytes = std::max<size_t>(1, options_.prefetch_bytes / n);
    ingesters_.push_back(std::make_unique<Ingester>(store, log, std::move(o)));
  }
}

IngestPool::~IngestPool() = default;

Status IngestPool::Init() {
  for (auto& i : ingesters_) RETURN_IF_ERROR(i->Init());
  return Status::Ok();
}

Status IngestPool::Run(EventSource& source, const std::atomic<bool>& stop, TimeMs give_up_after_ms) {
  if (ingesters_.size() == 1) return RunIngest(source, *ingesters_[0], stop, give_up_after_ms, &queued_[0]);
  // Shard by the partition the topic really has (it may predate `partitions`).
  int partitions = options_.partitions;
  if (auto topic = log_.DescribeTopic(options_.logs_topic); topic && topic->partitions > 0) {
    partitions = topic->partitions;
  }
  ShardedSource shards(source, ingesters_.size(), partitions, options_.default_source);
  std::atomic<bool> halt{false};
  std::vector<std::optional<Status>> results(ingesters_.size());
  std::atomic<size_t> running{ingesters_.size()};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ingesters_.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = RunIngest(shards.shard(i), *ingesters_[i], halt, give_up_after_ms, &queued_[i]);
      if (!results[i]->ok()) halt.store(true);
      running.fetch_sub(1);
    });
  }
  // *stop reaches the threads through `halt`, which a failed thread sets too.
  while (running.load() > 0) {
    if (stop.load()) halt.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (std::thread& t : threads) t.join();
  for (const std::optional<Status>& r : results) {
    if (!r->ok()) return *r;
  }
  return Status::Ok();
}

IngestTotals IngestPool::Totals() const {
  IngestTotals t;
  for (const auto& i : ingesters_) t += i->counters();
  return t;
}

uint64_t IngestPool::queued() const {
  uint64_t n = 0;
  for (const auto& q : queued_) n += q.load(std::memory_order_relaxed);
  return n;
}

}  // namespace logstream
