// Exponential backoff with jitter, for retrying transient (kUnavailable)
// failures: the delay doubles with every failure up to a cap, and is drawn at
// random below that, so that many clients retrying at once spread out.
//
// Pure functions, thread-safe (RandomBackoffDelay draws from a per-thread
// generator).
#pragma once

#include "src/base/time.h"

namespace logstream {

struct BackoffPolicy {
  TimeMs initial = 100;  // the delay after the first failure, before jitter
  TimeMs max = 10000;    // cap of the delay, before jitter
  // The delay is drawn from [min_fraction * d, d) of the capped delay d:
  // 0 is "full jitter", 0.5 keeps at least half of the exponential delay.
  double min_fraction = 0.5;
};

// The delay before retry `attempt` (1: after the first failure):
// d = min(max, initial * 2^(attempt - 1)), then lo + u * (d - lo) with
// lo = min_fraction * d, for u in [0, 1) (the caller's random draw).
TimeMs BackoffDelay(const BackoffPolicy& policy, int attempt, double u);

// The same with u drawn from a per-thread generator seeded at random.
TimeMs RandomBackoffDelay(const BackoffPolicy& policy, int attempt);

}  // namespace logstream
