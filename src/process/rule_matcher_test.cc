#include "src/process/rule_matcher.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>

namespace logstream {
namespace {

RuleConfig Rule(std::string name, std::string pattern, std::vector<Level> levels = {}) {
  RuleConfig r;
  r.name = std::move(name);
  r.pattern = std::move(pattern);
  r.levels = std::move(levels);
  return r;
}

LogRecordView Record(std::string_view message, Level level = Level::kError) {
  LogRecordView v;
  v.message = message;
  v.level = level;
  return v;
}

std::vector<uint32_t> MatchOf(RuleMatcher& m, const LogRecordView& v) {
  std::vector<uint32_t> out;
  m.Match(v, &out);
  return out;
}

TEST(RuleMatcherTest, LevelsPatternsAndRuleOrder) {
  auto m = RuleMatcher::Compile({Rule("errors", "", {Level::kError}), Rule("timeouts", "Timeout[a-z]{0,3}17"),
                                 Rule("ip", R"(\b\d{1,3}(\.\d{1,3}){3}\b)", {Level::kWarn, Level::kError}),
                                 Rule("http5xx", R"(HTTP 5\d\d)")});
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(MatchOf(**m, Record("Timeoutxy17 from 10.1.2.3 HTTP 503")), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(MatchOf(**m, Record("Timeoutxy17 from 10.1.2.3", Level::kInfo)), (std::vector<uint32_t>{1}));
  EXPECT_EQ(MatchOf(**m, Record("nothing here", Level::kWarn)), (std::vector<uint32_t>{}));
  EXPECT_EQ(MatchOf(**m, Record("", Level::kError)), (std::vector<uint32_t>{0}));
  EXPECT_TRUE((*m)->re2_only().empty());
}

TEST(RuleMatcherTest, FieldRulesTestTheirFieldOnly) {
  RuleConfig component = Rule("component", "^dfs\\.", {});
  component.field = "component";
  RuleConfig exact = Rule("exact", "", {});
  exact.field = "pid";
  exact.equals = "42";
  auto m = RuleMatcher::Compile({component, exact, Rule("message", "dfs")});
  ASSERT_TRUE(m.has_value()) << m.error().message();
  std::vector<std::pair<std::string, std::string>> fields = {{"component", "dfs.DataNode"}, {"pid", "42"}};
  LogRecordView v = Record("no such word");
  v.fields = FieldsView(fields);
  EXPECT_EQ(MatchOf(**m, v), (std::vector<uint32_t>{0, 1}));
  fields = {{"pid", "43"}};
  v = Record("dfs in the message");
  v.fields = FieldsView(fields);
  EXPECT_EQ(MatchOf(**m, v), (std::vector<uint32_t>{2}));
}

TEST(RuleMatcherTest, ABadRegexNamesItsRule) {
  auto m = RuleMatcher::Compile({Rule("broken", "a(b")});
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message().find("rule 'broken'"), std::string::npos) << m.error().message();
}

TEST(RuleMatcherTest, WhatHyperscanCannotCompileKeepsItsRe2) {
  // \C (any byte) is RE2's and not Hyperscan's.
  auto m = RuleMatcher::Compile({Rule("any-byte", R"(a\Cc)"), Rule("plain", "abc")});
  ASSERT_TRUE(m.has_value()) << m.error().message();
  ASSERT_EQ((*m)->re2_only().size(), 1u);
  EXPECT_EQ((*m)->re2_only()[0].rfind("any-byte: ", 0), 0u) << (*m)->re2_only()[0];
  EXPECT_EQ(MatchOf(**m, Record("xxabcxx")), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(MatchOf(**m, Record("axc")), (std::vector<uint32_t>{0}));
}

// The same answers as RE2::PartialMatch per rule, on random messages.
TEST(RuleMatcherTest, AgreesWithRe2PerRule) {
  const std::vector<std::string> patterns = {
      "[a-c][e-g][0-3]", "^ab", "c$", R"(\d+ms)", R"(\bword\b)", "x.y", "(?i)timeout", "é+", "[^a-z]{3}",
      R"(\w\s\w)", "a|bb|ccc", "z{2,4}"};
  std::vector<RuleConfig> rules;
  for (size_t i = 0; i < patterns.size(); ++i) rules.push_back(Rule("r" + std::to_string(i), patterns[i]));
  auto m = RuleMatcher::Compile(rules);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  std::vector<std::unique_ptr<RE2>> re2s;
  for (const std::string& p : patterns) re2s.push_back(std::make_unique<RE2>(p));
  const std::string alphabet = "abcefgxyz0123 ms\tTIMEOUTword.\n";
  std::mt19937 rng(7);
  for (int n = 0; n < 20000; ++n) {
    std::string message;
    const int length = static_cast<int>(rng() % 24);
    for (int k = 0; k < length; ++k) message += alphabet[rng() % alphabet.size()];
    if (rng() % 10 == 0) message += "é";
    std::vector<uint32_t> want;
    for (uint32_t r = 0; r < re2s.size(); ++r) {
      if (RE2::PartialMatch(message, *re2s[r])) want.push_back(r);
    }
    ASSERT_EQ(MatchOf(**m, Record(message)), want) << "message: '" << message << "'";
  }
}

}  // namespace
}  // namespace logstream
