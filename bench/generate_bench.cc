// Generator throughput: lines/s unthrottled in simulated time (--start), into
// a null publisher (the generator alone), into an in-memory store and into a
// directory bucket on disk.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "src/generate/generator.h"
#include "src/store/memory_store.h"
#include "src/store/object_store.h"

namespace logstream {
namespace {

GeneratorOptions BenchOptions(codec::Compression compress = codec::Compression::kNone) {
  GeneratorOptions o;
  o.start = 1795478400000;  // 2026-11-24T00:00:00Z
  o.max_count = 1000000;
  o.seed = 7;
  o.roll_seconds = 0;
  o.roll_bytes = 16 << 20;
  o.compress = compress;
  return o;
}

void Report(benchmark::State& state, uint64_t lines, uint64_t bytes) {
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void RunInto(benchmark::State& state, GeneratorOptions o, const Publisher& publish) {
  o.format = state.range(0) == 0 ? LineFormat::kIso : LineFormat::kClassic;
  uint64_t lines = 0, bytes = 0;
  for (auto _ : state) {
    ++o.seed;  // new objects each iteration: a store never sees a no-op re-publish
    auto stats = Generate(o, publish);
    if (!stats) {
      state.SkipWithError(stats.error().ToString().c_str());
      return;
    }
    lines += stats->TotalLines();
    for (const HostStats& h : stats->hosts) bytes += h.bytes;
  }
  Report(state, lines, bytes);
}

void BM_GenerateNull(benchmark::State& state) { RunInto(state, BenchOptions(), NullPublisher()); }
BENCHMARK(BM_GenerateNull)->Arg(0)->Arg(1)->ArgName("classic")->Unit(benchmark::kMillisecond);

void BM_GenerateNullZstd(benchmark::State& state) {
  RunInto(state, BenchOptions(codec::Compression::kZstd), NullPublisher());
}
BENCHMARK(BM_GenerateNullZstd)->Arg(0)->ArgName("classic")->Unit(benchmark::kMillisecond);

void BM_GenerateNullGzip(benchmark::State& state) {
  RunInto(state, BenchOptions(codec::Compression::kGzip), NullPublisher());
}
BENCHMARK(BM_GenerateNullGzip)->Arg(0)->ArgName("classic")->Unit(benchmark::kMillisecond);

void BM_GenerateMemoryStore(benchmark::State& state) {
  MemoryStore store;
  RunInto(state, BenchOptions(), [&](std::string_view key, std::string_view data) -> Result<bool> {
    ASSIGN_OR_RETURN(PutResult r, store.Put(key, data));
    return r.created;
  });
}
BENCHMARK(BM_GenerateMemoryStore)->Arg(0)->ArgName("classic")->Unit(benchmark::kMillisecond);

void BM_GenerateDirStore(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "logstream-generate-bench";
  std::filesystem::remove_all(dir);
  auto store = OpenStore(dir.string());
  if (!store) {
    state.SkipWithError(store.error().ToString().c_str());
    return;
  }
  RunInto(state, BenchOptions(), [&](std::string_view key, std::string_view data) -> Result<bool> {
    ASSIGN_OR_RETURN(PutResult r, (*store)->Put(key, data));
    return r.created;
  });
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_GenerateDirStore)->Arg(0)->ArgName("classic")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace logstream
