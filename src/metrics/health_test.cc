#include "src/metrics/health.h"

#include <gtest/gtest.h>

namespace logstream::metrics {
namespace {

TEST(HealthTest, ALoopIsStuckPastItsDeadlineUntilItBeatsOrEnds) {
  Health h;
  Heartbeat ingest = h.Register("ingest", 1000);
  Heartbeat process = h.Register("process", 60000);
  EXPECT_TRUE(h.Stuck(NowMs()).empty());
  const std::vector<std::string> stuck = h.Stuck(NowMs() + 5000);
  ASSERT_EQ(stuck.size(), 1u);
  EXPECT_EQ(stuck[0].rfind("ingest (no progress for ", 0), 0u) << stuck[0];
  {
    Heartbeat moved = std::move(ingest);
    moved.Beat();
    EXPECT_EQ(h.Stuck(NowMs() + 5000).size(), 1u);
  }
  EXPECT_TRUE(h.Stuck(NowMs() + 5000).empty());  // ended loops do not count
  process.Beat();
}

TEST(HealthTest, ReadyOnceEveryExpectedDependencyAnswered) {
  Health h;
  EXPECT_TRUE(h.NotReady().empty());
  h.Expect("broker");
  h.Expect("store");
  EXPECT_EQ(h.NotReady(), (std::vector<std::string>{"broker", "store"}));
  h.MarkReady("store");
  h.Expect("store");  // expecting again does not undo it
  EXPECT_EQ(h.NotReady(), (std::vector<std::string>{"broker"}));
  h.MarkReady("broker");
  EXPECT_TRUE(h.NotReady().empty());
}

}  // namespace
}  // namespace logstream::metrics
