#include "src/process/processor.h"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/log/memory_log.h"
#include "src/record/json.h"

namespace logstream {
// Named: a unity build compiles this file with others of its test target.
namespace processor_test {
namespace {

const TimeMs kT0 = *ParseRfc3339("2026-11-24T00:00:00Z");

// 3 hosts over 2 partitions, 60 s of data, an error burst on host-1.
std::vector<LogRecord> Input() {
  std::vector<LogRecord> out;
  for (int i = 0; i < 600; ++i) {
    for (int h = 0; h < 3; ++h) {
      Level level = (i % 7 == 0) ? Level::kWarn : Level::kInfo;
      if (h == 1 && i >= 200 && i < 230) level = Level::kError;
      out.push_back(LogRecord{"host-" + std::to_string(h), "host-" + std::to_string(h) + "/0001.log",
                              static_cast<uint64_t>(i * 100), kT0 + i * 100 + h, level, "main",
                              "app", "line " + std::to_string(i)});
    }
  }
  return out;
}

void Publish(Log& log, const std::vector<LogRecord>& records, size_t chunk = 250) {
  TopicOptions o;
  o.partitions = 2;
  ASSERT_TRUE(log.EnsureTopic("logs", o).ok());
  for (size_t i = 0; i < records.size(); i += chunk) {
    auto txn = log.Begin("ingest");
    ASSERT_TRUE(txn);
    for (size_t j = i; j < std::min(records.size(), i + chunk); ++j) {
      ASSERT_TRUE((*txn)->Append("logs", records[j].source, RecordToJson(records[j])).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
}

std::vector<std::string> Values(Log& log, std::string_view topic) {
  std::vector<std::string> values;
  auto info = log.DescribeTopic(topic);
  if (!info) return values;
  for (int p = 0; p < info->partitions; ++p) {
    auto entries = log.Read(topic, p, 0, 1 << 20, 0);
    EXPECT_TRUE(entries);
    for (auto& e : *entries) values.push_back(e.value);
  }
  return values;
}

// Aggregate lines computed without the engine.
std::multiset<std::string> ExpectedAggregates(const std::vector<LogRecord>& records, TimeMs window) {
  std::map<std::tuple<TimeMs, std::string, Level>, int64_t> counts;
  for (const LogRecord& r : records) ++counts[{FloorDiv(r.time, window) * window, r.source, r.level}];
  std::multiset<std::string> lines;
  for (const auto& [k, n] : counts) {
    std::string s;
    AppendAggregateJson(AggregateRow{std::get<0>(k), std::get<0>(k) + window, std::get<1>(k),
                                     std::get<2>(k), n},
                        &s);
    lines.insert(s);
  }
  return lines;
}

ProcessorConfig Config() {
  ProcessorConfig c;  // window 10s, lateness 2s, error-burst at 20 per source
  return c;
}

ProcessorOptions FiniteOptions() {
  ProcessorOptions o;
  o.exit_when_done = true;
  o.read_batch = 100;
  o.commit_records = 150;
  return o;
}

TEST(ProcessorTest, ExitWhenDoneEmitsEveryWindowOnceAndRerunEmitsNothing) {
  MemoryLog log;
  auto input = Input();
  Publish(log, input);
  std::vector<std::string> callback_aggregates, callback_alerts;
  ProcessorOptions o = FiniteOptions();
  o.after_commit = [&](const CommittedOutputs& c) {
    callback_aggregates.insert(callback_aggregates.end(), c.aggregates.begin(), c.aggregates.end());
    callback_alerts.insert(callback_alerts.end(), c.alerts.begin(), c.alerts.end());
  };
  auto p = Processor::Create(&log, Config(), o);
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_TRUE((*p)->Run().ok());
  auto aggregates = Values(log, "aggregates");
  EXPECT_EQ(std::multiset<std::string>(aggregates.begin(), aggregates.end()),
            ExpectedAggregates(input, 10000));
  auto alerts = Values(log, "alerts");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_THAT(alerts[0], ::testing::StartsWith(
                             R"({"id":"error-burst/host-1/2026-11-24T00:00:20.000Z","rule":"error-burst",)"
                             R"("key":"host-1","window_start":"2026-11-24T00:00:20.000Z",)"
                             R"("window_end":"2026-11-24T00:00:30.000Z","count":20,"threshold":20,)"));
  EXPECT_EQ(std::multiset<std::string>(callback_aggregates.begin(), callback_aggregates.end()),
            std::multiset<std::string>(aggregates.begin(), aggregates.end()));
  EXPECT_EQ(callback_alerts, alerts);
  EXPECT_EQ((*p)->counters().records.load(), static_cast<int64_t>(input.size()));
  EXPECT_EQ((*p)->counters().committed_records.load(), static_cast<int64_t>(input.size()));
  EXPECT_EQ((*p)->counters().alerts.load(), 1);
  EXPECT_EQ((*p)->counters().windows_closed.load(), 18);
  EXPECT_EQ((*p)->counters().late.load(), 0);
  EXPECT_TRUE(Values(log, "late").empty());

  auto again = Processor::Create(&log, Config(), o);
  ASSERT_TRUE(again);
  ASSERT_TRUE((*again)->Run().ok());
  EXPECT_EQ(Values(log, "aggregates").size(), aggregates.size());
  EXPECT_EQ(Values(log, "alerts").size(), 1u);
  EXPECT_EQ((*again)->counters().records.load(), 0);
}

TEST(ProcessorTest, WaitingOutputRowsBoundEachCommit) {
  // Sliding windows, 10 per record: records and time never make a commit due
  // here, so only the rows waiting do (and the end of input).
  ProcessorConfig config = Config();
  config.slide = 1000;
  auto run = [&](size_t commit_outputs, std::vector<size_t>* rows_per_commit) {
    MemoryLog log;
    Publish(log, Input());
    ProcessorOptions o = FiniteOptions();
    o.commit_records = int64_t{1} << 40;
    o.commit_interval_ms = TimeMs{1} << 40;
    o.commit_outputs = commit_outputs;
    o.after_commit = [&](const CommittedOutputs& c) {
      rows_per_commit->push_back(c.aggregates.size() + c.alerts.size() + c.templates.size());
    };
    auto p = Processor::Create(&log, config, o);
    EXPECT_TRUE(p) << p.error().ToString();
    EXPECT_TRUE((*p)->Run().ok());
    auto aggregates = Values(log, "aggregates");
    return std::multiset<std::string>(aggregates.begin(), aggregates.end());
  };
  std::vector<size_t> unbounded, bounded;
  const auto expected = run(size_t{1} << 40, &unbounded);
  EXPECT_EQ(run(20, &bounded), expected);
  EXPECT_LE(unbounded.size(), 2u);
  EXPECT_GT(bounded.size(), 10u);
  // At most the bound plus what one read of 16 records per partition closes;
  // the last commit also holds every window the end of input closes.
  for (size_t i = 0; i + 1 < bounded.size(); ++i) EXPECT_LE(bounded[i], 20u + 40u) << i;
}

TEST(ProcessorTest, CrashBeforeAnyCommitPointRestartsExactlyOnce) {
  auto input = Input();
  auto expected = ExpectedAggregates(input, 10000);
  int crashes = 0;
  for (int crash_at = 1; crash_at <= 20; ++crash_at) {
    MemoryLog log;
    Publish(log, input);
    int commits = 0;
    ProcessorOptions crashing = FiniteOptions();
    crashing.before_commit = [&](Transaction&, const CommittedOutputs&) {
      return ++commits == crash_at ? Unavailable("simulated crash") : Status::Ok();
    };
    {
      auto p = Processor::Create(&log, Config(), crashing);
      ASSERT_TRUE(p);
      Status s = (*p)->Run();
      if (s.ok()) break;  // fewer commits than crash_at: nothing left to test
      EXPECT_EQ(s.message(), "simulated crash");
      ++crashes;
    }
    auto p = Processor::Create(&log, Config(), FiniteOptions());
    ASSERT_TRUE(p) << p.error().ToString();
    ASSERT_TRUE((*p)->Run().ok());
    auto aggregates = Values(log, "aggregates");
    EXPECT_EQ(std::multiset<std::string>(aggregates.begin(), aggregates.end()), expected)
        << "crash at commit " << crash_at;
    EXPECT_EQ(Values(log, "alerts").size(), 1u) << "crash at commit " << crash_at;
  }
  EXPECT_GE(crashes, 10);
}

TEST(ProcessorTest, BadRecordsGoToDeadLetterAndLateRecordsToLate) {
  MemoryLog log;
  TopicOptions o;
  ASSERT_TRUE(log.EnsureTopic("logs", o).ok());
  auto txn = log.Begin("ingest");
  ASSERT_TRUE(txn);
  LogRecord r{"h", "h/1.log", 0, kT0 + 20000, Level::kInfo, "t", "l", "m"};
  ASSERT_TRUE((*txn)->Append("logs", "h", RecordToJson(r)).ok());
  ASSERT_TRUE((*txn)->Append("logs", "h", "{not json").ok());
  r.time = kT0 + 1000;  // behind the watermark (18 s)
  ASSERT_TRUE((*txn)->Append("logs", "h", RecordToJson(r)).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto p = Processor::Create(&log, Config(), FiniteOptions());
  ASSERT_TRUE(p);
  ASSERT_TRUE((*p)->Run().ok());
  auto dead = Values(log, "dead-letter");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_THAT(dead[0], ::testing::HasSubstr(R"("stage":"process","topic":"logs","partition":0,"offset":1,"reason":"record JSON: not a JSON object")"));
  EXPECT_THAT(Values(log, "late"), ::testing::ElementsAre(RecordToJson(r)));
  EXPECT_EQ((*p)->counters().bad_records.load(), 1);
  EXPECT_EQ((*p)->counters().late.load(), 1);
}

TEST(ProcessorTest, StreamingClosesIdleSourcesAndStopsCleanly) {
  MemoryLog log;
  auto input = Input();
  Publish(log, input);
  ProcessorOptions o;
  o.poll_wait_ms = 1;
  std::atomic<TimeMs> fake_now{0};
  o.clock = [&] { return fake_now.fetch_add(1000); };  // 1 s of processing time per call
  auto p = Processor::Create(&log, Config(), o);
  ASSERT_TRUE(p);
  std::atomic<bool> stop{false};
  Status result;
  std::thread t([&] { result = (*p)->Run(&stop); });
  for (int i = 0; i < 500 && (*p)->counters().windows_closed.load() < 18; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  t.join();
  ASSERT_TRUE(result.ok()) << result.ToString();
  auto aggregates = Values(log, "aggregates");
  EXPECT_EQ(std::multiset<std::string>(aggregates.begin(), aggregates.end()),
            ExpectedAggregates(input, 10000));
  EXPECT_EQ(Values(log, "alerts").size(), 1u);
}

// Per-source error-burst at 20, and a per = "all" rule on WARN (every 7th
// line of each host) that some windows reach and some do not.
ProcessorConfig ConfigWithAllRule() {
  ProcessorConfig c;
  RuleConfig all;
  all.name = "warn-all";
  all.levels = {Level::kWarn};
  all.min_count = 43;
  all.per = RulePer::kAll;
  c.rules.push_back(all);
  return c;
}

// Ids of the warn-all alerts, computed without the engine.
std::set<std::string> ExpectedAllIds(const std::vector<LogRecord>& records) {
  std::map<TimeMs, int64_t> warns;
  for (const LogRecord& r : records) {
    if (r.level == Level::kWarn) ++warns[FloorDiv(r.time, 10000) * 10000];
  }
  std::set<std::string> ids;
  for (const auto& [start, n] : warns) {
    if (n < 43) continue;
    std::string id = "warn-all/*/";
    AppendRfc3339Ms(start, &id);
    ids.insert(id);
  }
  return ids;
}

std::vector<std::string> AlertIds(Log& log) {
  std::vector<std::string> ids;
  for (const std::string& line : Values(log, "alerts")) {
    const size_t at = line.find("\"id\":\"") + 6;
    ids.push_back(line.substr(at, line.find('"', at) - at));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(ProcessorTest, PerAllRuleFiresOncePerWindowFromPartials) {
  MemoryLog log;
  auto input = Input();
  Publish(log, input);
  auto p = Processor::Create(&log, ConfigWithAllRule(), FiniteOptions());
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_TRUE((*p)->Run().ok());
  std::set<std::string> want = ExpectedAllIds(input);
  ASSERT_GE(want.size(), 2u);
  ASSERT_LT(want.size(), 6u) << "some windows should not reach the threshold";
  want.insert("error-burst/host-1/2026-11-24T00:00:20.000Z");
  auto ids = AlertIds(log);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), want);
  EXPECT_EQ(ids.size(), want.size()) << "an alert id twice";
  for (const std::string& line : Values(log, "alerts")) {
    if (line.find("warn-all") == std::string::npos) continue;
    EXPECT_THAT(line, ::testing::HasSubstr(R"("key":"*",)"));
    EXPECT_THAT(line, ::testing::HasSubstr(R"("count":43,"threshold":43,"samples":[{)"));
  }
  EXPECT_EQ((*p)->counters().alerts.load(), static_cast<int64_t>(want.size()));
}

// Two processors in one group split the partitions (the second joins after
// the first has committed a few times, so partitions are handed over) and
// together emit exactly what one emits.
TEST(ProcessorTest, TwoProcessorsInOneGroupEmitWhatOneEmits) {
  auto input = Input();
  MemoryLog single;
  Publish(single, input);
  {
    auto p = Processor::Create(&single, ConfigWithAllRule(), FiniteOptions());
    ASSERT_TRUE(p);
    ASSERT_TRUE((*p)->Run().ok());
  }
  MemoryLog log;
  Publish(log, input);
  ProcessorOptions a = FiniteOptions(), b = FiniteOptions();
  a.read_batch = b.read_batch = 20;
  a.commit_records = b.commit_records = 40;
  a.transactional_id = "processor-a";
  b.transactional_id = "processor-b";
  // The first processor waits at its 5th commit until the second has joined,
  // so it cannot finish everything alone on a loaded machine.
  std::atomic<int> a_commits{0};
  std::atomic<bool> b_joined{false};
  a.after_commit = [&](const CommittedOutputs&) {
    if (++a_commits != 5) return;
    for (int i = 0; i < 30000 && !b_joined.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  auto pa = Processor::Create(&log, ConfigWithAllRule(), a);
  ASSERT_TRUE(pa) << pa.error().ToString();
  Status ra, rb;
  std::thread ta([&] { ra = (*pa)->Run(); });
  while (a_commits.load() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto pb = Processor::Create(&log, ConfigWithAllRule(), b);
  b_joined = true;
  ASSERT_TRUE(pb) << pb.error().ToString();
  std::thread tb([&] { rb = (*pb)->Run(); });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra.ok()) << ra.ToString();
  ASSERT_TRUE(rb.ok()) << rb.ToString();
  EXPECT_GT((*pb)->counters().records.load(), 0) << "the second processor got no partition";
  auto aggregates = Values(log, "aggregates");
  EXPECT_EQ(std::multiset<std::string>(aggregates.begin(), aggregates.end()), ExpectedAggregates(input, 10000));
  EXPECT_EQ(AlertIds(log), AlertIds(single));
  auto ids = AlertIds(log);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "an alert id twice";
}

// A commit that fails with kAborted (on Kafka: the group generation moved
// on, or this processor is a zombie) is not an error: the processor drops
// what it had not committed, restores its partitions and goes on, and the
// outputs stay exact.
TEST(ProcessorTest, AbortedCommitRestoresAndGoesOn) {
  MemoryLog log;
  auto input = Input();
  Publish(log, input);
  ProcessorOptions o = FiniteOptions();
  int commits = 0;
  o.before_commit = [&](Transaction&, const CommittedOutputs&) {
    ++commits;
    return commits == 2 || commits == 5 ? Aborted("the group rebalanced") : Status::Ok();
  };
  auto p = Processor::Create(&log, ConfigWithAllRule(), o);
  ASSERT_TRUE(p);
  ASSERT_TRUE((*p)->Run().ok());
  EXPECT_GT(commits, 5);
  auto aggregates = Values(log, "aggregates");
  EXPECT_EQ(std::multiset<std::string>(aggregates.begin(), aggregates.end()), ExpectedAggregates(input, 10000));
  std::set<std::string> want = ExpectedAllIds(input);
  want.insert("error-burst/host-1/2026-11-24T00:00:20.000Z");
  auto ids = AlertIds(log);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), want);
  EXPECT_EQ(ids.size(), want.size()) << "an alert id twice";
}

}  // namespace
}  // namespace processor_test
}  // namespace logstream
