#include "src/notify/alert_text.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

TEST(AlertTextTest, OneReadableLine) {
  std::string json =
      R"({"id":"error-burst/host-2/2026-11-24T00:00:10.000Z","rule":"error-burst","key":"host-2",)"
      R"("window_start":"2026-11-24T00:00:10.000Z","window_end":"2026-11-24T00:00:20.000Z",)"
      R"("count":20,"threshold":20,"samples":[{"object":"host-2/2026-11-24/host-2-000001.log",)"
      R"("offset":116,"time":"2026-11-24T00:00:10.010Z","level":"ERROR","message":"boom\nat x"}]})";
  EXPECT_EQ(AlertToText(json),
            "ALERT error-burst host-2 [2026-11-24T00:00:10.000Z, +10s): 20 >= 20  e.g. "
            "host-2/2026-11-24/host-2-000001.log@116: boom at x");
  EXPECT_EQ(AlertToText("not json"), "not json");
}

}  // namespace
}  // namespace logstream
