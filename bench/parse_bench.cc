// Parser throughput: MB/s and lines/s for the iso and classic formats, and the
// cost of encoding a parsed line as record JSON. Lines of ~116 bytes like the
// generator's.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "src/record/json.h"
#include "src/record/parser.h"

namespace logstream {
namespace {

// One buffer of '\n'-terminated lines, as ingest sees them.
std::string MakeLines(LineFormat format, size_t count) {
  std::mt19937_64 rng(42);
  std::string buf;
  std::string msg;
  TimeMs t = 1764000000000;
  for (size_t i = 0; i < count; ++i) {
    msg.clear();
    size_t len = 30 + rng() % 41;
    for (size_t j = 0; j < len; ++j) msg.push_back(static_cast<char>(33 + rng() % 94));
    Level level = kAllLevels[1 + rng() % 4];
    AppendLine(format, t, "scala-execution-context-global-14", level, "HelperUtils.Parameters$",
               msg, &buf);
    buf.push_back('\n');
    t += 10;
  }
  return buf;
}

void ParseAll(benchmark::State& state, LineFormat format, bool to_json) {
  const std::string buf = MakeLines(format, 100000);
  ParseOptions options;
  options.format = format;
  options.classic_date = 1763942400000;
  std::string json;
  const std::string prefix =
      RecordJsonPrefix("host-1", "logs/host-1/2026-11-24/host-1-000001.log");
  size_t lines = 0;
  for (auto _ : state) {
    const char* p = buf.data();
    const char* end = p + buf.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      auto r = ParseLine(std::string_view(p, nl - p), options);
      if (!r) state.SkipWithError(r.error().message().c_str());
      if (to_json) {
        json.clear();
        AppendRecordJsonWithPrefix(prefix, p - buf.data(), *r, &json);
        benchmark::DoNotOptimize(json.data());
      }
      benchmark::DoNotOptimize(r->message.data());
      p = nl + 1;
      ++lines;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}

void BM_ParseIso(benchmark::State& s) { ParseAll(s, LineFormat::kIso, false); }
void BM_ParseClassic(benchmark::State& s) { ParseAll(s, LineFormat::kClassic, false); }
void BM_ParseIsoToJson(benchmark::State& s) { ParseAll(s, LineFormat::kIso, true); }

// The peer approach, side by side: a regex parser of the same lines (what
// Fluent Bit's and Vector's regex parsers do), with RE2.
void BM_ParseIsoWithRegexRe2(benchmark::State& state) {
  const std::string buf = MakeLines(LineFormat::kIso, 100000);
  RE2 re(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[([^\]]*)\] (\w+) +(\S+) - (.*))");
  re2::StringPiece time, thread, level, logger, message;
  size_t lines = 0;
  for (auto _ : state) {
    const char* p = buf.data();
    const char* end = p + buf.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (!RE2::FullMatch(re2::StringPiece(p, nl - p), re, &time, &thread, &level, &logger,
                          &message)) {
        state.SkipWithError("regex did not match");
      }
      benchmark::DoNotOptimize(message.data());
      p = nl + 1;
      ++lines;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_ParseIso);
BENCHMARK(BM_ParseIsoWithRegexRe2);
BENCHMARK(BM_ParseClassic);
BENCHMARK(BM_ParseIsoToJson);

}  // namespace
}  // namespace logstream
