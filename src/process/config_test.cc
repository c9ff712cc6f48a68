#include "src/process/config.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

constexpr char kIssueToml[] = R"(
[processor]
window = "10s"        # slide = "5s" makes it sliding
lateness = "2s"
idle_timeout = "30s"
[[rules]]
name = "error-burst"
level = "ERROR"       # or levels = ["WARN", "ERROR"]
pattern = ""          # optional regex on the message
min_count = 20
per = "source"        # or "all"
cooldown = "0s"       # event time
)";

std::string ErrorOf(std::string_view text) {
  auto c = ParseProcessorConfig(text, "rules.toml");
  EXPECT_FALSE(c.has_value()) << text;
  return c ? "" : c.error().message();
}

TEST(ProcessorConfigTest, IssueExampleEqualsDefault) {
  auto c = ParseProcessorConfig(kIssueToml, "rules.toml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(*c, ProcessorConfig{});
  EXPECT_EQ(c->window, 10000);
  EXPECT_EQ(c->step(), 10000);
  ASSERT_EQ(c->rules.size(), 1u);
  EXPECT_EQ(c->rules[0].levels, std::vector<Level>{Level::kError});
}

TEST(ProcessorConfigTest, EmptyDocumentGivesDefaults) {
  auto c = ParseProcessorConfig("", "empty.toml");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, ProcessorConfig{});
}

TEST(ProcessorConfigTest, RulesReplaceDefaultAndOtherTablesAreIgnored) {
  auto c = ParseProcessorConfig(R"(
[generator]
hosts = 3
[ingest]
anything = true
[[sinks]]
name = "mail"
[kafka]
brokers = "x"
[processor]
window = "10s"
slide = "5s"
[[rules]]
name = "warn-or-error"
levels = ["ERROR", "WARN", "ERROR"]
pattern = "time(d)? ?out"
min_count = 3
per = "all"
cooldown = "1m"
sinks = ["mail", "stdout"]
[[rules]]
name = "anything"
)",
                                "r.toml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->slide, 5000);
  EXPECT_EQ(c->step(), 5000);
  ASSERT_EQ(c->rules.size(), 2u);
  const RuleConfig& r = c->rules[0];
  EXPECT_EQ(r.name, "warn-or-error");
  EXPECT_EQ(r.levels, (std::vector<Level>{Level::kWarn, Level::kError}));
  EXPECT_EQ(r.pattern, "time(d)? ?out");
  EXPECT_EQ(r.min_count, 3);
  EXPECT_EQ(r.per, RulePer::kAll);
  EXPECT_EQ(r.cooldown, 60000);
  EXPECT_EQ(r.sinks, (std::vector<std::string>{"mail", "stdout"}));
  EXPECT_TRUE(c->rules[1].levels.empty());  // any level
  EXPECT_EQ(c->rules[1].min_count, 20);
}

TEST(ProcessorConfigTest, ToTomlRoundTrips) {
  auto c = ParseProcessorConfig(R"(
[processor]
window = "1m"
slide = "15s"
lateness = "500ms"
[[rules]]
name = "a \"quoted\" name"
levels = ["WARN", "FATAL"]
pattern = 'disk\s+full'
min_count = 5
per = "all"
sinks = ["x"]
[[rules]]
name = "any"
[[rules]]
name = "component"
field = "component"
equals = ""
)",
                                "r.toml");
  ASSERT_TRUE(c) << c.error().ToString();
  std::string toml = ProcessorConfigToToml(*c);
  auto back = ParseProcessorConfig(toml, "effective.toml");
  ASSERT_TRUE(back) << back.error().ToString() << "\n" << toml;
  EXPECT_EQ(*back, *c) << toml;
  EXPECT_NE(toml.find("window = \"1m\""), std::string::npos) << toml;
}

TEST(ProcessorConfigTest, FieldRules) {
  auto c = ParseProcessorConfig(R"(
[[rules]]
name = "dn"
field = "component"
equals = "dfs.DataNode"
[[rules]]
name = "slow"
field = "took_ms"
pattern = '^[0-9]{4,}$'
)",
                                "r.toml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->rules[0].field, "component");
  EXPECT_EQ(c->rules[0].equals, "dfs.DataNode");
  EXPECT_EQ(c->rules[1].field, "took_ms");
  EXPECT_FALSE(c->rules[1].equals);
  auto bad = ParseProcessorConfig("[[rules]]\nname = \"x\"\nequals = \"y\"\n", "r.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "r.toml:3:10: rule 'x': 'equals' needs 'field'");
}

TEST(ProcessorConfigTest, UnknownKeysNameKeyFileAndLine) {
  EXPECT_EQ(ErrorOf("[processor]\nwindow = \"10s\"\nwindw = \"5s\"\n"),
            "rules.toml:3:1: unknown key 'windw' in [processor] (allowed: window, slide, "
            "lateness, idle_timeout, commit_interval, commit_records, templates)");
  std::string e = ErrorOf("[[rules]]\nname = \"x\"\nthreshold = 3\n");
  EXPECT_NE(e.find("rules.toml:3:1: unknown key 'threshold' in [[rules]]"), std::string::npos) << e;
}

TEST(ProcessorConfigTest, CommitCadence) {
  auto c = ParseProcessorConfig("[processor]\ncommit_interval = \"250ms\"\ncommit_records = 500\n", "r.toml");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->commit_interval, 250);
  EXPECT_EQ(c->commit_records, 500);
  EXPECT_EQ(ErrorOf("[processor]\ncommit_records = 0\n"),
            "rules.toml:2:18: processor.commit_records: '0' is not an integer of at least 1");
}

TEST(ProcessorConfigTest, BadValuesAreErrors) {
  auto has = [](std::string_view text, std::string_view want) {
    std::string e = ErrorOf(text);
    EXPECT_NE(e.find(want), std::string::npos) << "error: " << e << "\nwant: " << want;
  };
  has("[processor]\nwindow = \"10s\"\nslide = \"3s\"\n", "window (10s) must be a multiple of slide (3s)");
  has("[processor]\nwindow = \"10s\"\nslide = \"20s\"\n", "slide (20s) must not exceed window (10s)");
  has("[processor]\nwindow = \"0s\"\n", "processor.window: '0s' is less than 1ms");
  has("[processor]\nwindow = \"ten\"\n", "rules.toml:2:10: processor.window: not a duration");
  has("[processor]\nwindow = 10\n", "processor.window: must be a duration string");
  has("[[rules]]\nname = \"x\"\nmin_count = 0\n", "rules.toml:3:13: rules.min_count: '0' is not an integer of at least 1");
  has("[[rules]]\nname = \"x\"\npattern = \"(unclosed\"\n", "rules.pattern: bad regex '(unclosed'");
  has("[[rules]]\nname = \"x\"\n[[rules]]\nname = \"x\"\n", "rules.toml:4:8: duplicate rule name 'x'");
  has("[[rules]]\nname = \"x\"\nlevel = \"ERR\"\n", "unknown level 'ERR'");
  has("[[rules]]\nname = \"x\"\nlevels = [\"WARN\", \"bad\"]\n", "unknown level 'bad'");
  has("[[rules]]\nname = \"x\"\nlevel = \"WARN\"\nlevels = [\"WARN\"]\n", "either 'level' or 'levels'");
  has("[[rules]]\nname = \"x\"\nper = \"host\"\n", "rules.per: 'host' is not allowed (want source or all)");
  has("[[rules]]\nlevel = \"WARN\"\n", "rule #1 has no 'name'");
  has("[[rules]]\nname = \"a/b\"\n", "contain no '/'");
  has("processor = 3\n", "'processor' must be a table");
  has("rules = 3\n", "'rules' must be an array of tables");
  has("[processor\n", "rules.toml:1:");
}

TEST(ProcessorConfigTest, MissingFileIsIoError) {
  auto c = LoadProcessorConfigFile("/nonexistent/rules.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace logstream
