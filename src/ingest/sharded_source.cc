#include "src/ingest/sharded_source.h"

#include <chrono>
#include <functional>

#include "src/ingest/ingester.h"
#include "src/log/record_batch.h"

namespace logstream {
namespace {
// The longest a shard waits inside the source: other shards' acknowledgements
// are applied only when it comes out.
constexpr TimeMs kShortPollMs = 20;
}  // namespace

class ShardedSource::Shard final : public EventSource {
 public:
  Shard(ShardedSource& parent, size_t index) : parent_(parent), index_(index) {}

  Result<std::vector<ObjectEvent>> Poll(TimeMs max_wait) override { return parent_.PollFor(index_, max_wait); }
  Status Ack(const ObjectEvent& event) override {
    parent_.Queue(event, true);
    return parent_.TrySettle();
  }
  void Abandon(const ObjectEvent& event) override {
    parent_.Queue(event, false);
    (void)parent_.TrySettle();
  }
  // Nothing queued or unsettled, no shard polling (which could queue some),
  // and the source had nothing more when last asked.
  bool Done() const override {
    (void)parent_.TrySettle();  // unless another thread is in the source
    std::lock_guard lock(parent_.mu_);
    return parent_.queues_[index_].empty() && !parent_.polling_ && parent_.unsettled_.empty() &&
           parent_.source_done_;
  }
  bool Failing() const override {
    std::lock_guard lock(parent_.mu_);
    return parent_.source_failing_;
  }
  uint64_t Backlog() const override {
    std::lock_guard lock(parent_.mu_);
    return parent_.queues_[index_].size();
  }

 private:
  ShardedSource& parent_;
  size_t index_;
};

ShardedSource::ShardedSource(EventSource& source, size_t shards, int partitions, std::string default_source)
    : source_(source),
      partitions_(std::max(partitions, 1)),
      default_source_(std::move(default_source)),
      queues_(std::max<size_t>(shards, 1)) {
  for (size_t i = 0; i < queues_.size(); ++i) shards_.push_back(std::make_unique<Shard>(*this, i));
}

ShardedSource::~ShardedSource() = default;

EventSource& ShardedSource::shard(size_t i) { return *shards_[i]; }

size_t ShardedSource::ShardOf(std::string_view key) const {
  return static_cast<size_t>(PartitionForKey(SourceFromKey(key, default_source_), partitions_)) % queues_.size();
}

Result<std::vector<ObjectEvent>> ShardedSource::PollFor(size_t i, TimeMs max_wait) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait);
  std::unique_lock lock(mu_);
  while (true) {
    if (!queues_[i].empty()) {
      std::vector<ObjectEvent> out(std::make_move_iterator(queues_[i].begin()),
                                   std::make_move_iterator(queues_[i].end()));
      queues_[i].clear();
      return out;
    }
    if (error_) {
      Status e = *error_;
      return Err(e);
    }
    if (!polling_) {
      // This shard polls for all of them.
      polling_ = true;
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      const TimeMs left = std::max<TimeMs>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - started).count());
      // In short polls, so that other shards' acknowledgements do not wait
      // for a long one.
      const TimeMs wait = std::min<TimeMs>(left, kShortPollMs);
      Result<std::vector<ObjectEvent>> events = [&] {
        std::lock_guard source_lock(source_mu_);
        auto polled = source_.Poll(wait);
        (void)SettleLocked();  // also notes Done and Failing after this poll
        return polled;
      }();
      lock.lock();
      polling_ = false;
      if (!events) {
        error_ = events.error();
      } else {
        for (ObjectEvent& e : *events) queues_[ShardOf(e.key)].push_back(std::move(e));
      }
      polled_.notify_all();
      if (!events) return Err(events.error());
      if (queues_[i].empty()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::vector<ObjectEvent>{};
        // A source may say at once that it has nothing (a listing that is
        // done, say): wait out the poll's time, or another shard's poll,
        // rather than ask again at once (that spun a core while the other
        // shards ingested).
        if (events->empty()) polled_.wait_until(lock, std::min(deadline, started + std::chrono::milliseconds(wait)));
      }
      continue;
    }
    if (polled_.wait_until(lock, deadline) == std::cv_status::timeout && queues_[i].empty()) {
      return std::vector<ObjectEvent>{};
    }
  }
}

void ShardedSource::Queue(const ObjectEvent& event, bool ack) {
  std::lock_guard lock(mu_);
  unsettled_.push_back({event, ack});
}

Status ShardedSource::TrySettle() {
  std::unique_lock source_lock(source_mu_, std::try_to_lock);
  if (!source_lock.owns_lock()) return Status::Ok();
  return SettleLocked();
}

Status ShardedSource::SettleLocked() {
  Status first;
  while (true) {
    std::vector<Settlement> todo;
    {
      std::lock_guard lock(mu_);
      if (unsettled_.empty()) {
        source_done_ = source_.Done();
        source_failing_ = source_.Failing();
        if (!first.ok() && !error_) error_ = first;
        return first;
      }
      todo.swap(unsettled_);
    }
    for (const Settlement& s : todo) {
      if (!s.ack) {
        source_.Abandon(s.event);
      } else if (Status st = source_.Ack(s.event); !st.ok() && first.ok()) {
        first = st;
      }
    }
  }
}

}  // namespace logstream
