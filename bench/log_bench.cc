// Embedded log throughput: append of 120-byte records in transactions of 1000
// (fsync per commit, or every 100 ms), and sequential read.
// LOGSTREAM_BENCH_DIR picks the directory (default: the system temp dir).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "src/log/embedded_log.h"

namespace logstream {
namespace {

namespace fs = std::filesystem;

constexpr int kRecordsPerTxn = 1000;
constexpr int kPartitions = 4;

std::string BenchDir(const std::string& name) {
  const char* base = std::getenv("LOGSTREAM_BENCH_DIR");
  fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) /
                 ("logstream-log-bench-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(dir);
  return dir.string();
}

// A JSON record whose message is pseudo-random letters: batches are stored
// compressed, so a constant padding would flatter the figures.
std::string Record(int i) {
  std::string v = "{\"source\":\"host-" + std::to_string(i % 8) + "\",\"level\":\"INFO\",\"n\":" +
                  std::to_string(i) + ",\"message\":\"";
  uint32_t x = 2654435761u * static_cast<uint32_t>(i + 1);
  while (v.size() < 119) {
    x = x * 1664525u + 1013904223u;
    v.push_back(static_cast<char>('a' + (x >> 24) % 26));
  }
  return v + "}";
}

std::unique_ptr<EmbeddedLog> OpenOrDie(const std::string& dir, TimeMs fsync_interval) {
  LogOptions o;
  o.fsync_interval = fsync_interval;
  auto log = EmbeddedLog::Open(dir, o);
  if (!log) std::abort();
  TopicOptions t;
  t.partitions = kPartitions;
  if (!(*log)->EnsureTopic("logs", t).ok()) std::abort();
  return std::move(*log);
}

void AppendTxn(Log& log, const std::vector<std::string>& keys, const std::vector<std::string>& values) {
  auto txn = log.Begin("bench");
  for (int i = 0; i < kRecordsPerTxn; ++i) (void)(*txn)->Append("logs", keys[i % 8], values[i]);
  if (!(*txn)->Commit().ok()) std::abort();
}

// state.range(0): fsync interval in ms (0 = fsync every commit).
void BM_EmbeddedAppend(benchmark::State& state) {
  const std::string dir = BenchDir("append");
  std::vector<std::string> keys, values;
  for (int i = 0; i < 8; ++i) keys.push_back("host-" + std::to_string(i));
  for (int i = 0; i < kRecordsPerTxn; ++i) values.push_back(Record(i));
  {
    auto log = OpenOrDie(dir, state.range(0));
    for (auto _ : state) AppendTxn(*log, keys, values);
  }
  state.SetItemsProcessed(state.iterations() * kRecordsPerTxn);
  state.SetBytesProcessed(state.iterations() * kRecordsPerTxn * 120);
  fs::remove_all(dir);
}
BENCHMARK(BM_EmbeddedAppend)->Arg(0)->Arg(100)->ArgName("fsync_interval_ms")->UseRealTime();

// Reads back 2 M records (4 partitions), 10000 records per Read call.
void BM_EmbeddedRead(benchmark::State& state) {
  const std::string dir = BenchDir("read");
  std::vector<std::string> keys, values;
  for (int i = 0; i < 8; ++i) keys.push_back("host-" + std::to_string(i));
  for (int i = 0; i < kRecordsPerTxn; ++i) values.push_back(Record(i));
  auto log = OpenOrDie(dir, 1000);
  for (int t = 0; t < 2000; ++t) AppendTxn(*log, keys, values);
  int64_t records = 0;
  for (auto _ : state) {
    for (int p = 0; p < kPartitions; ++p) {
      for (int64_t next = 0;;) {
        auto got = log->Read("logs", p, next, 10000);
        if (!got || got->empty()) break;
        next = got->back().offset + 1;
        records += static_cast<int64_t>(got->size());
        benchmark::DoNotOptimize(got->data());
      }
    }
  }
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(records * 120);
  log.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_EmbeddedRead)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace logstream
