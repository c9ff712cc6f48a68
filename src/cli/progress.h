// ProgressLine: "LABEL: DONE of TOTAL UNIT (P%), RATE UNIT/s, ETA T" on
// stderr, redrawn twice a second by a thread of its own while a finite
// command works (`ingest` and `process` with --exit-when-done), when stderr
// is a terminal; nothing otherwise. `sample` returns (done, total) and is
// called on that thread, so it must read only thread-safe state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace logstream::cli {

class ProgressLine {
 public:
  using Sample = std::function<std::pair<uint64_t, uint64_t>()>;
  ProgressLine(bool enabled, std::string label, std::string unit, Sample sample);
  ~ProgressLine();  // stops and clears the line

 private:
  void Loop();
  std::string label_, unit_;
  Sample sample_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// "1.23 M", "45.6 k", "789".
std::string Human(double n);

}  // namespace logstream::cli
