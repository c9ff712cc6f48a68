// Part of process_bench: template miner throughput (src/template/miner.h) on real messages: the
// `Content` of the eight LogHub samples of testdata/loghub (16,000 messages,
// one miner per system, as one per format and partition), with the default
// settings. Warm: the miners have seen the messages before (the steady state
// of a stream); cold: each iteration starts from empty miners (learning
// included). Also the built-in masking alone and the state's encode/decode.
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/loghub_messages.h"
#include "src/template/masker.h"
#include "src/template/miner.h"

#ifndef LOGSTREAM_SOURCE_DIR
#define LOGSTREAM_SOURCE_DIR "."
#endif

namespace logstream {
namespace {

const char* const kSystems[] = {"HDFS", "Hadoop", "Spark", "Zookeeper",
                                "OpenStack", "Apache", "Linux", "Android"};

// The fields of one CSV row (RFC 4180 quoting; rows without line breaks).
std::vector<std::string> CsvRow(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

const std::vector<std::vector<std::string>>& Messages() { return LoghubMessages(); }

int64_t MessageCount() {
  int64_t n = 0;
  for (const auto& m : Messages()) n += static_cast<int64_t>(m.size());
  return n;
}

std::vector<TemplateMiner> Miners() {
  std::vector<TemplateMiner> miners;
  for (size_t i = 0; i < Messages().size(); ++i) miners.push_back(std::move(*TemplateMiner::Make({})));
  return miners;
}

void MineAll(std::vector<TemplateMiner>& miners) {
  const auto& all = Messages();
  for (size_t s = 0; s < all.size(); ++s) {
    for (const std::string& m : all[s]) benchmark::DoNotOptimize(miners[s].Add(m));
  }
}

void BM_MineLoghubWarm(benchmark::State& state) {
  if (MessageCount() == 0) return state.SkipWithError("no LogHub samples (LOGHUB_DIR)");
  std::vector<TemplateMiner> miners = Miners();
  MineAll(miners);
  for (auto _ : state) MineAll(miners);
  state.SetItemsProcessed(state.iterations() * MessageCount());
  size_t templates = 0;
  for (const auto& m : miners) templates += m.size();
  state.counters["templates"] = static_cast<double>(templates);
}
BENCHMARK(BM_MineLoghubWarm)->Unit(benchmark::kMillisecond);

void BM_MineLoghubCold(benchmark::State& state) {
  if (MessageCount() == 0) return state.SkipWithError("no LogHub samples (LOGHUB_DIR)");
  for (auto _ : state) {
    std::vector<TemplateMiner> miners = Miners();
    MineAll(miners);
  }
  state.SetItemsProcessed(state.iterations() * MessageCount());
}
BENCHMARK(BM_MineLoghubCold)->Unit(benchmark::kMillisecond);

// The messages of bench/process_bench.cc's records with fresh numbers.
void BM_MineGenerated(benchmark::State& state) {
  std::mt19937 rng(42);
  std::vector<std::string> messages;
  for (int i = 0; i < 100000; ++i) {
    const std::string n = std::to_string(rng() % 100000);
    const std::string m = std::to_string(rng() % 90);
    switch (rng() % 6) {
      case 0:
        messages.push_back("Received request GET /api/v1/items?id=" + n + " from 10.0.0." +
                           std::to_string(rng() % 250) + " in " + m + " ms");
        break;
      case 1:
        messages.push_back("Cache miss for key user:" + n + ":profile, loading from database");
        break;
      case 2:
        messages.push_back("Connection to db-2.internal:5432 timed out after " + n + " ms, retrying");
        break;
      case 3:
        messages.push_back("Worker pool size adjusted from " + n + " to " + m + " threads");
        break;
      case 4:
        messages.push_back("Checkpoint written: " + n + " bytes in 4 segments");
        break;
      default:
        messages.push_back("connection refused by upstream payments-service:8443");
        break;
    }
  }
  TemplateMiner miner = std::move(*TemplateMiner::Make({}));
  for (auto _ : state) {
    for (const std::string& m : messages) benchmark::DoNotOptimize(miner.Add(m));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(messages.size()));
  state.counters["templates"] = static_cast<double>(miner.size());
}
BENCHMARK(BM_MineGenerated)->Unit(benchmark::kMillisecond);

void BM_MaskBuiltIn(benchmark::State& state) {
  if (MessageCount() == 0) return state.SkipWithError("no LogHub samples (LOGHUB_DIR)");
  std::string out;
  int64_t bytes = 0;
  for (const auto& system : Messages()) {
    for (const std::string& m : system) bytes += static_cast<int64_t>(m.size());
  }
  for (auto _ : state) {
    for (const auto& system : Messages()) {
      for (const std::string& m : system) {
        TemplateMasker::MaskBuiltIn(m, &out);
        benchmark::DoNotOptimize(out.data());
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * MessageCount());
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_MaskBuiltIn)->Unit(benchmark::kMillisecond);

void BM_StateEncodeDecode(benchmark::State& state) {
  std::vector<TemplateMiner> miners = Miners();
  MineAll(miners);
  TemplateMiner restored = std::move(*TemplateMiner::Make({}));
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& m : miners) {
      const std::string s = m.Encode();
      bytes += s.size();
      benchmark::DoNotOptimize(restored.Decode(s));
    }
  }
  state.counters["state_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_StateEncodeDecode)->Unit(benchmark::kMicrosecond);

}  // namespace

const std::vector<std::vector<std::string>>& LoghubMessages() {
  static const std::vector<std::vector<std::string>> all = [] {
    const char* env = std::getenv("LOGHUB_DIR");
    const std::string dir = env ? env : std::string(LOGSTREAM_SOURCE_DIR) + "/testdata/loghub";
    std::vector<std::vector<std::string>> out;
    for (const char* system : kSystems) {
      std::ifstream in(dir + "/" + system + "/" + system + "_2k.log_structured.csv");
      std::string line;
      std::getline(in, line);
      const std::vector<std::string> header = CsvRow(line);
      size_t content = 0;
      while (content < header.size() && header[content] != "Content") ++content;
      std::vector<std::string> messages;
      while (std::getline(in, line)) {
        std::vector<std::string> row = CsvRow(line);
        if (content < row.size()) messages.push_back(std::move(row[content]));
      }
      out.push_back(std::move(messages));
    }
    return out;
  }();
  return all;
}

}  // namespace logstream
