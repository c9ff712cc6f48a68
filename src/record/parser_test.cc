#include "src/record/parser.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace logstream {
namespace {

TEST(ParserTest, ParsesIsoLine) {
  auto r = ParseLine("2026-11-24T22:47:30.123Z [main] WARN HelperUtils.Parameters$ - some text ",
                     {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(FormatRfc3339Ms(r->time), "2026-11-24T22:47:30.123Z");
  EXPECT_EQ(r->thread, "main");
  EXPECT_EQ(r->level, Level::kWarn);
  EXPECT_EQ(r->logger, "HelperUtils.Parameters$");
  EXPECT_EQ(r->message, "some text ");  // untrimmed
}

TEST(ParserTest, ParsesClassicLineWithDateFromKey) {
  ParseOptions o;
  o.classic_date = ClassicDateFromKey("LogFileGenerator.2021-10-17.0.log");
  auto r = ParseLine("11:44:26.907 [main] WARN  HelperUtils.Parameters$ - Max count 5000", o);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(FormatRfc3339Ms(r->time), "2021-10-17T11:44:26.907Z");
  EXPECT_EQ(r->level, Level::kWarn);
  EXPECT_EQ(r->logger, "HelperUtils.Parameters$");
  EXPECT_EQ(r->message, "Max count 5000");
}

TEST(ParserTest, AutoDetectsEachLineAndHonoursForcedFormat) {
  ParseOptions o;
  o.classic_date = 0;
  EXPECT_TRUE(ParseLine("00:00:00.000 [t] INFO  l - m", o));
  EXPECT_TRUE(ParseLine("1970-01-01T00:00:00.000Z [t] INFO l - m", o));
  o.format = LineFormat::kIso;
  EXPECT_FALSE(ParseLine("00:00:00.000 [t] INFO  l - m", o));
  o.format = LineFormat::kClassic;
  EXPECT_FALSE(ParseLine("1970-01-01T00:00:00.000Z [t] INFO l - m", o));
}

TEST(ParserTest, AcceptsOtherRfc3339Shapes) {
  auto r = ParseLine("2026-11-24T23:47:30+01:00 [t] ERROR l - m", {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(FormatRfc3339Ms(r->time), "2026-11-24T22:47:30.000Z");
}

TEST(ParserTest, EmptyMessageAndCarriageReturn) {
  auto r = ParseLine("2026-11-24T22:47:30.123Z [t] INFO l - \r", {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->message, "");
  auto r2 = ParseLine("2026-11-24T22:47:30.123Z [t] INFO l -", {});
  ASSERT_TRUE(r2) << r2.error().ToString();
  EXPECT_EQ(r2->message, "");
}

struct BadCase {
  std::string line;
  std::string reason;
};

TEST(ParserTest, RejectsBadLinesWithReasons) {
  ParseOptions o;
  o.classic_date = 0;
  std::vector<BadCase> cases = {
      {"2026-02-30T00:00:00.000Z [t] INFO l - m", "impossible time"},
      {"2026-11-24T25:00:00.000Z [t] INFO l - m", "impossible time"},
      {"25:00:00.000 [t] INFO l - m", "impossible time"},
      {"2026-11-24T22:47:30.123Z [t] NOTICE l - m", "unknown level"},
      {"2026-11-24T22:47:30.123Z [t] info l - m", "unknown level"},
      {"2026-11-24T22:47:30.123Z [t INFO l - m", "thread"},
      {"2026-11-24T22:47:30.123Z [t] INFO logger-without-dash", "' - '"},
      {"2026-11-24T22:47:30.123Z [t] INFO l - \xff\xfe", "UTF-8"},
      {"hello world", "no timestamp"},
      {"", "empty"},
      {std::string(70000, 'a'), "longer than the maximum"},
  };
  for (const auto& c : cases) {
    auto r = ParseLine(c.line, o);
    ASSERT_FALSE(r) << c.line;
    EXPECT_NE(r.error().message().find(c.reason), std::string::npos)
        << c.line.substr(0, 60) << " -> " << r.error().message();
  }
  ParseOptions no_date;
  auto r = ParseLine("11:44:26.907 [main] WARN  l - m", no_date);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("date"), std::string::npos);
}

TEST(ParserTest, StartsRecordSeesTimestampsOnly) {
  EXPECT_TRUE(StartsRecord("2026-11-24T22:47:30.123Z [t] INFO l - m"));
  EXPECT_TRUE(StartsRecord("14:43:31.158 [sbt] DEBUG l - m"));
  EXPECT_FALSE(StartsRecord("\tat org.apache.hadoop.Job.connect(Job.java:1536)"));
  EXPECT_FALSE(StartsRecord("java.lang.Exception: null"));
  EXPECT_FALSE(StartsRecord("Caused by: x"));
}

// The real files written by the original CS441 generator parse with zero errors.
TEST(ParserTest, ParsesRealCs441FilesWithZeroErrors) {
  std::filesystem::path dir =
      std::filesystem::path(LOGSTREAM_SOURCE_DIR) / "testdata" / "cs441-logs";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  int files = 0;
  size_t lines = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.find("2021-10-17") == std::string::npos) continue;
    ++files;
    ParseOptions o;
    o.format = LineFormat::kClassic;
    o.classic_date = ClassicDateFromKey(name);
    std::ifstream in(e.path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      ++lines;
      auto r = ParseLine(line, o);
      ASSERT_TRUE(r) << name << ": " << line << ": " << r.error().ToString();
      EXPECT_EQ(FormatDate(r->time), "2021-10-17");
    }
  }
  EXPECT_EQ(files, 6);
  EXPECT_EQ(lines, 5003u);
}

}  // namespace
}  // namespace logstream
