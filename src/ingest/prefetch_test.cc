#include "src/ingest/prefetch.h"

#include <gtest/gtest.h>

#include "src/store/memory_store.h"

namespace logstream {
namespace {

std::string ReadAll(ObjectReader& r) {
  std::string out;
  char buf[7];  // small reads cross the prefetched bytes' end
  while (true) {
    auto n = r.Read(buf, sizeof buf);
    EXPECT_TRUE(n) << n.error().message();
    if (!n || *n == 0) return out;
    out.append(buf, *n);
  }
}

TEST(PrefetcherTest, ReadsAheadAndHandsOverInAnyOrder) {
  MemoryStore store("b");
  std::string big(1000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(store.Put("h/2026-01-01/small.log", "one\ntwo\n"));
  ASSERT_TRUE(store.Put("h/2026-01-01/big.log", big));
  ASSERT_TRUE(store.Put("h/2026-01-01/empty.log", ""));
  Prefetcher p(store, PrefetchOptions{.objects = 4, .bytes = 400});  // 100 bytes each
  p.Want("h/2026-01-01/big.log");
  p.Want("h/2026-01-01/small.log");
  p.Want("h/2026-01-01/small.log");  // once
  p.Want("h/2026-01-01/empty.log");
  p.Want("h/2026-01-01/missing.log");
  p.Want("h/2026-01-01/beyond.log");  // full: not read

  auto small = p.Take("h/2026-01-01/small.log");
  ASSERT_TRUE(small && small->info && small->whole);
  EXPECT_EQ(small->info->size, 8u);
  auto reader = Prefetcher::Reader(store, "h/2026-01-01/small.log", *small);
  ASSERT_TRUE(reader);
  EXPECT_EQ(ReadAll(**reader), "one\ntwo\n");

  auto large = p.Take("h/2026-01-01/big.log");
  ASSERT_TRUE(large && large->info && large->data);
  EXPECT_FALSE(large->whole);
  EXPECT_EQ(large->data->size(), 100u);  // its share of the bytes; the rest from the store
  reader = Prefetcher::Reader(store, "h/2026-01-01/big.log", *large);
  ASSERT_TRUE(reader);
  EXPECT_EQ(ReadAll(**reader), big);

  auto empty = p.Take("h/2026-01-01/empty.log");
  ASSERT_TRUE(empty && empty->whole);
  reader = Prefetcher::Reader(store, "h/2026-01-01/empty.log", *empty);
  ASSERT_TRUE(reader);
  EXPECT_EQ(ReadAll(**reader), "");

  auto missing = p.Take("h/2026-01-01/missing.log");
  ASSERT_TRUE(missing);
  ASSERT_FALSE(missing->info);
  EXPECT_EQ(missing->info.error().code(), StatusCode::kNotFound);
  EXPECT_FALSE(Prefetcher::Reader(store, "h/2026-01-01/missing.log", *missing));

  EXPECT_FALSE(p.Take("h/2026-01-01/beyond.log"));  // never read
  EXPECT_FALSE(p.Take("h/2026-01-01/small.log"));   // taken already
}

TEST(PrefetcherTest, ClearDropsWhatWasNotTakenAndZeroObjectsReadsNothing) {
  MemoryStore store("b");
  ASSERT_TRUE(store.Put("a.log", "x\n"));
  Prefetcher p(store, PrefetchOptions{.objects = 1, .bytes = 1 << 20});
  p.Want("a.log");
  p.Clear();
  EXPECT_FALSE(p.Take("a.log"));
  p.Want("a.log");  // room again
  EXPECT_TRUE(p.Take("a.log"));
  Prefetcher none(store, PrefetchOptions{.objects = 0, .bytes = 1 << 20});
  none.Want("a.log");
  EXPECT_FALSE(none.Take("a.log"));
}

}  // namespace
}  // namespace logstream
