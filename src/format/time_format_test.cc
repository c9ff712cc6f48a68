#include "src/format/time_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace logstream {
namespace {

TimeMs Iso(const char* s) { return *ParseRfc3339(s); }

// Parses text with the layout; the UTC ms, or -1 on any error.
TimeMs Read(const TimeFormat& f, std::string_view text, TimeMs reference = -1,
            const char* zone = "UTC") {
  TimeParts parts;
  TimeError error;
  const char* end = text.data() + text.size();
  const char* q = f.Parse(text.data(), end, &parts, &error);
  if (q != end) return -1;
  Zone z = *Zone::Parse(zone);
  TimeMs t;
  if (!ResolveTime(parts, reference, z, &t).ok()) return -1;
  return t;
}

// A layout, a text in it and the UTC time it reads as, given the reference
// time (for layouts without a year or a date) when there is one.
struct LayoutCase {
  const char* layout;
  const char* text;
  const char* want;
  const char* reference = nullptr;
};

// Checks every case, its layout made by `make` (TimeFormat::FromJava or
// TimeFormat::FromStrftime).
void ExpectReads(Result<TimeFormat> (*make)(std::string_view),
                 const std::vector<LayoutCase>& cases) {
  for (const LayoutCase& c : cases) {
    auto f = make(c.layout);
    ASSERT_TRUE(f) << c.layout;
    EXPECT_EQ(Read(*f, c.text, c.reference ? Iso(c.reference) : -1), Iso(c.want))
        << c.layout << " reading " << c.text;
  }
}

TEST(TimeFormatTest, StrftimeLetters) {
  auto f = *TimeFormat::FromStrftime("%Y-%m-%d %H:%M:%S.%f");
  EXPECT_EQ(Read(f, "2017-05-16 00:00:00.008"), Iso("2017-05-16T00:00:00.008Z"));
  EXPECT_EQ(Read(f, "2017-05-16 00:00:00.5"), Iso("2017-05-16T00:00:00.500Z"));
  EXPECT_EQ(Read(f, "2017-05-16 00:00:00.675872"), Iso("2017-05-16T00:00:00.675Z"));
  auto l = *TimeFormat::FromStrftime("%H:%M:%S:%L");
  EXPECT_EQ(Read(l, "10:20:30:19", Iso("2020-01-02T00:00:00Z")), Iso("2020-01-02T10:20:30.019Z"));
  EXPECT_EQ(Read(*TimeFormat::FromStrftime("%s"), "1700000000"), 1700000000000);
  EXPECT_EQ(Read(*TimeFormat::FromStrftime("%ms"), "1700000000123"), 1700000000123);
  ExpectReads(TimeFormat::FromStrftime,
              {
                  {"%y%m%d %H%M%S", "081109 203615", "2008-11-09T20:36:15Z"},
                  {"%a %b %d %H:%M:%S %Y", "Sun Dec 04 04:47:44 2005", "2005-12-04T04:47:44Z"},
                  {"%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z"},
                  {"%Y %j %I:%M %p", "2020 060 01:05 PM", "2020-02-29T13:05:00Z"},
              });
}

TEST(TimeFormatTest, ShortNumbersAndPaddedDays) {
  const TimeMs ref = Iso("2017-12-31T00:00:00Z");
  auto f = *TimeFormat::FromStrftime("%b %d %H:%M:%S");
  EXPECT_EQ(Read(f, "Jul  1 22:16:0", ref), Iso("2017-07-01T22:16:00Z"));
  EXPECT_EQ(Read(f, "Jul 1 2:6:9", ref), Iso("2017-07-01T02:06:09Z"));
  EXPECT_EQ(Read(f, "July 14 15:16:01", ref), Iso("2017-07-14T15:16:01Z"));
  EXPECT_EQ(Read(f, "Jul 32 15:16:01", ref), -1);
  EXPECT_EQ(Read(f, "Feb 30 15:16:01", ref), -1);
  EXPECT_EQ(Read(f, "Xyz 14 15:16:01", ref), -1);
}

// ISO8601's fixed widths are read by shape when every digit is there; the
// same texts with short numbers, two spaces or a field out of range take the
// step-by-step reading, with its errors.
TEST(TimeFormatTest, FixedWidthLayoutsReadTheSameByShape) {
  auto f = *TimeFormat::FromJava("ISO8601");
  EXPECT_EQ(Read(f, "2015-10-18 18:01:47,978"), Iso("2015-10-18T18:01:47.978Z"));
  EXPECT_EQ(Read(f, "2015-10-18 18:01:60,978"), Iso("2015-10-18T18:01:59.978Z"));
  EXPECT_EQ(Read(f, "2015-10-18 18:1:47,978"), Iso("2015-10-18T18:01:47.978Z"));
  EXPECT_EQ(Read(f, "2015-10-18  18:01:47,978"), Iso("2015-10-18T18:01:47.978Z"));
  EXPECT_EQ(Read(f, "2015-10-18 18:01:47,97"), Iso("2015-10-18T18:01:47.097Z"));
  for (const char* bad : {"2015-13-18 18:01:47,978", "2015-10-00 18:01:47,978", "2015-10-18 24:01:47,978",
                          "2015-10-18 18:60:47,978", "2015-10-18 18:01:61,978", "2015-10-18T18:01:47,978"}) {
    TimeParts parts;
    TimeError error;
    EXPECT_EQ(f.Parse(bad, bad + std::strlen(bad), &parts, &error), nullptr) << bad;
    EXPECT_NE(error.at, nullptr) << bad;
  }
  // Digits past the layout's last field are the text after the time.
  const std::string text = "2015-10-18 18:01:47,9781 INFO";
  TimeParts parts;
  TimeError error;
  EXPECT_EQ(f.Parse(text.data(), text.data() + text.size(), &parts, &error), text.data() + 23);
  EXPECT_EQ(parts.millis, 978);
  auto days = *TimeFormat::FromStrftime("%Y %j");
  EXPECT_EQ(Read(days, "2016 366"), Iso("2016-12-31T00:00:00Z"));
  EXPECT_EQ(Read(days, "2015 366"), -1);
}

TEST(TimeFormatTest, YearFromTheReference) {
  auto f = *TimeFormat::FromStrftime("%m-%d %H:%M:%S.%f");
  // The key's year...
  EXPECT_EQ(Read(f, "03-17 16:13:38.811", Iso("2017-12-31T00:00:00Z")),
            Iso("2017-03-17T16:13:38.811Z"));
  // ...a year earlier when it would be more than a day after the key's date.
  EXPECT_EQ(Read(f, "12-31 23:59:59.000", Iso("2018-01-01T00:00:00Z")),
            Iso("2017-12-31T23:59:59Z"));
  EXPECT_EQ(Read(f, "01-01 23:00:00.000", Iso("2018-01-01T00:00:00Z")),
            Iso("2018-01-01T23:00:00Z"));
  EXPECT_EQ(Read(f, "01-02 12:00:00.000", Iso("2018-01-01T00:00:00Z")),
            Iso("2017-01-02T12:00:00Z"));
  // No reference: no year.
  EXPECT_EQ(Read(f, "03-17 16:13:38.811"), -1);
  // A time without a date takes the reference's.
  EXPECT_EQ(Read(*TimeFormat::FromStrftime("%T"), "10:00:00", Iso("2017-12-31T00:00:00Z")),
            Iso("2017-12-31T10:00:00Z"));
}

TEST(TimeFormatTest, JavaLetters) {
  ExpectReads(
      TimeFormat::FromJava,
      {
          {"ISO8601", "2015-10-18 18:01:47,978", "2015-10-18T18:01:47.978Z"},
          {"yy/MM/dd HH:mm:ss", "17/06/09 20:10:40", "2017-06-09T20:10:40Z"},
          {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2026-11-24T22:47:30.123+01:00",
           "2026-11-24T21:47:30.123Z"},
          {"DATE", "04 Dec 2005 04:47:44,001", "2005-12-04T04:47:44.001Z"},
          {"ABSOLUTE", "04:47:44,001", "2005-12-04T04:47:44.001Z", "2005-12-04T00:00:00Z"},
          {"EEE MMM dd HH:mm:ss Z yyyy", "Sun Dec 04 04:47:44 +0000 2005", "2005-12-04T04:47:44Z"},
          {"yyyy-MM-dd HH:mm:ss.SSSSSS", "2020-01-01 00:00:00.123456", "2020-01-01T00:00:00.123Z"},
      });
  EXPECT_FALSE(TimeFormat::FromJava("yyyy-MM-dd QQ"));
  EXPECT_FALSE(TimeFormat::FromJava("'unclosed"));
  EXPECT_FALSE(TimeFormat::FromStrftime("%Y %Q"));
  EXPECT_FALSE(TimeFormat::FromStrftime("----"));
}

TEST(TimeFormatTest, Zones) {
  auto f = *TimeFormat::FromStrftime("%Y-%m-%d %H:%M:%S");
  EXPECT_EQ(Read(f, "2020-01-15 12:00:00", -1, "+05:30"), Iso("2020-01-15T06:30:00Z"));
  EXPECT_EQ(Read(f, "2020-01-15 12:00:00", -1, "-0800"), Iso("2020-01-15T20:00:00Z"));
  EXPECT_EQ(Read(f, "2020-01-15 12:00:00", -1, "Europe/Paris"), Iso("2020-01-15T11:00:00Z"));
  EXPECT_EQ(Read(f, "2020-07-15 12:00:00", -1, "Europe/Paris"), Iso("2020-07-15T10:00:00Z"));
  // The day of a DST change: before and after it.
  EXPECT_EQ(Read(f, "2020-03-29 01:30:00", -1, "Europe/Paris"), Iso("2020-03-29T00:30:00Z"));
  EXPECT_EQ(Read(f, "2020-03-29 03:30:00", -1, "Europe/Paris"), Iso("2020-03-29T01:30:00Z"));
  EXPECT_FALSE(Zone::Parse("Mars/Olympus"));
  EXPECT_FALSE(Zone::Parse("+25:00"));
  EXPECT_FALSE(Zone::Parse("../etc/passwd"));
  // An offset in the text wins over the zone.
  auto z = *TimeFormat::FromStrftime("%Y-%m-%d %H:%M:%S%z");
  EXPECT_EQ(Read(z, "2020-01-15 12:00:00Z", -1, "Europe/Paris"), Iso("2020-01-15T12:00:00Z"));
}

}  // namespace
}  // namespace logstream
