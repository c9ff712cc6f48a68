#include "src/metrics/feed.h"

namespace logstream::metrics {

void Feed::Push(std::string_view json) {
  if (json.size() > max_item_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  ++pushed_;
  if (items_.size() >= capacity_) items_.pop_front();
  items_.emplace_back(json);
}

std::vector<std::string> Feed::Newest(size_t limit,
                                      const std::function<bool(std::string_view)>& keep) const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = items_.rbegin(); it != items_.rend() && out.size() < limit; ++it) {
    if (!keep || keep(*it)) out.push_back(*it);
  }
  return out;
}

uint64_t Feed::pushed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pushed_;
}

Feed& AlertsFeed() {
  static Feed* feed = new Feed(1000, 64 << 10);
  return *feed;
}

Feed& WindowsFeed() {
  static Feed* feed = new Feed(50'000, 1 << 10);
  return *feed;
}

Feed& DeadLettersFeed() {
  static Feed* feed = new Feed(1000, 8 << 10);
  return *feed;
}

}  // namespace logstream::metrics
