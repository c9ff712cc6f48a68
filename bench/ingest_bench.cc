// Ingest throughput: lines/s from objects in a directory bucket into the
// embedded log (read, split, parse, encode JSON, append, commit with the
// manifest), one thread. Objects of 100k iso lines of ~116 bytes. lines/s is
// over wall time; lines/cpu_s over the CPU time of all the process's threads.
#include <benchmark/benchmark.h>

#include <ctime>
#include <filesystem>
#include <random>

#include "src/ingest/ingester.h"
#include "src/log/embedded_log.h"
#include "src/store/dir_store.h"

namespace logstream {
namespace {

constexpr int kObjects = 4;
constexpr int kLinesPerObject = 100000;

double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string MakeObject(std::mt19937_64& rng, TimeMs start) {
  std::string buf, msg;
  for (int i = 0; i < kLinesPerObject; ++i) {
    msg.clear();
    size_t len = 10 + rng() % 41;
    for (size_t j = 0; j < len; ++j) msg.push_back(static_cast<char>(32 + rng() % 95));
    AppendLine(LineFormat::kIso, start + i * 10, "scala-execution-context-global-14",
               kAllLevels[1 + rng() % 4], "HelperUtils.Parameters$", msg, &buf);
    buf.push_back('\n');
  }
  return buf;
}

void BM_IngestDirToEmbeddedLog(benchmark::State& state) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / "logstream-ingest-bench";
  fs::remove_all(root);
  auto store = DirStore::Open((root / "bucket").string());
  if (!store) return state.SkipWithError(store.error().message().c_str());
  std::mt19937_64 rng(1);
  std::vector<std::string> keys;
  size_t bytes = 0;
  for (int i = 0; i < kObjects; ++i) {
    std::string key = "host-" + std::to_string(i) + "/2026-11-24/host-" + std::to_string(i) + "-000001.log";
    std::string data = MakeObject(rng, 1763942400000);
    bytes += data.size();
    (void)(*store)->Put(key, data);
    keys.push_back(key);
  }
  int round = 0;
  double cpu_seconds = 0;  // of every thread (RocksDB's too) while ingesting
  for (auto _ : state) {
    state.PauseTiming();
    fs::path broker = root / ("broker-" + std::to_string(round++));
    LogOptions lo;
    lo.fsync_interval = 100;
    auto log = EmbeddedLog::Open(broker.string(), lo);
    if (!log) return state.SkipWithError(log.error().message().c_str());
    Ingester ingester(**store, **log, IngestOptions{});
    (void)ingester.Init();
    state.ResumeTiming();
    const double cpu0 = ProcessCpuSeconds();
    for (const auto& key : keys) {
      ObjectEvent e;
      e.key = key;
      auto r = ingester.IngestObject(e);
      if (!r || *r != IngestOutcome::kIngested) return state.SkipWithError("ingest failed");
    }
    cpu_seconds += ProcessCpuSeconds() - cpu0;
    state.PauseTiming();
    log->reset();
    fs::remove_all(broker);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["lines/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kObjects * kLinesPerObject,
      benchmark::Counter::kIsRate);
  // Lines per CPU second of the whole process: the one-core figure, whatever
  // else the machine runs.
  state.counters["lines/cpu_s"] =
      static_cast<double>(state.iterations()) * kObjects * kLinesPerObject / cpu_seconds;
  fs::remove_all(root);
}
BENCHMARK(BM_IngestDirToEmbeddedLog)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace logstream
