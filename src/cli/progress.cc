#include "src/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "src/base/time.h"

namespace logstream::cli {

std::string Human(double n) {
  char buf[32];
  if (n >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
  } else if (n >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.1f k", n / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", n);
  }
  return buf;
}

ProgressLine::ProgressLine(bool enabled, std::string label, std::string unit, Sample sample)
    : label_(std::move(label)), unit_(std::move(unit)), sample_(std::move(sample)) {
  if (enabled && isatty(STDERR_FILENO) == 1) thread_ = std::thread([this] { Loop(); });
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void ProgressLine::Loop() {
  const auto start = std::chrono::steady_clock::now();
  const uint64_t first = sample_().first;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; })) {
    const auto [done, total] = sample_();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = seconds > 0 ? static_cast<double>(done - first) / seconds : 0;
    std::string line = label_ + ": " + Human(static_cast<double>(done)) + " of " +
                       Human(static_cast<double>(std::max(done, total))) + " " + unit_;
    if (total > 0) line += " (" + std::to_string(std::min<uint64_t>(100, done * 100 / total)) + "%)";
    line += ", " + Human(rate) + " " + unit_ + "/s";
    if (rate > 0 && total > done) {
      line += ", ETA " + FormatDuration(static_cast<TimeMs>(static_cast<double>(total - done) / rate * 1000));
    }
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  }
}

}  // namespace logstream::cli
