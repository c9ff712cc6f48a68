// Feed: the most recent items of one kind (alerts, aggregate rows, dead
// letters) as JSON texts, for the dashboard's API. A bounded ring: the
// oldest item is dropped when a new one arrives at capacity, and an item
// longer than max_item_bytes is not kept, so a feed's memory is bounded by
// capacity * max_item_bytes. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace logstream::metrics {

class Feed {
 public:
  Feed(size_t capacity, size_t max_item_bytes) : capacity_(capacity), max_item_bytes_(max_item_bytes) {}
  void Push(std::string_view json);
  // The newest items that pass `keep` (all when it is null), at most
  // `limit`, newest first.
  std::vector<std::string> Newest(size_t limit,
                                  const std::function<bool(std::string_view)>& keep = nullptr) const;
  uint64_t pushed() const;  // items pushed since start

 private:
  const size_t capacity_, max_item_bytes_;
  mutable std::mutex mu_;
  std::deque<std::string> items_;
  uint64_t pushed_ = 0;
};

// The process-wide feeds the API serves.
Feed& AlertsFeed();       // alert JSON (the alerts topic's), 1,000 at most
Feed& WindowsFeed();      // aggregate rows, 50,000 at most
Feed& DeadLettersFeed();  // dead-letter entries, 1,000 at most

}  // namespace logstream::metrics
