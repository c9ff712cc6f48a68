#include "src/metrics/health.h"

namespace logstream::metrics {

Heartbeat& Heartbeat::operator=(Heartbeat&& o) noexcept {
  if (this != &o) {
    if (health_) health_->Remove(id_);
    health_ = o.health_;
    id_ = o.id_;
    last_ = std::move(o.last_);
    o.health_ = nullptr;
  }
  return *this;
}

Heartbeat::~Heartbeat() {
  if (health_) health_->Remove(id_);
}

Heartbeat Health::Register(std::string name, TimeMs deadline_ms) {
  auto last = std::make_shared<std::atomic<TimeMs>>(NowMs());
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  loops_[id] = Loop{std::move(name), deadline_ms, last};
  return Heartbeat(this, id, std::move(last));
}

void Health::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  loops_.erase(id);
}

std::vector<std::string> Health::Stuck(TimeMs now) const {
  std::vector<std::string> stuck;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, loop] : loops_) {
    const TimeMs idle = now - loop.last->load(std::memory_order_relaxed);
    if (idle > loop.deadline_ms) stuck.push_back(loop.name + " (no progress for " + FormatDuration(idle) + ")");
  }
  return stuck;
}

void Health::Expect(const std::string& dependency) {
  std::lock_guard<std::mutex> lock(mu_);
  ready_.try_emplace(dependency, false);
}

void Health::MarkReady(const std::string& dependency) {
  std::lock_guard<std::mutex> lock(mu_);
  ready_[dependency] = true;
}

std::vector<std::string> Health::NotReady() const {
  std::vector<std::string> waiting;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, ready] : ready_) {
    if (!ready) waiting.push_back(name);
  }
  return waiting;
}

Health& DefaultHealth() {
  static Health* health = new Health();
  return *health;
}

}  // namespace logstream::metrics
