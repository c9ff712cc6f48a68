#include "src/trigger/dir_watch_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/store/memory_store.h"

namespace logstream {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

DirWatchOptions Options(bool once, std::string dir = "", size_t max_batch = 1000) {
  DirWatchOptions options;
  options.once = once;
  options.dir = std::move(dir);
  options.max_batch = max_batch;
  return options;
}

std::vector<std::string> Keys(const std::vector<ObjectEvent>& events) {
  std::vector<std::string> keys;
  for (const auto& e : events) keys.push_back(e.key);
  return keys;
}

class DirWatchSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dir_watch_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = std::string(tmpl) + "/bucket";
    auto store = OpenStore("file://" + root_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override { fs::remove_all(fs::path(root_).parent_path()); }

  void Put(const std::string& key, const std::string& data) {
    auto r = store_->Put(key, data);
    ASSERT_TRUE(r) << r.error().ToString();
  }
  // Writes a file directly (not through the store).
  void WriteFile(const std::string& rel, const std::string& data) {
    fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel, std::ios::binary) << data;
  }
  // Publishes as the store does: a hidden temporary file renamed into place.
  void PublishByRename(const std::string& rel, const std::string& data) {
    const fs::path target = root_ + "/" + rel;
    fs::create_directories(target.parent_path());
    const fs::path tmp = target.parent_path() / ".tmp-test";
    std::ofstream(tmp, std::ios::binary) << data;
    fs::rename(tmp, target);
  }

  std::unique_ptr<DirWatchSource> Open(DirWatchOptions options = {}) {
    auto source = DirWatchSource::Open(store_.get(), std::move(options));
    EXPECT_TRUE(source) << source.error().ToString();
    return source ? std::move(*source) : nullptr;
  }

  // Polls until `want` events arrived or 5 s passed, then once more briefly
  // to catch any extra (duplicate) event.
  static std::vector<ObjectEvent> PollFor(DirWatchSource& source, size_t want) {
    std::vector<ObjectEvent> got;
    const TimeMs deadline = NowMs() + 5000;
    while (got.size() < want && NowMs() < deadline) {
      auto batch = source.Poll(100);
      EXPECT_TRUE(batch) << batch.error().ToString();
      if (!batch) break;
      got.insert(got.end(), batch->begin(), batch->end());
    }
    auto extra = source.Poll(150);
    EXPECT_TRUE(extra);
    if (extra) got.insert(got.end(), extra->begin(), extra->end());
    return got;
  }

  std::string root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST(IsWatchedKeyTest, HiddenSegmentsAreNotObjects) {
  EXPECT_TRUE(IsWatchedKey("web-1/2026-11-24/app.000001.log"));
  EXPECT_TRUE(IsWatchedKey("a.log"));
  EXPECT_TRUE(IsWatchedKey("dir.d/x"));
  EXPECT_FALSE(IsWatchedKey(""));
  EXPECT_FALSE(IsWatchedKey(".tmp-0123abcd"));
  EXPECT_FALSE(IsWatchedKey("web-1/.tmp-0123abcd"));
  EXPECT_FALSE(IsWatchedKey(".staging/web-1/a.log"));
  EXPECT_FALSE(IsWatchedKey("web-1/.hidden/a.log"));
}

TEST_F(DirWatchSourceTest, StartupScanFindsExistingObjectsInKeyOrder) {
  Put("web-2/2026-11-24/app.000002.log", "b2\n");
  Put("web-1/2026-11-24/app.000002.log", "a2\n");
  Put("web-2/2026-11-24/app.000001.log", "b1\n");
  Put("web-1/2026-11-24/app.000001.log", "a1\n");
  Put("top.log", "t\n");
  WriteFile(".hidden.log", "x");
  WriteFile("web-1/.tmp-leftover", "partial");
  WriteFile(".staging/web-3/2026-11-24/app.000001.log", "s");

  auto source = Open();
  ASSERT_NE(source, nullptr);
  auto batch = source->Poll(0);
  ASSERT_TRUE(batch) << batch.error().ToString();
  EXPECT_THAT(Keys(*batch), ElementsAre("top.log", "web-1/2026-11-24/app.000001.log",
                                        "web-1/2026-11-24/app.000002.log",
                                        "web-2/2026-11-24/app.000001.log",
                                        "web-2/2026-11-24/app.000002.log"));
  const ObjectInfo head = *store_->Head("web-1/2026-11-24/app.000001.log");
  const ObjectEvent& e = (*batch)[1];
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_EQ(e.bucket, "bucket");
  EXPECT_EQ(e.bucket, store_->Bucket());
  EXPECT_EQ(e.size, 3u);
  EXPECT_EQ(e.etag, head.etag);
  EXPECT_EQ(e.event_time, head.mtime);
  EXPECT_FALSE(source->Done());  // watching: never done
  EXPECT_THAT(*source->Poll(50), IsEmpty());
}

TEST_F(DirWatchSourceTest, OnceModeIsDoneAfterTheScan) {
  for (int i = 5; i >= 1; --i) Put("h/2026-11-24/" + std::to_string(i) + ".log", "x\n");
  auto source = Open(Options(true, "", 2));
  ASSERT_NE(source, nullptr);
  EXPECT_FALSE(source->Done());
  std::vector<ObjectEvent> all;
  for (int polls = 0; !source->Done() && polls < 10; ++polls) {
    auto batch = source->Poll(1000);
    ASSERT_TRUE(batch);
    EXPECT_LE(batch->size(), 2u);
    all.insert(all.end(), batch->begin(), batch->end());
  }
  EXPECT_TRUE(source->Done());
  EXPECT_THAT(Keys(all), ElementsAre("h/2026-11-24/1.log", "h/2026-11-24/2.log", "h/2026-11-24/3.log",
                                     "h/2026-11-24/4.log", "h/2026-11-24/5.log"));
  // Objects published after the scan are not seen in once mode.
  Put("h/2026-11-24/6.log", "x\n");
  EXPECT_THAT(*source->Poll(50), IsEmpty());
  EXPECT_TRUE(source->Done());
}

TEST_F(DirWatchSourceTest, OnceModeOnEmptyBucketIsDoneAtOnce) {
  auto source = Open(Options(true));
  ASSERT_NE(source, nullptr);
  EXPECT_TRUE(source->Done());
  EXPECT_THAT(*source->Poll(1000), IsEmpty());
}

TEST_F(DirWatchSourceTest, NewObjectsAreReportedOnceEach) {
  auto source = Open();
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(*source->Poll(0), IsEmpty());
  Put("web-1/2026-11-24/app.000001.log", "one\n");
  Put("web-1/2026-11-24/app.000002.log", "two\n");
  PublishByRename("web-2/2026-11-24/app.000001.log", "three\n");
  auto got = PollFor(*source, 3);
  EXPECT_THAT(Keys(got), ElementsAre("web-1/2026-11-24/app.000001.log",
                                     "web-1/2026-11-24/app.000002.log",
                                     "web-2/2026-11-24/app.000001.log"));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].size, 6u);
  EXPECT_EQ(got[2].etag, store_->Head(got[2].key)->etag);

  // Identical content again: no event. New content under the same key: one
  // event with the new etag (ingest reports the change).
  Put("web-1/2026-11-24/app.000001.log", "one\n");
  EXPECT_THAT(PollFor(*source, 0), IsEmpty());
  Put("web-1/2026-11-24/app.000001.log", "changed\n");
  auto changed = PollFor(*source, 1);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].etag, store_->Head("web-1/2026-11-24/app.000001.log")->etag);
  EXPECT_NE(changed[0].etag, got[0].etag);
}

TEST_F(DirWatchSourceTest, TemporaryAndHiddenFilesAreNeverReported) {
  auto source = Open();
  ASSERT_NE(source, nullptr);
  WriteFile("web-1/.tmp-abc", "partial");
  WriteFile(".hidden.log", "x");
  WriteFile(".staging/web-1/2026-11-24/a.log", "x");
  PublishByRename("web-1/2026-11-24/a.log", "a\n");
  auto got = PollFor(*source, 1);
  EXPECT_THAT(Keys(got), ElementsAre("web-1/2026-11-24/a.log"));
  EXPECT_GT(source->stats().ignored_names, 0u);
}

TEST_F(DirWatchSourceTest, FileWrittenInPlaceIsReportedWhenClosed) {
  auto source = Open();
  ASSERT_NE(source, nullptr);
  const std::string path = root_ + "/direct.log";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "abc\n", 4), 4);
  EXPECT_THAT(*source->Poll(100), IsEmpty());  // still open: not yet an object
  ::close(fd);
  auto got = PollFor(*source, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "direct.log");
  EXPECT_EQ(got[0].size, 4u);
}

TEST_F(DirWatchSourceTest, NewNestedDirectoriesAreWatched) {
  auto source = Open();
  ASSERT_NE(source, nullptr);
  // Directories and a file created together: the file may land before the
  // new directories are watched; the listing of a new directory catches it.
  Put("a/b/c/2026-11-24/x.log", "x\n");
  auto first = PollFor(*source, 1);
  EXPECT_THAT(Keys(first), ElementsAre("a/b/c/2026-11-24/x.log"));
  // Now the deep directory is watched: a later object there is seen.
  Put("a/b/c/2026-11-24/y.log", "y\n");
  PublishByRename("a/b/d/2026-11-24/z.log", "z\n");
  auto second = PollFor(*source, 2);
  EXPECT_THAT(Keys(second), ElementsAre("a/b/c/2026-11-24/y.log", "a/b/d/2026-11-24/z.log"));
}

TEST_F(DirWatchSourceTest, DirectoryMovedInIsListed) {
  auto source = Open();
  ASSERT_NE(source, nullptr);
  const fs::path outside = fs::path(root_).parent_path() / "outside";
  fs::create_directories(outside / "2026-11-24");
  std::ofstream(outside / "2026-11-24" / "m.log") << "m\n";
  fs::rename(outside, fs::path(root_) / "moved");
  auto got = PollFor(*source, 1);
  EXPECT_THAT(Keys(got), ElementsAre("moved/2026-11-24/m.log"));
  Put("moved/2026-11-24/n.log", "n\n");
  EXPECT_THAT(Keys(PollFor(*source, 1)), ElementsAre("moved/2026-11-24/n.log"));
}

TEST_F(DirWatchSourceTest, OutOfOrderArrivalsInOneBatchAreSorted) {
  auto source = Open();
  ASSERT_NE(source, nullptr);
  fs::create_directories(root_ + "/web-1/2026-11-24");
  EXPECT_THAT(*source->Poll(50), IsEmpty());  // the directory is watched now
  for (int i = 9; i >= 1; --i) {
    PublishByRename("web-1/2026-11-24/app.00000" + std::to_string(i) + ".log", "x\n");
  }
  ::usleep(50 * 1000);
  auto batch = source->Poll(0);
  ASSERT_TRUE(batch);
  std::vector<std::string> want;
  for (int i = 1; i <= 9; ++i) want.push_back("web-1/2026-11-24/app.00000" + std::to_string(i) + ".log");
  EXPECT_THAT(Keys(*batch), ElementsAreArray(want));
}

TEST_F(DirWatchSourceTest, ObjectsDuringStartupAreNotMissedNorDuplicated) {
  Put("s/2026-11-24/0.log", "0\n");
  auto source = Open();
  ASSERT_NE(source, nullptr);
  Put("s/2026-11-24/1.log", "1\n");
  auto got = PollFor(*source, 2);
  EXPECT_THAT(Keys(got), ElementsAre("s/2026-11-24/0.log", "s/2026-11-24/1.log"));
}

TEST_F(DirWatchSourceTest, DirectoryRenamedInsideTheTreeKeepsBeingWatched) {
  Put("old/2026-11-24/x.log", "x\n");
  auto source = Open();
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(Keys(*source->Poll(0)), ElementsAre("old/2026-11-24/x.log"));
  fs::rename(root_ + "/old", root_ + "/new");
  EXPECT_THAT(Keys(PollFor(*source, 1)), ElementsAre("new/2026-11-24/x.log"));  // a new key
  Put("new/2026-11-24/y.log", "y\n");
  EXPECT_THAT(Keys(PollFor(*source, 1)), ElementsAre("new/2026-11-24/y.log"));
}

TEST_F(DirWatchSourceTest, QueueOverflowTriggersAFullListing) {
  auto source = Open(Options(false, "", 1000));
  ASSERT_NE(source, nullptr);
  fs::create_directories(root_ + "/h/2026-11-24");
  EXPECT_THAT(*source->Poll(50), IsEmpty());
  // Each publication queues 4 inotify events (create, close, moved from/to):
  // 5000 of them overflow the default queue of 16384 events.
  constexpr int kObjects = 5000;
  char name[64];
  for (int i = 0; i < kObjects; ++i) {
    const std::string dir = root_ + "/h/2026-11-24/";
    std::snprintf(name, sizeof name, "%06d.log", i);
    const std::string tmp = dir + ".tmp-" + name;
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, name, 6), 6);
    ::close(fd);
    ASSERT_EQ(::rename(tmp.c_str(), (dir + name).c_str()), 0);
  }
  std::vector<ObjectEvent> all;
  while (true) {
    auto batch = source->Poll(200);
    ASSERT_TRUE(batch) << batch.error().ToString();
    if (batch->empty()) break;
    EXPECT_LE(batch->size(), 1000u);
    EXPECT_TRUE(std::is_sorted(batch->begin(), batch->end(),
                               [](const auto& a, const auto& b) { return a.key < b.key; }));
    all.insert(all.end(), batch->begin(), batch->end());
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kObjects));  // each once, none missed
  std::set<std::string> keys;
  for (const auto& e : all) keys.insert(e.key);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kObjects));
  if (source->stats().overflows == 0) {
    GTEST_SKIP() << "the inotify queue did not overflow (fs.inotify.max_queued_events is larger)";
  }
}

TEST_F(DirWatchSourceTest, RemovedBucketDirectoryIsAnError) {
  auto source = Open();
  ASSERT_NE(source, nullptr);
  fs::remove_all(root_);
  Result<std::vector<ObjectEvent>> batch;
  for (int i = 0; i < 20 && batch; ++i) batch = source->Poll(100);
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(batch.error().message(), HasSubstr("was removed"));
}

TEST_F(DirWatchSourceTest, AckIsANoOp) {
  Put("a.log", "a\n");
  auto source = Open();
  ASSERT_NE(source, nullptr);
  auto batch = source->Poll(0);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->size(), 1u);
  EXPECT_TRUE(source->Ack((*batch)[0]).ok());
}

TEST(DirWatchSourceOpenTest, NeedsADirectoryBucket) {
  MemoryStore store("mem");
  auto source = DirWatchSource::Open(&store);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(source.error().message(), HasSubstr("file://"));

  auto missing = DirWatchSource::Open(&store, Options(false, "/nonexistent/logstream/bucket"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST(DirWatchSourceOpenTest, ListsThroughTheStoreInterface) {
  // With an explicit directory the listing still goes through the store, so
  // the pure scan logic (order, hidden keys, batches) runs on a MemoryStore.
  MemoryStore store("mem");
  ASSERT_TRUE(store.Put("b/2026-11-24/2.log", "2"));
  ASSERT_TRUE(store.Put("b/2026-11-24/1.log", "1"));
  ASSERT_TRUE(store.Put("a/.tmp-x", "t"));
  auto source = DirWatchSource::Open(&store, Options(true, "/tmp"));
  ASSERT_TRUE(source) << source.error().ToString();
  auto batch = (*source)->Poll(0);
  ASSERT_TRUE(batch);
  EXPECT_THAT(Keys(*batch), ElementsAre("b/2026-11-24/1.log", "b/2026-11-24/2.log"));
  EXPECT_EQ((*batch)[0].bucket, "mem");
  EXPECT_TRUE((*source)->Done());
}

}  // namespace
}  // namespace logstream
