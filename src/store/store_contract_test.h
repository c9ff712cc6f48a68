// The ObjectStore contract: one value-parameterized GoogleTest suite that every
// ObjectStore implementation passes. It tests only interface behaviour, so a
// new implementation (e.g. S3) instantiates it unchanged:
//
//   #include "src/store/store_contract_test.h"
//   INSTANTIATE_TEST_SUITE_P(
//       Mine, ObjectStoreContractTest,
//       ::testing::Values(StoreFactory{"mine", [] { return MakeFreshStore(); }}),
//       StoreFactoryName);
//
// The factory returns a new, empty store for each test. Include this header in
// exactly one .cc file per test binary (it defines the tests).
//
// Keys never include both "k" and "k/..." (a directory bucket cannot hold both).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "src/store/object_store.h"

namespace logstream {

struct StoreFactory {
  std::string name;  // test-name suffix: letters, digits and '_' only
  std::function<std::unique_ptr<ObjectStore>()> make;
};

inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

class ObjectStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }

  void MustPut(std::string_view key, std::string_view data) {
    auto r = store_->Put(key, data);
    ASSERT_TRUE(r.has_value()) << key << ": " << r.error().ToString();
  }

  std::string MustRead(std::string_view key, uint64_t offset = 0,
                       std::optional<uint64_t> length = std::nullopt, size_t chunk = 64 * 1024) {
    auto reader = store_->Get(key, offset, length);
    EXPECT_TRUE(reader.has_value()) << key << ": " << reader.error().ToString();
    if (!reader) return "<error>";
    std::string out;
    std::string buf(chunk, '\0');
    while (true) {
      auto n = (*reader)->Read(buf.data(), buf.size());
      EXPECT_TRUE(n.has_value()) << n.error().ToString();
      if (!n || *n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }

  std::vector<std::string> Keys(std::string_view prefix, std::string_view start_after = {},
                                size_t max_keys = 1000, bool* truncated = nullptr) {
    auto r = store_->List(prefix, start_after, max_keys);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    std::vector<std::string> keys;
    if (!r) return keys;
    for (const ObjectInfo& o : r->objects) keys.push_back(o.key);
    if (truncated != nullptr) *truncated = r->truncated;
    return keys;
  }

  std::unique_ptr<ObjectStore> store_;
};

inline constexpr char kHelloMd5[] = "5d41402abc4b2a76b9719d911017c592";
inline constexpr char kEmptyMd5[] = "d41d8cd98f00b204e9800998ecf8427e";

TEST_P(ObjectStoreContractTest, PutThenGetReturnsTheSameBytes) {
  MustPut("h1/2026-11-24/h1-000001.log", "line one\nline two\n");
  EXPECT_EQ(MustRead("h1/2026-11-24/h1-000001.log"), "line one\nline two\n");
  auto all = ReadAll(*store_, "h1/2026-11-24/h1-000001.log");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, "line one\nline two\n");
}

TEST_P(ObjectStoreContractTest, BinaryDataRoundTrips) {
  std::string data;
  for (int round = 0; round < 3; ++round)
    for (int c = 0; c < 256; ++c) data += static_cast<char>(c);
  MustPut("bin/all-bytes.gz", data);
  EXPECT_EQ(MustRead("bin/all-bytes.gz"), data);
  EXPECT_EQ(MustRead("bin/all-bytes.gz", 0, std::nullopt, 7), data);
}

TEST_P(ObjectStoreContractTest, EmptyObjectRoundTrips) {
  auto put = store_->Put("empty.log", "");
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_EQ(put->etag, kEmptyMd5);
  EXPECT_EQ(MustRead("empty.log"), "");
  auto head = store_->Head("empty.log");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, 0u);
  EXPECT_EQ(head->etag, kEmptyMd5);
  EXPECT_THAT(Keys(""), ::testing::ElementsAre("empty.log"));
}

TEST_P(ObjectStoreContractTest, LargeObjectIsStreamedInPieces) {
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) >> 3);
  MustPut("big/object.log", data);
  EXPECT_EQ(MustRead("big/object.log", 0, std::nullopt, 100'003), data);
}

TEST_P(ObjectStoreContractTest, RangedGetReturnsTheRange) {
  MustPut("r.log", "0123456789");
  EXPECT_EQ(MustRead("r.log", 3), "3456789");
  EXPECT_EQ(MustRead("r.log", 3, 4), "3456");
  EXPECT_EQ(MustRead("r.log", 0, 1), "0");
  EXPECT_EQ(MustRead("r.log", 9, 1), "9");
  EXPECT_EQ(MustRead("r.log", 8, 100), "89");  // clipped at the end
  EXPECT_EQ(MustRead("r.log", 2, 3, 1), "234");
  EXPECT_FALSE(store_->Get("r.log", 11).has_value()) << "a range past the end is refused";
}

TEST_P(ObjectStoreContractTest, HeadReportsSizeEtagAndTime) {
  const TimeMs before = NowMs();
  auto put = store_->Put("a/hello.txt", "hello");
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_TRUE(put->created);
  EXPECT_EQ(put->etag, kHelloMd5);
  auto head = store_->Head("a/hello.txt");
  ASSERT_TRUE(head.has_value()) << head.error().ToString();
  EXPECT_EQ(head->key, "a/hello.txt");
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->etag, kHelloMd5);
  // Servers may keep whole seconds; allow for that and small clock skew.
  EXPECT_GE(head->mtime, before - 5'000);
  EXPECT_LE(head->mtime, NowMs() + 5'000);
}

TEST_P(ObjectStoreContractTest, GetWithInfoGivesHeadsInfoAndTheFirstBytes) {
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) >> 3);
  MustPut("big/object.log", data);
  MustPut("a/hello.txt", "hello");
  MustPut("empty.log", "");
  auto read = [](ObjectReader& r) {
    std::string out, buf(100'003, '\0');
    while (true) {
      auto n = r.Read(buf.data(), buf.size());
      EXPECT_TRUE(n.has_value()) << n.error().ToString();
      if (!n || *n == 0) return out;
      out.append(buf.data(), *n);
    }
  };
  for (const auto& [key, length, want] : std::vector<std::tuple<std::string, uint64_t, std::string>>{
           {"big/object.log", 2'500'000, data.substr(0, 2'500'000)},  // more than one S3 read chunk
           {"big/object.log", 10, data.substr(0, 10)},
           {"a/hello.txt", 1000, "hello"},  // all of a shorter object
           {"empty.log", 1000, ""}}) {
    auto opened = store_->GetWithInfo(key, length);
    ASSERT_TRUE(opened.has_value()) << key << ": " << opened.error().ToString();
    auto head = store_->Head(key);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(opened->info.key, key);
    EXPECT_EQ(opened->info.size, head->size) << key;
    EXPECT_EQ(opened->info.etag, head->etag) << key;
    EXPECT_NEAR(opened->info.mtime, head->mtime, 1000) << key;
    EXPECT_EQ(read(*opened->reader), want) << key;
  }
  auto missing = store_->GetWithInfo("a/missing.txt", 10);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST_P(ObjectStoreContractTest, IdenticalRePutIsANoOp) {
  auto first = store_->Put("h/x.log", "same bytes");
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->created);
  auto second = store_->Put("h/x.log", "same bytes");
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->etag, first->etag);
  EXPECT_EQ(MustRead("h/x.log"), "same bytes");
  EXPECT_THAT(Keys(""), ::testing::ElementsAre("h/x.log"));
}

TEST_P(ObjectStoreContractTest, DifferentRePutReplaces) {
  MustPut("h/x.log", "hello");
  auto second = store_->Put("h/x.log", "world!");  // different size
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->created);
  EXPECT_EQ(MustRead("h/x.log"), "world!");
  auto third = store_->Put("h/x.log", "jello!");  // same size, different bytes
  ASSERT_TRUE(third.has_value());
  EXPECT_TRUE(third->created);
  EXPECT_NE(third->etag, second->etag);
  EXPECT_EQ(MustRead("h/x.log"), "jello!");
  auto head = store_->Head("h/x.log");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->etag, third->etag);
  EXPECT_EQ(head->size, 6u);
}

TEST_P(ObjectStoreContractTest, MissingKeysAreNotFound) {
  MustPut("present/a.log", "x");
  for (std::string_view key : {"absent.log", "present/b.log", "present", "present/a.log/x"}) {
    auto get = store_->Get(key);
    ASSERT_FALSE(get.has_value()) << key;
    EXPECT_EQ(get.error().code(), StatusCode::kNotFound) << key << ": " << get.error().ToString();
    EXPECT_THAT(get.error().message(), ::testing::HasSubstr(std::string(key)));
    auto head = store_->Head(key);
    ASSERT_FALSE(head.has_value()) << key;
    EXPECT_EQ(head.error().code(), StatusCode::kNotFound) << key;
  }
}

TEST_P(ObjectStoreContractTest, DeleteRemovesAndMissingKeyIsOk) {
  MustPut("d/1.log", "one");
  MustPut("d/2.log", "two");
  EXPECT_TRUE(store_->Delete("d/1.log").ok());
  EXPECT_EQ(store_->Head("d/1.log").error().code(), StatusCode::kNotFound);
  EXPECT_THAT(Keys(""), ::testing::ElementsAre("d/2.log"));
  EXPECT_TRUE(store_->Delete("d/1.log").ok()) << "deleting again is OK";
  EXPECT_TRUE(store_->Delete("never/was.log").ok());
  EXPECT_TRUE(store_->Delete("d/2.log").ok());
  EXPECT_THAT(Keys(""), ::testing::IsEmpty());
  MustPut("d/1.log", "again");  // a deleted key can be published again
  EXPECT_EQ(MustRead("d/1.log"), "again");
}

TEST_P(ObjectStoreContractTest, ListIsInBytewiseKeyOrder) {
  // '-' (0x2d) < '/' (0x2f) < '0' < 'B' < 'a' < 0xc3: a "directory" does not
  // sort as a unit.
  const std::vector<std::string> keys = {"x/\xc3\xa9t\xc3\xa9.log", "x/a0", "x/a/2.log",
                                         "x/a-1.log", "x/B",        "x/a/1.log",
                                         "y.log",    "x/a.b/c"};
  for (const std::string& k : keys) MustPut(k, k);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(""), sorted);
  auto r = store_->List("");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->truncated);
  for (const ObjectInfo& o : r->objects) {
    EXPECT_EQ(o.size, o.key.size());
    EXPECT_EQ(o.etag.size(), 32u);
  }
}

TEST_P(ObjectStoreContractTest, ListReturnsSizeAndEtag) {
  MustPut("p/hello", "hello");
  auto r = store_->List("p/");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->objects[0].key, "p/hello");
  EXPECT_EQ(r->objects[0].size, 5u);
  EXPECT_EQ(r->objects[0].etag, kHelloMd5);
}

TEST_P(ObjectStoreContractTest, ListHonorsPrefix) {
  for (const char* k : {"logs/h1/2026-11-24/h1-1.log", "logs/h1/2026-11-25/h1-2.log",
                        "logs/h10/2026-11-24/h10-1.log", "logs/h2/2026-11-24/h2-1.log",
                        "other/h1.log", "logsx"}) {
    MustPut(k, "x");
  }
  EXPECT_THAT(Keys("logs/h1/"), ::testing::ElementsAre("logs/h1/2026-11-24/h1-1.log",
                                                        "logs/h1/2026-11-25/h1-2.log"));
  EXPECT_THAT(Keys("logs/h1"), ::testing::ElementsAre("logs/h1/2026-11-24/h1-1.log",
                                                       "logs/h1/2026-11-25/h1-2.log",
                                                       "logs/h10/2026-11-24/h10-1.log"));
  EXPECT_THAT(Keys("logs/h1/2026-11-2"), ::testing::SizeIs(2));
  EXPECT_THAT(Keys("logs"), ::testing::SizeIs(5));
  EXPECT_THAT(Keys("other/h1.log"), ::testing::ElementsAre("other/h1.log"));
  EXPECT_THAT(Keys("nothing/"), ::testing::IsEmpty());
  EXPECT_THAT(Keys("logs/h3"), ::testing::IsEmpty());
  EXPECT_THAT(Keys(""), ::testing::SizeIs(6));
}

TEST_P(ObjectStoreContractTest, ListHonorsStartAfter) {
  for (const char* k : {"a/1.log", "a/2.log", "b/1.log", "b/2/x.log", "c.log"}) MustPut(k, "x");
  EXPECT_THAT(Keys("", "a/1.log"), ::testing::ElementsAre("a/2.log", "b/1.log", "b/2/x.log", "c.log"));
  EXPECT_THAT(Keys("", "a/15"), ::testing::ElementsAre("a/2.log", "b/1.log", "b/2/x.log", "c.log"));
  EXPECT_THAT(Keys("", "b/"), ::testing::ElementsAre("b/1.log", "b/2/x.log", "c.log"));
  EXPECT_THAT(Keys("", "b/2"), ::testing::ElementsAre("b/2/x.log", "c.log"));
  EXPECT_THAT(Keys("", "b/2/x.log"), ::testing::ElementsAre("c.log"));
  EXPECT_THAT(Keys("", "c.log"), ::testing::IsEmpty());
  EXPECT_THAT(Keys("", "0"), ::testing::SizeIs(5));
  // With a prefix: start_after before, inside and after the prefix's range.
  EXPECT_THAT(Keys("b/", "a/9"), ::testing::ElementsAre("b/1.log", "b/2/x.log"));
  EXPECT_THAT(Keys("b/", "b/1.log"), ::testing::ElementsAre("b/2/x.log"));
  EXPECT_THAT(Keys("a/", "b"), ::testing::IsEmpty());
}

TEST_P(ObjectStoreContractTest, ListMaxKeysPagesThroughEverything) {
  std::vector<std::string> keys;
  for (int h = 0; h < 3; ++h)
    for (int i = 0; i < 7; ++i)
      keys.push_back("h" + std::to_string(h) + "/2026-11-24/h" + std::to_string(h) + "-" +
                     std::to_string(100 + i) + ".log");
  for (const std::string& k : keys) MustPut(k, k);
  std::sort(keys.begin(), keys.end());

  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  while (true) {
    bool truncated = false;
    std::vector<std::string> page = Keys("", after, 7, &truncated);
    ASSERT_LE(page.size(), 7u);
    seen.insert(seen.end(), page.begin(), page.end());
    ++pages;
    ASSERT_LE(pages, 10);
    if (!truncated) break;
    ASSERT_FALSE(page.empty());
    after = page.back();
  }
  EXPECT_EQ(seen, keys);
  EXPECT_EQ(pages, 3) << "21 keys in pages of 7: the third page is full and not truncated";

  bool truncated = false;
  EXPECT_THAT(Keys("h1/", "", 1, &truncated), ::testing::ElementsAre(keys[7]));
  EXPECT_TRUE(truncated);
  EXPECT_THAT(Keys("h2/", keys[19], 1, &truncated), ::testing::ElementsAre(keys[20]));
  EXPECT_FALSE(truncated);
}

TEST_P(ObjectStoreContractTest, UnusualButValidKeysWork) {
  const std::string key_1024 = std::string(99, 'a') + "/" + std::string(99, 'b') + "/" +
                               std::string(99, 'c') + "/" + std::string(99, 'd') + "/" +
                               std::string(99, 'e') + "/" + std::string(99, 'f') + "/" +
                               std::string(99, 'g') + "/" + std::string(99, 'h') + "/" +
                               std::string(99, 'i') + "/" + std::string(99, 'j') + "/" +
                               std::string(24, 'k');
  ASSERT_EQ(key_1024.size(), 1024u);
  const std::vector<std::string> keys = {"with space/a+b=c%d&e.log", "..hidden/x..y",
                                         ".dotfile", "\xe6\x97\xa5\xe6\x9c\xac/\xc3\xa9.log",
                                         key_1024};
  for (const std::string& k : keys) {
    MustPut(k, "v:" + k);
    EXPECT_EQ(MustRead(k), "v:" + k);
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(""), sorted);
}

TEST_P(ObjectStoreContractTest, BadKeysAreRefused) {
  const std::vector<std::string> bad = {"",          "/abs/path.log", "a/../b.log", "..",
                                        "../escape", "a/./b",         ".",          "a//b",
                                        "a/",        std::string("a\0b", 3),        std::string(1025, 'k')};
  for (const std::string& key : bad) {
    SCOPED_TRACE(::testing::PrintToString(key));
    auto put = store_->Put(key, "data");
    ASSERT_FALSE(put.has_value());
    EXPECT_EQ(put.error().code(), StatusCode::kInvalidArgument) << put.error().ToString();
    auto get = store_->Get(key);
    ASSERT_FALSE(get.has_value());
    EXPECT_EQ(get.error().code(), StatusCode::kInvalidArgument);
    auto head = store_->Head(key);
    ASSERT_FALSE(head.has_value());
    EXPECT_EQ(head.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(key).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_THAT(Keys(""), ::testing::IsEmpty());
}

TEST_P(ObjectStoreContractTest, ConcurrentPutsAndListsAreSafe) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "t" + std::to_string(t) + "/" + std::to_string(1000 + i) + ".log";
        EXPECT_TRUE(store_->Put(key, key).has_value());
        EXPECT_TRUE(store_->Put("shared.log", "from thread " + std::to_string(t)).has_value());
        EXPECT_TRUE(store_->List("t").has_value());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(Keys("t"), ::testing::SizeIs(kThreads * kPerThread));
  EXPECT_THAT(MustRead("shared.log"), ::testing::StartsWith("from thread "));
}

}  // namespace logstream
