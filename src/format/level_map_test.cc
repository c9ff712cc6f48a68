#include "src/format/level_map.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

TEST(LevelMapTest, StandardWordsAnyCase) {
  LevelMap m;
  struct Case {
    const char* word;
    Level level;
  } cases[] = {
      {"trace", Level::kTrace},      {"FINEST", Level::kTrace}, {"finer", Level::kTrace},
      {"Verbose", Level::kTrace},    {"V", Level::kTrace},      {"debug", Level::kDebug},
      {"FINE", Level::kDebug},       {"d", Level::kDebug},      {"INFO", Level::kInfo},
      {"information", Level::kInfo}, {"notice", Level::kInfo},  {"I", Level::kInfo},
      {"warn", Level::kWarn},        {"WARNING", Level::kWarn}, {"w", Level::kWarn},
      {"error", Level::kError},      {"ERR", Level::kError},    {"SEVERE", Level::kError},
      {"E", Level::kError},          {"fatal", Level::kFatal},  {"CRITICAL", Level::kFatal},
      {"crit", Level::kFatal},       {"alert", Level::kFatal},  {"emerg", Level::kFatal},
      {"PANIC", Level::kFatal},      {"F", Level::kFatal},      {"a", Level::kFatal}};
  for (const Case& c : cases) {
    auto l = m.Find(c.word);
    ASSERT_TRUE(l) << c.word;
    EXPECT_EQ(*l, c.level) << c.word;
  }
  for (const char* w : {"", "x", "infos", "FAILURE", "warnin", "emergency"})
    EXPECT_FALSE(m.Find(w)) << w;
}

TEST(LevelMapTest, ExtraWordsFirst) {
  LevelMap m;
  ASSERT_TRUE(m.Add("FAILURE", "ERROR").ok());
  ASSERT_TRUE(m.Add("notice", "warn").ok());  // a standard word may be remapped
  EXPECT_EQ(m.Find("failure"), Level::kError);
  EXPECT_EQ(m.Find("NOTICE"), Level::kWarn);
  EXPECT_EQ(m.Find("info"), Level::kInfo);
  EXPECT_FALSE(m.Add("x", "LOUD").ok());
  EXPECT_FALSE(m.Add("", "ERROR").ok());
}

}  // namespace
}  // namespace logstream
