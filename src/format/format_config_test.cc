#include "src/format/format_config.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

std::vector<std::string> Problems(std::string_view text,
                                  std::vector<FormatConfig>* formats = nullptr) {
  toml::table doc = toml::parse(text, std::string_view("f.toml"));
  std::vector<FormatConfig> local;
  opt::Problems problems;
  ReadFormats(doc, "f.toml", formats ? formats : &local, &problems);
  std::vector<std::string> out;
  for (const Status& s : problems.list()) out.push_back(s.message());
  return out;
}

TEST(FormatConfigTest, ReadsEveryKey) {
  std::vector<FormatConfig> f;
  auto p = Problems(R"(
[[formats]]
name = "hadoop"
match = "hadoop/**"
kind = "pattern"
pattern = "%d{yyyy-MM-dd HH:mm:ss,SSS} %p [%t] %c: %m%n"
timezone = "Europe/Paris"
multiline = "off"
default_level = "warn"
levels = { FAILURE = "ERROR" }

[[formats]]
name = "app"
kind = "json"
time_field = "@timestamp"
level_field = "log.level"
)",
                    &f);
  EXPECT_TRUE(p.empty()) << p[0];
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].name, "hadoop");
  EXPECT_EQ(f[0].match, "hadoop/**");
  EXPECT_EQ(f[0].timezone, "Europe/Paris");
  EXPECT_FALSE(f[0].multiline_auto());
  EXPECT_EQ(f[0].default_level, Level::kWarn);
  EXPECT_EQ(f[0].levels, (std::vector<std::pair<std::string, std::string>>{{"FAILURE", "ERROR"}}));
  EXPECT_EQ(f[1].kind, FormatKind::kJson);
  EXPECT_FALSE(f[1].multiline_auto());
  EXPECT_EQ(f[1].level_field, "log.level");
  EXPECT_NE(FormatsToToml(f).find("pattern = \"%d{yyyy-MM-dd HH:mm:ss,SSS} %p [%t] %c: %m%n\""),
            std::string::npos);
}

TEST(FormatConfigTest, ProblemsNameFileLineAndColumn) {
  auto p = Problems(R"X([[formats]]
name = "a"
kind = "pattern"
pattern = "%d %q %m"

[[formats]]
name = "a"
kind = "regex"
regex = "(?P<time>.*)"
pattern = "%d %m"
colour = 1

[[formats]]
kind = "json"
timezone = "Mars/Base"
levels = { X = "LOUD" }

[[formats]]
name = "r"
kind = "regex"
)X");
  ASSERT_EQ(p.size(), 8u);
  EXPECT_TRUE(p[0].starts_with(
      "f.toml:4:11: format 'a': pattern '%d %q %m', column 4: unknown conversion '%q'"))
      << p[0];
  EXPECT_TRUE(p[1].starts_with("f.toml:11:1: unknown key 'colour' in [[formats]]")) << p[1];
  EXPECT_EQ(p[2], "f.toml:7:8: duplicate format name 'a': names must be unique");
  EXPECT_EQ(p[3], "f.toml:10:11: formats.pattern: only for kind = \"pattern\", not \"regex\"");
  // Keys in TOML's order (sorted).
  EXPECT_TRUE(
      p[4].starts_with("f.toml:16:10: formats.levels: level word 'X': unknown level 'LOUD'"))
      << p[4];
  EXPECT_TRUE(p[5].starts_with("f.toml:15:12: formats.timezone: unknown time zone 'Mars/Base'"))
      << p[5];
  EXPECT_TRUE(p[6].starts_with("f.toml:13:1: format #3 needs 'name'")) << p[6];
  EXPECT_EQ(p[7], "f.toml:20:8: format 'r': kind = \"regex\" needs 'regex'");
  EXPECT_EQ(Problems("formats = 1")[0],
            "f.toml:1:11: 'formats' must be an array of tables ([[formats]])");
}

}  // namespace
}  // namespace logstream
