#include "src/base/backoff.h"

#include <algorithm>
#include <random>

namespace logstream {

TimeMs BackoffDelay(const BackoffPolicy& policy, int attempt, double u) {
  TimeMs d = policy.initial;
  for (int i = 1; i < attempt && d < policy.max; ++i) d *= 2;
  d = std::min(d, policy.max);
  const auto lo = static_cast<TimeMs>(static_cast<double>(d) * policy.min_fraction);
  return lo + static_cast<TimeMs>(u * static_cast<double>(d - lo));
}

TimeMs RandomBackoffDelay(const BackoffPolicy& policy, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return BackoffDelay(policy, attempt, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
}

}  // namespace logstream
