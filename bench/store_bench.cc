// DirStore throughput: Put of 1 MiB objects (write + fsync + rename + dir
// fsync), Get streaming, List of 10k keys, Head. Buckets live under
// $TMPDIR (default /tmp) and are removed afterwards.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "src/store/dir_store.h"
#include "src/store/md5.h"

namespace logstream {
namespace {

namespace fs = std::filesystem;

// A fresh bucket directory, removed when it goes out of scope.
class TempBucket {
 public:
  explicit TempBucket(const std::string& name) {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = fs::path(tmp != nullptr ? tmp : "/tmp") /
           ("store_bench." + std::to_string(::getpid()) + "." + name);
    fs::remove_all(dir_);
    store_ = std::move(*DirStore::Open(dir_.string()));
  }
  ~TempBucket() {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  DirStore& store() { return *store_; }

 private:
  fs::path dir_;
  std::unique_ptr<DirStore> store_;
};

std::string Payload(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7919) % 26);
  return s;
}

std::string KeyOf(int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "h%d/2026-11-24/h%d-%06d.log", i % 10, i % 10, i);
  return buf;
}

void BM_DirStorePut1MiB(benchmark::State& state) {
  TempBucket bucket("put");
  std::string data = Payload(1 << 20);
  int i = 0;
  for (auto _ : state) {
    data[0] = static_cast<char>(i);  // new content each time: no identical-put shortcut
    auto r = bucket.store().Put(KeyOf(i++ % 64), data);
    if (!r) state.SkipWithError(r.error().ToString().c_str());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DirStorePut1MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_DirStoreIdenticalPut1MiB(benchmark::State& state) {
  TempBucket bucket("put-same");
  const std::string data = Payload(1 << 20);
  (void)bucket.store().Put("same.log", data);
  for (auto _ : state) benchmark::DoNotOptimize(bucket.store().Put("same.log", data));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_DirStoreIdenticalPut1MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_DirStoreGet(benchmark::State& state) {
  TempBucket bucket("get");
  const std::string data = Payload(static_cast<size_t>(state.range(0)));
  (void)bucket.store().Put("obj.log", data);
  std::string buf(256 * 1024, '\0');
  for (auto _ : state) {
    auto reader = bucket.store().Get("obj.log");
    while (true) {
      auto n = (*reader)->Read(buf.data(), buf.size());
      if (!n || *n == 0) break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_DirStoreGet)->Arg(1 << 20)->Arg(64 << 20)->UseRealTime();

void BM_DirStoreList10k(benchmark::State& state) {
  TempBucket bucket("list");
  const std::string data = Payload(1000);
  for (int i = 0; i < 10'000; ++i) (void)bucket.store().Put(KeyOf(i), data);
  const bool cold = state.range(0) != 0;
  size_t keys = 0;
  for (auto _ : state) {
    if (cold) {  // a new store has no in-memory etag cache: xattrs or MD5
      state.PauseTiming();
      auto fresh = DirStore::Open(bucket.store().root());
      state.ResumeTiming();
      std::string after;
      while (true) {
        auto r = (*fresh)->List("", after, 1000);
        keys += r->objects.size();
        if (!r->truncated) break;
        after = r->objects.back().key;
      }
    } else {
      std::string after;
      while (true) {
        auto r = bucket.store().List("", after, 1000);
        keys += r->objects.size();
        if (!r->truncated) break;
        after = r->objects.back().key;
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(keys));
}
BENCHMARK(BM_DirStoreList10k)->ArgName("cold")->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_DirStoreListPrefixOf10k(benchmark::State& state) {
  TempBucket bucket("list-prefix");
  for (int i = 0; i < 10'000; ++i) (void)bucket.store().Put(KeyOf(i), "x");
  size_t keys = 0;
  for (auto _ : state) keys += bucket.store().List("h3/")->objects.size();
  state.SetItemsProcessed(static_cast<int64_t>(keys));
}
BENCHMARK(BM_DirStoreListPrefixOf10k)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_DirStoreHead(benchmark::State& state) {
  TempBucket bucket("head");
  (void)bucket.store().Put("h/obj.log", Payload(1 << 20));
  for (auto _ : state) benchmark::DoNotOptimize(bucket.store().Head("h/obj.log"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DirStoreHead)->UseRealTime();

void BM_Md5(benchmark::State& state) {
  const std::string data = Payload(1 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(Md5Hex(data));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(BM_Md5);

}  // namespace
}  // namespace logstream
