// Stream processor throughput: WindowEngine with 1000 sources, tumbling 10 s
// windows and two rules (a level rule and a regex rule), with log templates
// off and on, fed pre-decoded
// records and record JSON (decoded in place with RecordDecoder::DecodeInPlace).
#include <random>

#include <benchmark/benchmark.h>
#include <re2/re2.h>

#include "bench/loghub_messages.h"
#include "src/log/log.h"
#include "src/process/window_engine.h"
#include "src/record/json.h"

namespace logstream {
namespace {

constexpr int kSources = 1000;
constexpr int kRecords = 1 << 20;

// Records as a keyed log partition would hold them: sources interleaved in
// short runs, each source's event time advancing ~100 ms per record. The
// messages are six lines repeated as they are (kRepeated: as most lines of
// real logs are, 15-85 % of the LogHub samples' lines repeat one before
// them), the same with fresh numbers in each (kFresh: ids, addresses,
// durations), or the 16,000 lines of the eight LogHub samples in turn
// (kLoghub).
enum class Messages { kRepeated, kFresh, kLoghub };

std::string Message(std::mt19937& rng, Messages kind) {
  if (kind == Messages::kLoghub) {
    static size_t next = 0;
    static const std::vector<std::string> all = [] {
      std::vector<std::string> out;
      for (const auto& system : LoghubMessages()) out.insert(out.end(), system.begin(), system.end());
      if (out.empty()) out.push_back("no LogHub samples (LOGHUB_DIR)");
      return out;
    }();
    return all[next++ % all.size()];
  }
  const uint32_t shape = rng() % 6;
  if (kind == Messages::kRepeated) {
    static const char* const repeated[] = {
        "Received request GET /api/v1/items?id=4711 from 10.0.0.12 in 12 ms",
        "Cache miss for key user:9921:profile, loading from database",
        "Connection to db-2.internal:5432 timed out after 3000 ms, retrying",
        "Worker pool size adjusted from 16 to 24 threads",
        "Checkpoint written: 1048576 bytes in 4 segments",
        "connection refused by upstream payments-service:8443",
    };
    return repeated[shape];
  }
  const std::string n = std::to_string(rng() % 100000), m = std::to_string(rng() % 90);
  switch (shape) {
    case 0: return "Received request GET /api/v1/items?id=" + n + " from 10.0.0." + m + " in " + m + " ms";
    case 1: return "Cache miss for key user:" + n + ":profile, loading from database";
    case 2: return "Connection to db-2.internal:5432 timed out after " + n + " ms, retrying";
    case 3: return "Worker pool size adjusted from " + n + " to " + m + " threads";
    case 4: return "Checkpoint written: " + n + " bytes in 4 segments";
    default: return "connection refused by upstream payments-service:8443";
  }
}

const std::vector<LogRecord>& Input(Messages kind = Messages::kRepeated) {
  static std::vector<LogRecord> inputs[3];
  std::vector<LogRecord>& out = inputs[static_cast<int>(kind)];
  if (!out.empty()) return out;
  std::mt19937 rng(42);
  const TimeMs t0 = *ParseRfc3339("2026-11-24T00:00:00Z");
  std::vector<TimeMs> clock(kSources, t0);
  out.reserve(kRecords);
  while (out.size() < kRecords) {
    int s = static_cast<int>(rng() % kSources);
    int run = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < run && out.size() < kRecords; ++i) {
      clock[s] += 50 + static_cast<TimeMs>(rng() % 100);
      uint32_t x = rng() % 100;
      Level level = x < 2 ? Level::kError : x < 10 ? Level::kWarn : x < 30 ? Level::kDebug : Level::kInfo;
      out.push_back(LogRecord{"host-" + std::to_string(s), "host-" + std::to_string(s) + "/000001.log",
                              out.size() * 120, clock[s], level, "worker-3", "com.example.Service",
                              Message(rng, kind)});
    }
  }
  return out;
}

ProcessorConfig BenchConfig() {
  ProcessorConfig c;  // tumbling 10 s, lateness 2 s
  RuleConfig errors;  // the default error-burst rule: ERROR, 20, per source
  RuleConfig timeouts;
  timeouts.name = "timeouts";
  timeouts.levels = {Level::kWarn, Level::kError};
  timeouts.pattern = "timed out|connection refused";
  timeouts.min_count = 5;
  c.rules = {errors, timeouts};
  return c;
}

// Args: log templates off (0) or on at their default levels (1: the WARN
// and ERROR records, 10 % of them, mined with the built-in masks); messages
// repeated (0), with fresh numbers (1) or LogHub's (2).
void BM_EngineFeed(benchmark::State& state) {
  const auto& input = Input(static_cast<Messages>(state.range(1)));
  std::vector<LogRecordView> views;
  for (const LogRecord& r : input) views.push_back(ViewOf(r));
  EngineOptions options;
  if (state.range(0) == 1) options.templates = TemplateOptions{};
  int64_t rows = 0;
  for (auto _ : state) {
    auto engine = std::move(*WindowEngine::Create(BenchConfig(), options));
    for (const LogRecordView& v : views) engine->Feed(v);
    engine->Finish();
    rows += static_cast<int64_t>(engine->TakeOutputs().aggregates.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(views.size()));
  state.counters["rows_per_iter"] = static_cast<double>(rows) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EngineFeed)->ArgsProduct({{0, 1}, {0, 1, 2}})->Unit(benchmark::kMillisecond);

// N regex rules that apply to every level (patterns such as
// `Timeout[a-z]{0,3}17`, an IPv4 address, `HTTP 5\d\d`), as users write
// dozens to hundreds of them.
ProcessorConfig ManyRules(int n) {
  ProcessorConfig c;
  c.rules.clear();
  for (int k = 0; k < n; ++k) {
    RuleConfig r;
    r.name = "rule-" + std::to_string(k);
    r.levels = {};
    const std::string i = std::to_string(k);
    switch (k % 4) {
      case 0: r.pattern = "Timeout[a-z]{0,3}" + i; break;
      case 1: r.pattern = R"(\b10\.\d{1,3}\.\d{1,3}\.)" + i + R"(\b)"; break;
      case 2: r.pattern = R"(HTTP 5\d\d .*)" + i; break;
      default: r.pattern = "(?i)key user:" + i + ":"; break;
    }
    r.min_count = 1000000;
    c.rules.push_back(r);
  }
  return c;
}

// The engine with N rules matched in one Hyperscan pass (RuleMatcher).
void BM_EngineRules(benchmark::State& state) {
  const auto& input = Input();
  std::vector<LogRecordView> views;
  for (const LogRecord& r : input) views.push_back(ViewOf(r));
  const ProcessorConfig config = ManyRules(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto engine = std::move(*WindowEngine::Create(config));
    for (const LogRecordView& v : views) engine->Feed(v);
    engine->Finish();
    benchmark::DoNotOptimize(engine->TakeOutputs());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(views.size()));
}
BENCHMARK(BM_EngineRules)->Arg(2)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// Beside it, the approach before: one RE2 PartialMatch per rule and record
// (the matching alone, without the windows).
void BM_Re2PerRule(benchmark::State& state) {
  const auto& input = Input();
  const ProcessorConfig config = ManyRules(static_cast<int>(state.range(0)));
  std::vector<std::unique_ptr<RE2>> res;
  for (const RuleConfig& r : config.rules) res.push_back(std::make_unique<RE2>(r.pattern));
  int64_t matches = 0;
  for (auto _ : state) {
    for (const LogRecord& r : input) {
      for (const auto& re : res) matches += RE2::PartialMatch(r.message, *re);
    }
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(input.size()));
}
BENCHMARK(BM_Re2PerRule)->Arg(2)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// As the processor does: values in a RecordBuffer (what a log read fills),
// decoded in place. Args as in BM_EngineFeed.
void BM_DecodeAndFeed(benchmark::State& state) {
  RecordBuffer records;
  for (const LogRecord& r : Input(static_cast<Messages>(state.range(1)))) records.Add(0, 0, r.source, RecordToJson(r));
  RecordDecoder decoder;
  LogRecordView view;
  EngineOptions options;
  if (state.range(0) == 1) options.templates = TemplateOptions{};
  for (auto _ : state) {
    auto engine = std::move(*WindowEngine::Create(BenchConfig(), options));
    for (size_t i = 0; i < records.size(); ++i) {
      if (decoder.DecodeInPlace(records.value(i), RecordBuffer::kPadding, &view).ok()) engine->Feed(view);
    }
    engine->Finish();
    benchmark::DoNotOptimize(engine->TakeOutputs());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(records.size()));
}
BENCHMARK(BM_DecodeAndFeed)->ArgsProduct({{0, 1}, {0, 1, 2}})->Unit(benchmark::kMillisecond);

void BM_Snapshot(benchmark::State& state) {
  auto engine = std::move(*WindowEngine::Create(BenchConfig()));
  const auto& input = Input();
  for (size_t i = 0; i < input.size() / 2; ++i) engine->Feed(input[i]);
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& [k, v] : engine->State()) bytes += k.size() + v.size();
  }
  state.counters["state_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Snapshot)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace logstream
