#include "src/process/window_engine.h"

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/process/all_rules_aggregator.h"

namespace logstream {
namespace {

const TimeMs kT0 = *ParseRfc3339("2026-11-24T00:00:00Z");

TimeMs Sec(double s) { return kT0 + static_cast<TimeMs>(s * 1000); }

LogRecord Rec(std::string source, double sec, Level level, std::string message = "m",
              uint64_t offset = 0) {
  return LogRecord{std::move(source), "bucket/obj.log", offset, Sec(sec), level, "main", "app",
                   std::move(message)};
}

AggregateRow Row(double start, double end, std::string source, Level level, int64_t count) {
  return AggregateRow{Sec(start), Sec(end), std::move(source), level, count};
}

ProcessorConfig Config(TimeMs window, TimeMs slide, TimeMs lateness, std::vector<RuleConfig> rules = {}) {
  ProcessorConfig c;
  c.window = window;
  c.slide = slide;
  c.lateness = lateness;
  c.rules = std::move(rules);
  return c;
}

RuleConfig Rule(std::string name, std::vector<Level> levels, int64_t min_count,
                RulePer per = RulePer::kSource, std::string pattern = "", TimeMs cooldown = 0) {
  RuleConfig r;
  r.name = std::move(name);
  r.levels = std::move(levels);
  r.min_count = min_count;
  r.per = per;
  r.pattern = std::move(pattern);
  r.cooldown = cooldown;
  return r;
}

std::unique_ptr<WindowEngine> Engine(const ProcessorConfig& c, EngineOptions o = {}) {
  auto e = WindowEngine::Create(c, o);
  EXPECT_TRUE(e) << e.error().ToString();
  return std::move(*e);
}

std::vector<std::string> AlertIds(const std::vector<Alert>& alerts) {
  std::vector<std::string> ids;
  for (const Alert& a : alerts) ids.push_back(a.id + " count=" + std::to_string(a.count));
  return ids;
}

TEST(WindowEngineTest, TumblingHalfOpenWindows) {
  auto e = Engine(Config(10000, 0, 0));
  e->Feed(Rec("h1", 0, Level::kInfo));       // [0,10): start is inside
  e->Feed(Rec("h1", 5, Level::kError));
  e->Feed(Rec("h1", 9.999, Level::kInfo));
  EXPECT_TRUE(e->TakeOutputs().empty());
  e->Feed(Rec("h1", 10, Level::kInfo));      // [10,20): end is outside; watermark 10 closes [0,10)
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(0, 10, "h1", Level::kInfo, 2), Row(0, 10, "h1", Level::kError, 1)));
  e->Finish();
  EXPECT_THAT(e->TakeOutputs().aggregates, ::testing::ElementsAre(Row(10, 20, "h1", Level::kInfo, 1)));
  EXPECT_EQ(e->stats().windows_closed, 2);
  EXPECT_EQ(e->stats().records, 4);
}

TEST(WindowEngineTest, SlidingWindowsAlignedToEpoch) {
  auto e = Engine(Config(10000, 5000, 0));
  e->Feed(Rec("h1", 7, Level::kWarn));   // [0,10) and [5,15)
  e->Feed(Rec("h1", 12, Level::kWarn));  // [5,15) and [10,20); watermark 12 closes [0,10)
  EXPECT_THAT(e->TakeOutputs().aggregates, ::testing::ElementsAre(Row(0, 10, "h1", Level::kWarn, 1)));
  e->Feed(Rec("h1", 15, Level::kWarn));  // [10,20) and [15,25); closes [5,15)
  EXPECT_THAT(e->TakeOutputs().aggregates, ::testing::ElementsAre(Row(5, 15, "h1", Level::kWarn, 2)));
  e->Finish();
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(10, 20, "h1", Level::kWarn, 2), Row(15, 25, "h1", Level::kWarn, 1)));
}

TEST(WindowEngineTest, PerSourceWatermarksWithSkewedSources) {
  auto e = Engine(Config(10000, 0, 2000));
  for (int s = 0; s < 30; s += 3) e->Feed(Rec("h1", s, Level::kInfo));  // h1 first: 0..27
  // h1's watermark is 25: [0,10) and [10,20) are final for h1 only.
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(0, 10, "h1", Level::kInfo, 4), Row(10, 20, "h1", Level::kInfo, 3)));
  // h2 arrives a whole file later with old times: not late, its own windows are open.
  e->Feed(Rec("h2", 1, Level::kError));
  e->Feed(Rec("h2", 11, Level::kError));
  EXPECT_TRUE(e->TakeOutputs().empty());
  e->Feed(Rec("h2", 12, Level::kError));  // h2 watermark 10 closes h2's [0,10)
  auto out = e->TakeOutputs();
  EXPECT_THAT(out.aggregates, ::testing::ElementsAre(Row(0, 10, "h2", Level::kError, 1)));
  EXPECT_TRUE(out.late.empty());
  e->Finish();
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(10, 20, "h2", Level::kError, 2), Row(20, 30, "h1", Level::kInfo, 3)));
}

TEST(WindowEngineTest, LateRecordsAreCountedAndReturned) {
  auto e = Engine(Config(10000, 0, 2000));
  e->Feed(Rec("h1", 20, Level::kInfo));                   // watermark 18
  e->Feed(Rec("h1", 18, Level::kInfo));                   // at the watermark: counted in [10,20)
  e->Feed(Rec("h1", 17.999, Level::kError, "old", 42));  // older than the watermark: late
  e->Feed(Rec("h2", 1, Level::kInfo));                    // another source: its own watermark
  auto out = e->TakeOutputs();
  EXPECT_TRUE(out.aggregates.empty());
  EXPECT_THAT(out.late, ::testing::ElementsAre(Rec("h1", 17.999, Level::kError, "old", 42)));
  EXPECT_EQ(e->stats().late, 1);
  e->Finish();
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(0, 10, "h2", Level::kInfo, 1), Row(10, 20, "h1", Level::kInfo, 1),
                                     Row(20, 30, "h1", Level::kInfo, 1)));
  // After Finish every emitted window is closed for good.
  e->Feed(Rec("h1", 25, Level::kInfo));
  e->Feed(Rec("h3", 25, Level::kInfo));  // a new source is not late
  out = e->TakeOutputs();
  EXPECT_EQ(out.late.size(), 1u);
  EXPECT_TRUE(out.aggregates.empty());
}

TEST(WindowEngineTest, FieldRules) {
  RuleConfig equals = Rule("dn", {}, 2);
  equals.field = "component";
  equals.equals = "dfs.DataNode";
  RuleConfig pattern = Rule("slow", {Level::kWarn}, 1, RulePer::kSource, "^[0-9]{4,}$");
  pattern.field = "took_ms";
  RuleConfig present = Rule("has-pid", {}, 3);
  present.field = "pid";
  auto e = Engine(Config(10000, 0, 0, {equals, pattern, present}));
  auto rec = [](double sec, Level level, Fields fields, std::string message = "m") {
    LogRecord r = Rec("h1", sec, level, std::move(message));
    r.fields = std::move(fields);
    return r;
  };
  e->Feed(rec(1, Level::kInfo, {{"component", "dfs.DataNode"}, {"pid", "1"}}));
  e->Feed(rec(2, Level::kInfo, {{"component", "dfs.DataNode$PacketResponder"}, {"pid", "1"}}));
  e->Feed(rec(3, Level::kWarn, {{"took_ms", "999"}}, "12345"));  // the pattern tests the field
  EXPECT_TRUE(e->TakeOutputs().alerts.empty());
  e->Feed(rec(4, Level::kWarn, {{"took_ms", "12000"}}));
  e->Feed(rec(5, Level::kInfo, {{"component", "dfs.DataNode"}, {"pid", "2"}}));
  EXPECT_THAT(AlertIds(e->TakeOutputs().alerts),
              ::testing::ElementsAre("slow/h1/2026-11-24T00:00:00.000Z count=1",
                                     "dn/h1/2026-11-24T00:00:00.000Z count=2",
                                     "has-pid/h1/2026-11-24T00:00:00.000Z count=3"));
}

TEST(WindowEngineTest, RuleFiresEarlyOncePerWindow) {
  auto e = Engine(Config(10000, 0, 0, {Rule("burst", {Level::kError}, 3)}));
  e->Feed(Rec("h1", 1, Level::kError, "e1", 100));
  e->Feed(Rec("h1", 2, Level::kWarn, "w", 200));
  e->Feed(Rec("h1", 3, Level::kError, "e2", 300));
  EXPECT_TRUE(e->TakeOutputs().alerts.empty());
  e->Feed(Rec("h1", 4, Level::kError, "e3", 400));  // reaches 3 inside the open window
  auto out = e->TakeOutputs();
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_TRUE(out.aggregates.empty());  // the window is still open
  const Alert& a = out.alerts[0];
  EXPECT_EQ(a.id, "burst/h1/2026-11-24T00:00:00.000Z");
  EXPECT_EQ(a.rule, "burst");
  EXPECT_EQ(a.key, "h1");
  EXPECT_EQ(a.window_start, Sec(0));
  EXPECT_EQ(a.window_end, Sec(10));
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(a.threshold, 3);
  EXPECT_THAT(a.samples, ::testing::ElementsAre(
                             AlertSample{"bucket/obj.log", 100, Sec(1), Level::kError, "e1"},
                             AlertSample{"bucket/obj.log", 300, Sec(3), Level::kError, "e2"},
                             AlertSample{"bucket/obj.log", 400, Sec(4), Level::kError, "e3"}));
  std::string json;
  AppendAlertJson(a, &json);
  EXPECT_EQ(json,
            R"({"id":"burst/h1/2026-11-24T00:00:00.000Z","rule":"burst","key":"h1",)"
            R"("window_start":"2026-11-24T00:00:00.000Z","window_end":"2026-11-24T00:00:10.000Z",)"
            R"("count":3,"threshold":3,"samples":[)"
            R"({"object":"bucket/obj.log","offset":100,"time":"2026-11-24T00:00:01.000Z","level":"ERROR","message":"e1"},)"
            R"({"object":"bucket/obj.log","offset":300,"time":"2026-11-24T00:00:03.000Z","level":"ERROR","message":"e2"},)"
            R"({"object":"bucket/obj.log","offset":400,"time":"2026-11-24T00:00:04.000Z","level":"ERROR","message":"e3"}]})");
  for (int i = 0; i < 5; ++i) e->Feed(Rec("h1", 5 + i * 0.1, Level::kError));
  EXPECT_TRUE(e->TakeOutputs().alerts.empty());  // once per window
  e->Feed(Rec("h2", 5, Level::kError));
  for (int i = 0; i < 3; ++i) e->Feed(Rec("h1", 10 + i, Level::kError));  // next window fires again
  out = e->TakeOutputs();
  EXPECT_THAT(AlertIds(out.alerts), ::testing::ElementsAre("burst/h1/2026-11-24T00:00:10.000Z count=3"));
  EXPECT_THAT(out.aggregates, ::testing::ElementsAre(Row(0, 10, "h1", Level::kWarn, 1),
                                                     Row(0, 10, "h1", Level::kError, 8)));
  std::string row;
  AppendAggregateJson(out.aggregates[1], &row);
  EXPECT_EQ(row, R"({"window_start":"2026-11-24T00:00:00.000Z","window_end":"2026-11-24T00:00:10.000Z",)"
                 R"("source":"h1","level":"ERROR","count":8})");
  EXPECT_EQ(e->stats().alerts, 2);
}

TEST(WindowEngineTest, SlidingRuleFiresPerWindow) {
  auto e = Engine(Config(10000, 5000, 0, {Rule("burst", {Level::kError}, 2)}));
  e->Feed(Rec("h1", 6, Level::kError));
  e->Feed(Rec("h1", 8, Level::kError));  // [0,10) and [5,15) both reach 2
  EXPECT_THAT(AlertIds(e->TakeOutputs().alerts),
              ::testing::ElementsAre("burst/h1/2026-11-24T00:00:00.000Z count=2",
                                     "burst/h1/2026-11-24T00:00:05.000Z count=2"));
}

TEST(WindowEngineTest, CooldownInEventTime) {
  auto e = Engine(Config(10000, 0, 0, {Rule("r", {Level::kError}, 1, RulePer::kSource, "", 15000)}));
  e->Feed(Rec("h1", 1, Level::kError));   // fires [0,10)
  e->Feed(Rec("h1", 12, Level::kError));  // [10,20) reaches 1 but 12 < 1 + 15: suppressed
  e->Feed(Rec("h2", 12, Level::kError));  // another key has its own cooldown
  e->Feed(Rec("h1", 16, Level::kError));  // cooldown over: [10,20) fires with its count now
  e->Feed(Rec("h1", 25, Level::kError));  // 25 < 16 + 15: suppressed
  e->Feed(Rec("h1", 31, Level::kError));  // fires [30,40)
  EXPECT_THAT(AlertIds(e->TakeOutputs().alerts),
              ::testing::ElementsAre("r/h1/2026-11-24T00:00:00.000Z count=1",
                                     "r/h2/2026-11-24T00:00:10.000Z count=1",
                                     "r/h1/2026-11-24T00:00:10.000Z count=2",
                                     "r/h1/2026-11-24T00:00:30.000Z count=1"));
}

TEST(WindowEngineTest, RegexRuleCountsMatchingRecords) {
  auto e = Engine(Config(10000, 0, 0, {Rule("timeouts", {}, 3, RulePer::kSource, "time(d)? out")}));
  e->Feed(Rec("h1", 1, Level::kInfo, "connection timed out, timed out again"));  // one record, one count
  e->Feed(Rec("h1", 2, Level::kWarn, "read timeout"));
  e->Feed(Rec("h1", 3, Level::kDebug, "all fine"));
  e->Feed(Rec("h1", 4, Level::kError, "time out"));
  EXPECT_TRUE(e->TakeOutputs().alerts.empty());
  e->Feed(Rec("h1", 5, Level::kTrace, "the write timed out"));
  auto out = e->TakeOutputs();
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].count, 3);
  ASSERT_EQ(out.alerts[0].samples.size(), 3u);
  EXPECT_EQ(out.alerts[0].samples[1].message, "time out");
  EXPECT_EQ(out.alerts[0].samples[1].level, Level::kError);
}

TEST(WindowEngineTest, LevelsAndPatternTogether) {
  auto e = Engine(Config(10000, 0, 0, {Rule("r", {Level::kWarn, Level::kError}, 2, RulePer::kSource, "disk")}));
  e->Feed(Rec("h1", 1, Level::kInfo, "disk full"));  // wrong level
  e->Feed(Rec("h1", 2, Level::kWarn, "cpu hot"));    // no match
  e->Feed(Rec("h1", 3, Level::kWarn, "disk slow"));
  e->Feed(Rec("h1", 4, Level::kError, "disk full"));
  EXPECT_THAT(AlertIds(e->TakeOutputs().alerts), ::testing::ElementsAre("r/h1/2026-11-24T00:00:00.000Z count=2"));
}

TEST(WindowEngineTest, PerAllWaitsForTheSlowestSource) {
  auto e = Engine(Config(10000, 0, 0, {Rule("all", {Level::kError}, 3, RulePer::kAll)}));
  e->Feed(Rec("h1", 1, Level::kError));
  e->Feed(Rec("h2", 1, Level::kInfo));
  e->Feed(Rec("h1", 30, Level::kInfo));  // h1 is far ahead; h2 still holds [0,10) open
  e->TakeOutputs();
  e->Feed(Rec("h2", 2, Level::kError));
  e->Feed(Rec("h2", 3, Level::kError));
  auto out = e->TakeOutputs();
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].id, "all/*/2026-11-24T00:00:00.000Z");
  EXPECT_EQ(out.alerts[0].key, "*");
  EXPECT_EQ(out.alerts[0].count, 3);
}

TEST(WindowEngineTest, BacklogHoldsAllWindowsForSourcesNotReadYet) {
  auto e = Engine(Config(10000, 0, 0, {Rule("all", {Level::kError}, 3, RulePer::kAll)}));
  e->SetBacklog(true);
  // h1's whole file before h2's: h1 alone is far past [0,10).
  e->Feed(Rec("h1", 1, Level::kError));
  e->Feed(Rec("h1", 30, Level::kInfo));
  EXPECT_TRUE(e->TakeOutputs().alerts.empty());
  e->Feed(Rec("h2", 2, Level::kError));
  e->Feed(Rec("h2", 3, Level::kError));
  auto out = e->TakeOutputs();
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].id, "all/*/2026-11-24T00:00:00.000Z");
  // Without a backlog the sources seen so far decide: h1 and h2 past [0,10)
  // make it final, and a third host's errors there no longer count.
  e->SetBacklog(false);
  e->Feed(Rec("h2", 40, Level::kInfo));
  e->TakeOutputs();
  e->Feed(Rec("h3", 4, Level::kError));
  e->Feed(Rec("h3", 5, Level::kError));
  e->Feed(Rec("h3", 6, Level::kError));
  EXPECT_TRUE(e->TakeOutputs().alerts.empty());
}

TEST(WindowEngineTest, IdleSourceStopsHoldingBackAllWindows) {
  ProcessorConfig c = Config(10000, 0, 0, {Rule("all", {Level::kError}, 2, RulePer::kAll)});
  c.idle_timeout = 30000;
  auto e = Engine(c);
  e->Feed(Rec("h1", 1, Level::kError));
  e->Feed(Rec("h2", 1, Level::kInfo));
  e->AdvanceIdle(1000);               // both seen
  e->Feed(Rec("h1", 30, Level::kInfo));
  e->AdvanceIdle(20000);              // h2 silent for 19s: still active
  e->AdvanceIdle(30999, false);
  e->Feed(Rec("h1", 31, Level::kInfo));
  e->AdvanceIdle(31000, false);       // h2 silent 30s: idle, but the input has a backlog
  auto out = e->TakeOutputs();
  EXPECT_THAT(out.aggregates, ::testing::ElementsAre(Row(0, 10, "h1", Level::kError, 1)));
  // h2 no longer holds back [0,10) of the all-sources rule: it is final, and h2's
  // errors in it (not late for h2 itself) no longer count toward the rule.
  e->Feed(Rec("h2", 2, Level::kError));
  e->Feed(Rec("h2", 3, Level::kError));
  out = e->TakeOutputs();
  EXPECT_TRUE(out.alerts.empty());
  EXPECT_TRUE(out.late.empty());
  // Silent and caught up: a source's own windows close.
  e->AdvanceIdle(40000, true);  // h2 was fed since the last tick: active
  EXPECT_TRUE(e->TakeOutputs().aggregates.empty());
  e->AdvanceIdle(70000, true);
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(30, 40, "h1", Level::kInfo, 2), Row(0, 10, "h2", Level::kInfo, 1),
                                     Row(0, 10, "h2", Level::kError, 2)));
  e->Feed(Rec("h2", 5, Level::kInfo));  // its window was emitted: late
  EXPECT_EQ(e->TakeOutputs().late.size(), 1u);
}

TEST(WindowEngineTest, FiniteInputIgnoresIdlenessAndHoldsAllWindows) {
  EngineOptions o;
  o.finite_input = true;
  auto e = Engine(Config(10000, 0, 0, {Rule("all", {Level::kError}, 2, RulePer::kAll)}), o);
  e->Feed(Rec("h1", 1, Level::kError));
  e->Feed(Rec("h1", 50, Level::kInfo));
  e->AdvanceIdle(0);
  e->AdvanceIdle(1000000);
  e->TakeOutputs();
  e->Feed(Rec("h2", 2, Level::kError));  // h2 arrives after h1's whole input
  auto out = e->TakeOutputs();
  EXPECT_THAT(AlertIds(out.alerts), ::testing::ElementsAre("all/*/2026-11-24T00:00:00.000Z count=2"));
  e->Finish();
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(0, 10, "h2", Level::kError, 1), Row(50, 60, "h1", Level::kInfo, 1)));
}

TEST(WindowEngineTest, FinishEmitsEverythingSorted) {
  auto e = Engine(Config(10000, 5000, 60000));
  e->Feed(Rec("b", 3, Level::kError));
  e->Feed(Rec("a", 8, Level::kInfo));
  e->Feed(Rec("a", 8, Level::kDebug));
  e->Finish();
  EXPECT_THAT(e->TakeOutputs().aggregates,
              ::testing::ElementsAre(Row(-5, 5, "b", Level::kError, 1), Row(0, 10, "a", Level::kDebug, 1),
                                     Row(0, 10, "a", Level::kInfo, 1), Row(0, 10, "b", Level::kError, 1),
                                     Row(5, 15, "a", Level::kDebug, 1), Row(5, 15, "a", Level::kInfo, 1)));
  EXPECT_EQ(e->stats().windows_closed, 4);  // (window, source) cells
}

// A deterministic, skewed input: 5 sources, mostly in order per source, some
// records late, a few matching the regex rule.
std::vector<LogRecord> RandomInput(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<double> clock = {0, 3, 7, 1, 20};
  std::vector<LogRecord> out;
  const char* messages[] = {"ok", "disk full", "timed out", "retrying"};
  for (int i = 0; i < n; ++i) {
    int s = static_cast<int>(rng() % 5);
    clock[s] += (rng() % 1000) / 400.0;
    double t = clock[s] - ((rng() % 10 == 0) ? (rng() % 6000) / 1000.0 : 0);
    Level level = kAllLevels[rng() % kLevelCount];
    out.push_back(Rec("host-" + std::to_string(s), t, level, messages[rng() % 4], i));
  }
  return out;
}

ProcessorConfig RichConfig() {
  return Config(10000, 5000, 2000,
                {Rule("errors", {Level::kError, Level::kFatal}, 3, RulePer::kSource, "", 4000),
                 Rule("timeouts", {}, 4, RulePer::kAll, "timed out"),
                 Rule("disk", {Level::kWarn}, 2, RulePer::kAll, "disk", 7000)});
}

void Append(EngineOutputs& to, EngineOutputs from) {
  to.aggregates.insert(to.aggregates.end(), from.aggregates.begin(), from.aggregates.end());
  to.alerts.insert(to.alerts.end(), from.alerts.begin(), from.alerts.end());
  to.late.insert(to.late.end(), from.late.begin(), from.late.end());
}

void ExpectSameOutputs(const EngineOutputs& a, const EngineOutputs& b, int split) {
  EXPECT_EQ(a.aggregates, b.aggregates) << "split at " << split;
  EXPECT_EQ(a.alerts, b.alerts) << "split at " << split;
  EXPECT_EQ(a.late, b.late) << "split at " << split;
}

class SnapshotTest : public ::testing::TestWithParam<bool> {};

TEST_P(SnapshotTest, RestoreAtEverySplitMatchesUninterruptedRun) {
  EngineOptions o;
  o.finite_input = GetParam();
  const std::vector<LogRecord> input = RandomInput(400, 7);
  auto run = [&](WindowEngine& e, size_t from, size_t to, EngineOutputs& out) {
    for (size_t i = from; i < to; ++i) {
      e.Feed(input[i]);
      if (i % 7 == 0) e.AdvanceIdle(static_cast<TimeMs>(i) * 1000, i % 2 == 0);
      Append(out, e.TakeOutputs());
    }
  };
  auto whole = Engine(RichConfig(), o);
  EngineOutputs expected;
  run(*whole, 0, input.size(), expected);
  whole->Finish();
  Append(expected, whole->TakeOutputs());
  ASSERT_GT(expected.alerts.size(), 5u);
  ASSERT_GT(expected.late.size(), 5u);
  ASSERT_GT(expected.aggregates.size(), 50u);

  for (size_t split = 0; split <= input.size(); ++split) {
    auto first = Engine(RichConfig(), o);
    EngineOutputs got;
    std::map<std::string, std::string> topic;  // a compacted state topic
    size_t mid = split / 2;
    run(*first, 0, mid, got);
    for (auto& [k, v] : first->TakeStateChanges()) topic[k] = v;
    run(*first, mid, split, got);
    for (auto& [k, v] : first->TakeStateChanges()) topic[k] = v;
    ASSERT_EQ(topic, first->State()) << "split at " << split;
    auto second = Engine(RichConfig(), o);
    ASSERT_TRUE(second->RestoreState(topic).ok());
    // Idle detection restarts from the next tick; feed ticks as before.
    run(*second, split, input.size(), got);
    second->Finish();
    Append(got, second->TakeOutputs());
    ExpectSameOutputs(expected, got, static_cast<int>(split));
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(FiniteAndStreaming, SnapshotTest, ::testing::Bool());

TEST(WindowEngineTest, StateChangesOnlyNameChangedSources) {
  auto e = Engine(RichConfig());
  e->Feed(Rec("a", 1, Level::kInfo));
  e->Feed(Rec("b", 1, Level::kInfo));
  auto changes = e->TakeStateChanges();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].first, "global");
  EXPECT_EQ(changes[1].first, "source/a");
  e->Feed(Rec("b", 2, Level::kInfo));
  changes = e->TakeStateChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].first, "source/b");
  EXPECT_TRUE(e->TakeStateChanges().empty());
}

TEST(WindowEngineTest, RestoreRejectsOtherWindowsAndCorruptState) {
  auto e = Engine(RichConfig());
  e->Feed(Rec("a", 1, Level::kError));
  auto state = e->State();
  ProcessorConfig other = RichConfig();
  other.window = 20000;
  auto e2 = Engine(other);
  Status s = e2->RestoreState(state);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("window 10s"));
  auto corrupt = state;
  corrupt["source/a"].pop_back();
  EXPECT_EQ(Engine(RichConfig())->RestoreState(corrupt).code(), StatusCode::kDataLoss);
  corrupt = state;
  corrupt.erase("global");
  EXPECT_EQ(Engine(RichConfig())->RestoreState(corrupt).code(), StatusCode::kDataLoss);
  // Rules are matched by name; a renamed rule starts afresh.
  ProcessorConfig renamed = RichConfig();
  renamed.rules[0].name = "errors2";
  EXPECT_TRUE(Engine(renamed)->RestoreState(state).ok());
  EXPECT_TRUE(Engine(RichConfig())->RestoreState({}).ok());
}

TEST(WindowEngineTest, RestoreMatchesRulesByNameInAnyOrder) {
  auto e = Engine(
      Config(10000, 0, 0, {Rule("x", {Level::kError}, 3), Rule("y", {Level::kError}, 9)}));
  e->Feed(Rec("h1", 1, Level::kError, "e1", 100));
  e->Feed(Rec("h1", 2, Level::kError, "e2", 200));
  // "x" moves to the second place, "y" goes, "z" is new (counts from the restore on).
  auto r = Engine(
      Config(10000, 0, 0, {Rule("z", {Level::kError}, 2), Rule("x", {Level::kError}, 3)}));
  ASSERT_TRUE(r->RestoreState(e->State()).ok());
  r->Feed(Rec("h1", 3, Level::kError, "e3", 300));
  auto out = r->TakeOutputs();
  EXPECT_THAT(AlertIds(out.alerts),
              ::testing::ElementsAre("x/h1/2026-11-24T00:00:00.000Z count=3"));
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].samples.size(), 3u);
  EXPECT_EQ(out.alerts[0].samples[0].offset, 100u);
  r->Feed(Rec("h1", 4, Level::kError, "e4", 400));
  EXPECT_THAT(AlertIds(r->TakeOutputs().alerts),
              ::testing::ElementsAre("z/h1/2026-11-24T00:00:00.000Z count=2"));
}

// per = "all" across partitions: two partial engines (one per source) and
// an aggregator fire what one engine over both sources fires, and a
// restored aggregator does not fire a window twice.
TEST(WindowEngineTest, PartialEnginesAndAggregatorFireLikeOneEngine) {
  const ProcessorConfig c = Config(10000, 0, 0, {Rule("all-errors", {Level::kError}, 5, RulePer::kAll)});
  EngineOptions partial;
  partial.partial_all_rules = true;
  auto whole = Engine(c);
  auto e0 = Engine(c, partial), e1 = Engine(c, partial);
  auto agg = AllRulesAggregator::Create(c);
  ASSERT_TRUE(agg);
  // Window [0,10): 3 + 3 errors (fires at the 5th); [10,20): 2 + 2 (never).
  std::vector<std::pair<int, LogRecord>> feed;
  for (int i = 0; i < 3; ++i) {
    feed.push_back({0, Rec("h0", 1 + i, Level::kError, "a", i)});
    feed.push_back({1, Rec("h1", 1 + i, Level::kError, "b", i)});
  }
  for (int i = 0; i < 2; ++i) {
    feed.push_back({0, Rec("h0", 11 + i, Level::kError)});
    feed.push_back({1, Rec("h1", 11 + i, Level::kError)});
  }
  std::vector<Alert> fired;
  std::map<std::string, std::string> agg_state;
  for (size_t i = 0; i < feed.size(); ++i) {
    whole->Feed(feed[i].second);
    WindowEngine& e = feed[i].first == 0 ? *e0 : *e1;
    e.Feed(feed[i].second);
    e.TakeOutputs();
    AllPartials partials = e.TakeAllPartials();
    auto decoded = DecodeAllPartials(EncodeAllPartials(feed[i].first, partials));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->first, feed[i].first);
    EXPECT_EQ(decoded->second.cells, partials.cells);
    (*agg)->Add(decoded->first, decoded->second);
    for (auto& a : (*agg)->TakeAlerts()) fired.push_back(std::move(a));
    for (auto& [k, v] : (*agg)->TakeStateChanges()) {
      if (v.empty()) {
        agg_state.erase(k);
      } else {
        agg_state[k] = v;
      }
    }
  }
  EXPECT_EQ(AlertIds(fired), AlertIds(whole->TakeOutputs().alerts));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].key, "*");
  EXPECT_EQ(fired[0].count, 5);
  EXPECT_EQ(fired[0].samples.size(), 3u);
  // Restored, the aggregator remembers the window fired and its counts.
  auto restored = AllRulesAggregator::Create(c);
  ASSERT_TRUE(restored);
  ASSERT_TRUE((*restored)->RestoreState(agg_state).ok());
  AllPartials more;
  more.cells.push_back(AllRulePartial{"all-errors", Sec(0), 1, Sec(5), {}});
  more.cells.push_back(AllRulePartial{"all-errors", Sec(10), 1, Sec(15), {}});
  (*restored)->Add(0, more);
  auto late = (*restored)->TakeAlerts();
  ASSERT_EQ(late.size(), 1u);  // [10,20) reaches 5 now; [0,10) fired before
  EXPECT_EQ(late[0].window_start, Sec(10));
  EXPECT_EQ(late[0].count, 5);
  EXPECT_FALSE(DecodeAllPartials("garbage").has_value());
}

// A partition with many open per = "all" windows keeps its global state in
// values of at most 256 KiB (a broker's message limit is 1 MB), restores
// from them, and deletes the values it no longer needs.
TEST(WindowEngineTest, LargeGlobalStateIsSplitIntoChunks) {
  const ProcessorConfig c = Config(10000, 0, 0, {Rule("all-errors", {Level::kError}, 5, RulePer::kAll)});
  EngineOptions o;
  o.partial_all_rules = true;
  o.finite_input = true;  // per = "all" windows stay open until Finish
  auto e = Engine(c, o);
  for (int i = 0; i < 40000; ++i) e->Feed(Rec("h" + std::to_string(i % 7), i * 10.0, Level::kError));
  e->TakeOutputs();
  e->TakeAllPartials();
  auto changes = e->TakeStateChanges();
  std::map<std::string, std::string> state(changes.begin(), changes.end());
  ASSERT_TRUE(state.contains("global/1"));
  for (const auto& [key, value] : state) EXPECT_LE(value.size(), 256u << 10) << key;
  EXPECT_EQ(state, e->State());

  auto restored = Engine(c, o);
  ASSERT_TRUE(restored->RestoreState(state).ok());
  EXPECT_EQ(restored->State(), state);
  e->Finish();
  restored->Finish();
  EXPECT_EQ(e->TakeAllPartials().cells.size(), restored->TakeAllPartials().cells.size());
  changes = restored->TakeStateChanges();
  std::map<std::string, std::string> after(changes.begin(), changes.end());
  EXPECT_EQ(after["global/1"], "");  // deleted: the global entry fits in one value again
}

}  // namespace
}  // namespace logstream
