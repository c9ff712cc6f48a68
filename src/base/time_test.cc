#include "src/base/time.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

TEST(TimeTest, FormatsAndParsesRfc3339) {
  auto t = ParseRfc3339("2026-11-24T22:47:30.123Z");
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(FormatRfc3339Ms(*t), "2026-11-24T22:47:30.123Z");
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(FormatRfc3339Ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeTest, RejectsBadTimes) {
  EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-24T24:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-24T00:00:00"));
  EXPECT_FALSE(ParseRfc3339("yesterday"));
}

TEST(TimeTest, RoundTripsEveryDayOverCenturies) {
  for (int64_t d = -800000; d < 800000; d += 7) {
    CivilDate c = CivilFromDays(d);
    ASSERT_EQ(DaysFromCivil(c.year, c.month, c.day), d);
  }
}

TEST(TimeTest, FindsDateInKey) {
  EXPECT_EQ(FormatDate(*FindDate("logs/h1/2022-10-07/h1-000001.log")), "2022-10-07");
  EXPECT_EQ(FormatDate(*FindDate("LogFileGenerator.2021-10-17.0.log")), "2021-10-17");
  EXPECT_FALSE(FindDate("h1/9999-99-99/x.log"));
}

TEST(TimeTest, ParsesDurations) {
  EXPECT_EQ(*ParseDuration("10s"), 10000);
  EXPECT_EQ(*ParseDuration("500ms"), 500);
  EXPECT_EQ(*ParseDuration("1.5m"), 90000);
  EXPECT_EQ(*ParseDuration("0s"), 0);
  EXPECT_FALSE(ParseDuration("10"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_FALSE(ParseDuration("1w"));
  EXPECT_EQ(FormatDuration(10000), "10s");
  EXPECT_EQ(FormatDuration(1500), "1500ms");
}

}  // namespace
}  // namespace logstream
