// Health: what /healthz and /readyz answer.
//
// Liveness: each loop of the process (ingest, process, notify, ...) holds a
// Heartbeat and beats whenever it makes progress (an event poll or a commit
// that succeeded, a read of its input). A loop that has not beaten within its
// deadline is stuck; /healthz names it. A Heartbeat that is destroyed (its
// loop ended) no longer counts.
//
// Readiness: each dependency the process needs (the broker, the store) is
// expected once and marked ready when it first answered; /readyz is 200 once
// every expected one is.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "src/base/time.h"

namespace logstream::metrics {

class Health;

class Heartbeat {
 public:
  Heartbeat() = default;
  Heartbeat(Heartbeat&& o) noexcept { *this = std::move(o); }
  Heartbeat& operator=(Heartbeat&& o) noexcept;
  ~Heartbeat();
  void Beat() {
    if (last_) last_->store(NowMs(), std::memory_order_relaxed);
  }

 private:
  friend class Health;
  Heartbeat(Health* health, uint64_t id, std::shared_ptr<std::atomic<TimeMs>> last)
      : health_(health), id_(id), last_(std::move(last)) {}
  Health* health_ = nullptr;
  uint64_t id_ = 0;
  std::shared_ptr<std::atomic<TimeMs>> last_;
};

class Health {
 public:
  // A loop named `name` that must beat at least every deadline_ms; it counts
  // as having beaten now.
  [[nodiscard]] Heartbeat Register(std::string name, TimeMs deadline_ms);
  // The same with the default deadline (SetDefaultDeadline; 30 s).
  [[nodiscard]] Heartbeat Register(std::string name) { return Register(std::move(name), default_deadline_ms_.load()); }
  void SetDefaultDeadline(TimeMs ms) { default_deadline_ms_.store(ms); }
  // The loops whose last beat is older than their deadline, each as
  // "NAME (no progress for DURATION)".
  std::vector<std::string> Stuck(TimeMs now) const;

  void Expect(const std::string& dependency);   // not ready until MarkReady
  void MarkReady(const std::string& dependency);
  std::vector<std::string> NotReady() const;

 private:
  friend class Heartbeat;
  void Remove(uint64_t id);
  struct Loop {
    std::string name;
    TimeMs deadline_ms = 0;
    std::shared_ptr<std::atomic<TimeMs>> last;
  };
  mutable std::mutex mu_;
  std::map<uint64_t, Loop> loops_;
  std::map<std::string, bool> ready_;
  uint64_t next_id_ = 1;
  std::atomic<TimeMs> default_deadline_ms_{30'000};
};

// The process-wide health that /healthz and /readyz read.
Health& DefaultHealth();

}  // namespace logstream::metrics
