#include "src/base/backoff.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

TEST(BackoffTest, DoublesWithJitterUpToTheCap) {
  const BackoffPolicy p{.initial = 1000, .max = 8000, .min_fraction = 0.5};
  EXPECT_EQ(BackoffDelay(p, 1, 0.0), 500);
  EXPECT_EQ(BackoffDelay(p, 1, 0.999999), 999);
  EXPECT_EQ(BackoffDelay(p, 2, 0.0), 1000);
  EXPECT_EQ(BackoffDelay(p, 3, 0.5), 3000);
  EXPECT_EQ(BackoffDelay(p, 4, 0.0), 4000);
  EXPECT_EQ(BackoffDelay(p, 10, 0.0), 4000);
  EXPECT_EQ(BackoffDelay(p, 60, 0.999999), 7999);  // no overflow past the cap
}

TEST(BackoffTest, MinFractionSetsTheShortestDelay) {
  const BackoffPolicy full{.initial = 100, .max = 10000, .min_fraction = 0.0};
  EXPECT_EQ(BackoffDelay(full, 1, 0.0), 0);
  EXPECT_EQ(BackoffDelay(full, 1, 0.5), 50);
  const BackoffPolicy quarter{.initial = 100, .max = 10000, .min_fraction = 0.25};
  EXPECT_EQ(BackoffDelay(quarter, 3, 0.0), 100);
  EXPECT_EQ(BackoffDelay(quarter, 20, 0.0), 2500);
}

TEST(BackoffTest, RandomDelayStaysInRange) {
  const BackoffPolicy p{.initial = 200, .max = 20000, .min_fraction = 0.5};
  for (int attempt = 1; attempt < 12; ++attempt) {
    const TimeMs lo = BackoffDelay(p, attempt, 0.0);
    const TimeMs hi = BackoffDelay(p, attempt, 0.999999);
    for (int i = 0; i < 50; ++i) {
      const TimeMs d = RandomBackoffDelay(p, attempt);
      EXPECT_GE(d, lo);
      EXPECT_LE(d, hi);
    }
  }
}

}  // namespace
}  // namespace logstream
