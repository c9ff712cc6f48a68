// Log templates in the WindowEngine (template_stage.h): counts per window and
// source, the template rules, alerts' top templates and the state.
#include <random>

#include <gtest/gtest.h>

#include "src/process/window_engine.h"

namespace logstream {
// Named: a unity build compiles this file with others of its test target.
namespace engine_templates_test {
namespace {

const TimeMs kT0 = *ParseRfc3339("2026-11-24T00:00:00Z");

LogRecord Rec(std::string source, double sec, Level level, std::string message, uint64_t offset = 0) {
  return LogRecord{source, source + "/2026-11-24/a.log", offset, kT0 + static_cast<TimeMs>(sec * 1000),
                   level, "main", "app", std::move(message)};
}

RuleConfig TemplateRule(std::string name, RuleKind kind) {
  RuleConfig r;
  r.name = std::move(name);
  r.kind = kind;
  return r;
}

std::unique_ptr<WindowEngine> Engine(std::vector<RuleConfig> rules) {
  ProcessorConfig c;  // tumbling 10 s, lateness 2 s
  c.rules = std::move(rules);
  EngineOptions o;
  o.templates = TemplateOptions{};
  auto e = WindowEngine::Create(c, o);
  EXPECT_TRUE(e) << e.error().ToString();
  return std::move(*e);
}

// "Connection to 10.0.0.N refused after N retries" and "Disk /dN full".
std::string Refused(int i) {
  return "Connection to 10.0.0." + std::to_string(i % 250) + " refused after " + std::to_string(i % 7) + " retries";
}

TEST(EngineTemplatesTest, CountsPerWindowAndSourceAtWarnAndAbove) {
  auto e = Engine({});
  for (int i = 0; i < 30; ++i) {
    e->Feed(Rec("h1", i * 0.5, i % 3 == 0 ? Level::kInfo : Level::kWarn, Refused(i)));
    e->Feed(Rec("h2", i * 0.5, Level::kError, "Disk /data/" + std::to_string(i) + " full"));
  }
  e->Finish();
  EngineOutputs out = e->TakeOutputs();
  std::map<std::string, int64_t> counts;  // "source window template" -> count
  for (const TemplateRow& t : out.templates) {
    counts[t.source + " " + std::to_string((t.window_start - kT0) / 1000) + " " + *t.text] += t.count;
    EXPECT_EQ(t.window_end - t.window_start, 10000);
  }
  // h1: 20 WARN of 30 (the INFO ones are not mined), h2: 30 ERROR.
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{
                        {"h1 0 Connection to <*> refused after <*> retries", 13},
                        {"h1 10 Connection to <*> refused after <*> retries", 7},
                        {"h2 0 Disk <*> full", 20},
                        {"h2 10 Disk <*> full", 10}}));
}

TEST(EngineTemplatesTest, NewTemplateFiresOnceAfterTheWarmUp) {
  RuleConfig rule = TemplateRule("new", RuleKind::kNewTemplate);
  rule.warmup = 60000;
  auto e = Engine({rule});
  e->Feed(Rec("h1", 0, Level::kError, Refused(1)));
  e->Feed(Rec("h1", 30, Level::kError, "Disk /data/1 full"));  // new, but in the warm-up
  e->Feed(Rec("h1", 61, Level::kError, Refused(2)));           // known
  e->Feed(Rec("h1", 62, Level::kInfo, "Cache cleared in 5 ms"));  // not mined
  e->Feed(Rec("h1", 63, Level::kError, "Leader lost, starting election", 77));
  e->Feed(Rec("h1", 64, Level::kError, "Leader lost, starting election"));
  e->Feed(Rec("h2", 65, Level::kWarn, "Disk /data/9 full"));  // known to the partition
  e->Finish();
  EngineOutputs out = e->TakeOutputs();
  ASSERT_EQ(out.alerts.size(), 1u);
  const Alert& a = out.alerts[0];
  EXPECT_EQ(a.rule, "new");
  EXPECT_EQ(a.key, "h1");
  ASSERT_EQ(a.templates.size(), 1u);
  EXPECT_EQ(a.templates[0].text, "Leader lost, starting election");
  EXPECT_EQ(a.id, "new/h1/" + TemplateIdHex(a.templates[0].id));
  EXPECT_EQ(a.samples.at(0).offset, 77u);
  EXPECT_EQ(a.window_start, kT0 + 60000);
}

TEST(EngineTemplatesTest, TemplateSpikeAgainstTheMeanOfThePreviousWindows) {
  RuleConfig rule = TemplateRule("spike", RuleKind::kTemplateSpike);
  rule.factor = 3;
  rule.history = 3;
  rule.min_count = 5;
  auto e = Engine({rule});
  // Windows 0..3: 2, 2, 2, then 12 of one template (mean 2: 12 >= 6);
  // window 4: 5 (mean of 2, 2, 12 is 5.3: 5 < 16), and 5 of a template never
  // seen before (mean 0: it fires once it reaches min_count).
  const int per_window[] = {2, 2, 2, 12, 5};
  for (int w = 0; w < 5; ++w) {
    for (int i = 0; i < per_window[w]; ++i) e->Feed(Rec("h1", w * 10 + i * 0.5, Level::kError, Refused(i)));
  }
  for (int i = 0; i < 5; ++i) e->Feed(Rec("h1", 45 + i * 0.5, Level::kError, "Disk /data/" + std::to_string(i) + " full"));
  e->Finish();
  EngineOutputs out = e->TakeOutputs();
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.alerts[0].window_start, kT0 + 30000);
  EXPECT_EQ(out.alerts[0].count, 12);
  EXPECT_EQ(out.alerts[0].threshold, 6);
  EXPECT_EQ(out.alerts[0].templates.at(0).text, "Connection to <*> refused after <*> retries");
  EXPECT_EQ(out.alerts[0].id, "spike/h1/2026-11-24T00:00:30.000Z/" + TemplateIdHex(out.alerts[0].templates.at(0).id));
  EXPECT_EQ(out.alerts[1].window_start, kT0 + 40000);
  EXPECT_EQ(out.alerts[1].count, 5);
  EXPECT_EQ(out.alerts[1].threshold, 5);
  EXPECT_EQ(out.alerts[1].templates.at(0).text, "Disk <*> full");
}

TEST(EngineTemplatesTest, CountAlertsCarryTheirWindowsTopTemplates) {
  RuleConfig burst;
  burst.levels = {Level::kError, Level::kWarn};
  burst.min_count = 6;
  auto e = Engine({burst});
  for (int i = 0; i < 3; ++i) e->Feed(Rec("h1", i * 0.1, Level::kWarn, "Disk /data/1 full", i));
  e->Feed(Rec("h1", 1, Level::kError, "Leader lost, starting election", 10));
  e->Feed(Rec("h1", 1.5, Level::kError, Refused(1), 11));
  e->Feed(Rec("h1", 2, Level::kError, Refused(2), 12));
  EngineOutputs out = e->TakeOutputs();
  ASSERT_EQ(out.alerts.size(), 1u);
  const auto& t = out.alerts[0].templates;
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].text, "Disk <*> full");
  EXPECT_EQ(t[0].count, 3);
  EXPECT_EQ(t[0].sample.offset, 0u);
  EXPECT_EQ(t[1].count, 2);
  EXPECT_EQ(t[1].text, "Connection to <*> refused after <*> retries");
  EXPECT_EQ(t[1].sample.offset, 11u);
  EXPECT_EQ(t[2].count, 1);
}

// A restore from the state at any point continues exactly as the engine would have.
TEST(EngineTemplatesTest, StateRestoresMinersCountsAndHistory) {
  RuleConfig spike = TemplateRule("spike", RuleKind::kTemplateSpike);
  spike.min_count = 3;
  RuleConfig fresh = TemplateRule("new", RuleKind::kNewTemplate);
  fresh.warmup = 20000;
  std::vector<LogRecord> input;
  for (int i = 0; i < 400; ++i) {
    const std::string source = "h" + std::to_string(i % 3);
    std::string message = i % 5 == 0 ? "Disk /data/" + std::to_string(i) + " full"
                          : i % 7 == 0 ? "Worker " + std::string(1, static_cast<char>('a' + i % 20)) + " stalled"
                                       : Refused(i);
    input.push_back(Rec(source, i * 0.25, i % 4 == 0 ? Level::kInfo : Level::kError, message, i));
  }
  auto whole = Engine({spike, fresh});
  for (const LogRecord& r : input) whole->Feed(r);
  whole->Finish();
  const EngineOutputs expected = whole->TakeOutputs();
  ASSERT_FALSE(expected.templates.empty());
  ASSERT_FALSE(expected.alerts.empty());

  for (size_t cut : {1u, 57u, 200u, 399u}) {
    auto first = Engine({spike, fresh});
    for (size_t i = 0; i < cut; ++i) first->Feed(input[i]);
    EngineOutputs got = first->TakeOutputs();
    std::map<std::string, std::string> state;
    for (auto& [k, v] : first->TakeStateChanges()) state[k] = v;
    EXPECT_EQ(state, first->State());
    auto second = Engine({spike, fresh});
    ASSERT_TRUE(second->RestoreState(state).ok());
    for (size_t i = cut; i < input.size(); ++i) second->Feed(input[i]);
    second->Finish();
    EngineOutputs rest = second->TakeOutputs();
    got.templates.insert(got.templates.end(), rest.templates.begin(), rest.templates.end());
    got.alerts.insert(got.alerts.end(), rest.alerts.begin(), rest.alerts.end());
    EXPECT_EQ(got.templates, expected.templates) << "cut " << cut;
    EXPECT_EQ(got.alerts, expected.alerts) << "cut " << cut;
  }
}

// Random text: thousands of templates, a miner state larger than a broker
// message may be, written in chunks and restored from them.
TEST(EngineTemplatesTest, LargeMinerStateIsChunked) {
  auto e = Engine({});
  std::mt19937 rng(1);
  for (int i = 0; i < 8000; ++i) {
    std::string message;
    for (int c = 0; c < 60; ++c) message += "abcdefghijklmnopqrstuvwxyz   "[rng() % 29];
    e->Feed(Rec("h1", i * 0.01, Level::kError, message));
  }
  std::map<std::string, std::string> state;
  size_t chunks = 0;
  for (auto& [k, v] : e->TakeStateChanges()) {
    EXPECT_LE(v.size(), 256u << 10) << k;
    chunks += k.starts_with("templates/f/auto");
    state[k] = v;
  }
  EXPECT_GE(chunks, 2u);
  auto restored = Engine({});
  ASSERT_TRUE(restored->RestoreState(state).ok());
  EXPECT_EQ(restored->State(), e->State());
}

TEST(EngineTemplatesTest, TemplateRulesNeedTemplates) {
  ProcessorConfig c;
  c.rules = {TemplateRule("new", RuleKind::kNewTemplate)};
  auto e = WindowEngine::Create(c, EngineOptions{});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("needs log templates"), std::string::npos);
  c.rules[0].per = RulePer::kAll;
  EXPECT_FALSE(ValidateProcessorConfig(c).ok());
}

}  // namespace
}  // namespace engine_templates_test
}  // namespace logstream
