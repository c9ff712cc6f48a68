#include "src/trigger/list_poll_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/store/memory_store.h"

namespace logstream {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Keys(const Result<std::vector<ObjectEvent>>& events) {
  std::vector<std::string> keys;
  if (!events) return {"<error " + events.error().ToString() + ">"};
  for (const auto& e : *events) keys.push_back(e.key);
  return keys;
}

TEST(ListPollSourceTest, OnceListsEverythingInKeyOrderThenIsDone) {
  MemoryStore store;
  for (const char* k : {"h2/2026-11-24/h2-000001.log", "h1/2026-11-24/h1-000002.log",
                        "h1/2026-11-24/h1-000001.log"}) {
    ASSERT_TRUE(store.Put(k, k).has_value());
  }
  ListPollOptions o;
  o.once = true;
  o.max_batch = 2;
  auto src = ListPollSource::Open(&store, o);
  ASSERT_TRUE(src.has_value());
  EXPECT_FALSE((*src)->Done());
  EXPECT_THAT(Keys((*src)->Poll(0)), ElementsAre("h1/2026-11-24/h1-000001.log", "h1/2026-11-24/h1-000002.log"));
  EXPECT_THAT(Keys((*src)->Poll(0)), ElementsAre("h2/2026-11-24/h2-000001.log"));
  EXPECT_TRUE((*src)->Done());
}

TEST(ListPollSourceTest, LaterListingsFindNewObjectsOfAnyHostAndChangedEtags) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("h2/a.log", "1").has_value());
  ListPollOptions o;
  o.interval_ms = 1;
  auto src = ListPollSource::Open(&store, o);
  ASSERT_TRUE(src.has_value());
  auto first = (*src)->Poll(0);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].bucket, store.Bucket());
  EXPECT_EQ((*first)[0].size, 1u);
  EXPECT_EQ((*first)[0].etag, store.Head("h2/a.log")->etag);
  ASSERT_TRUE(store.Put("h1/z.log", "2").has_value());  // sorts before the first key
  ASSERT_TRUE(store.Put("h2/a.log", "changed").has_value());
  EXPECT_THAT(Keys((*src)->Poll(50)), ElementsAre("h1/z.log", "h2/a.log"));
  EXPECT_THAT(Keys((*src)->Poll(5)), IsEmpty());
  EXPECT_FALSE((*src)->Done());
}

TEST(ListPollSourceTest, PagesThroughLargeListings) {
  MemoryStore store;
  for (int i = 0; i < 2500; ++i) ASSERT_TRUE(store.Put("k" + std::to_string(10000 + i), "x").has_value());
  ListPollOptions o;
  o.once = true;
  o.max_batch = 100000;
  auto src = ListPollSource::Open(&store, o);
  ASSERT_TRUE(src.has_value());
  auto events = (*src)->Poll(0);
  ASSERT_TRUE(events.has_value());
  EXPECT_EQ(events->size(), 2500u);
  EXPECT_TRUE((*src)->Done());
}

}  // namespace
}  // namespace logstream
