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

TEST(AlertTextTest, TheTopTemplateSaysWhichError) {
  std::string json =
      R"({"id":"error-burst/host-1/2026-11-24T00:00:10.000Z","rule":"error-burst","key":"host-1",)"
      R"("window_start":"2026-11-24T00:00:10.000Z","window_end":"2026-11-24T00:00:20.000Z",)"
      R"("count":20,"threshold":20,"samples":[{"object":"o.log","offset":1,"time":"t","level":"ERROR",)"
      R"("message":"Request 97 failed"}],"templates":[{"id":"1d8818dd1decfd26",)"
      R"("template":"Timeout waiting for lock on <*> after <*> ms","count":7,"sample":{"object":"o.log",)"
      R"("offset":13964,"time":"t","level":"ERROR","message":"Timeout waiting for lock on /a after 2 ms"}},)"
      R"({"id":"077953ca5f164035","template":"Request <*> failed","count":4,"sample":{"object":"o.log",)"
      R"("offset":1,"time":"t","level":"ERROR","message":"Request 97 failed"}}]})";
  EXPECT_EQ(AlertToText(json),
            "ALERT error-burst host-1 [2026-11-24T00:00:10.000Z, +10s): 20 >= 20  top: 7x "
            "\"Timeout waiting for lock on <*> after <*> ms\" e.g. o.log@13964");
  auto a = ParseAlert(json);
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->templates.size(), 2u);
  EXPECT_EQ(a->templates[1].id, "077953ca5f164035");
  EXPECT_EQ(a->templates[1].text, "Request <*> failed");
  EXPECT_EQ(a->templates[1].count, 4);
  EXPECT_EQ(a->templates[1].sample.message, "Request 97 failed");
}

}  // namespace
}  // namespace logstream
