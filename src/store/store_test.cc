// ObjectStore contract for MemoryStore and DirStore, plus tests of what only
// the directory bucket promises (files on disk, temp names, crash leftovers).
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "src/store/dir_store.h"
#include "src/store/md5.h"
#include "src/store/memory_store.h"
#include "src/store/store_contract_test.h"

namespace logstream {
namespace {

namespace fs = std::filesystem;

// A directory removed at the end of the test binary; each call of Fresh() is
// a new empty subdirectory of it.
class TempDirs : public ::testing::Environment {
 public:
  static fs::path Fresh() {
    static std::atomic<int> n{0};
    fs::path p = Base() / ("d" + std::to_string(n++));
    fs::create_directories(p);
    return p;
  }
  static fs::path Base() {
    static const fs::path base =
        fs::path(::testing::TempDir()) / ("store_test." + std::to_string(::getpid()));
    return base;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(Base(), ec);
  }
};
const auto* const kTempDirs = ::testing::AddGlobalTestEnvironment(new TempDirs);

std::unique_ptr<ObjectStore> FreshDirStore() {
  auto store = DirStore::Open((TempDirs::Fresh() / "bucket").string());
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    Stores, ObjectStoreContractTest,
    ::testing::Values(StoreFactory{"memory", [] { return std::make_unique<MemoryStore>(); }},
                      StoreFactory{"dir", FreshDirStore}),
    StoreFactoryName);

// ---- free functions ----

TEST(Md5Test, KnownDigests) {
  EXPECT_EQ(Md5Hex("hello"), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  Md5 md5;
  md5.Update("hel");
  md5.Update("");
  md5.Update("lo");
  EXPECT_EQ(md5.HexDigest(), Md5Hex("hello"));
}

TEST(ValidateKeyTest, AcceptsRelativeSlashSeparatedKeys) {
  for (std::string_view key : {"a", "a/b/c.log", "logs/h1/2026-11-24/h1-000001.log.gz", "...",
                               ".a/..b/c..", "a b/é"}) {
    EXPECT_TRUE(ValidateKey(key).ok()) << key << ": " << ValidateKey(key).ToString();
  }
  EXPECT_TRUE(ValidateKey(std::string(1024, 'k')).ok());
}

TEST(ValidateKeyTest, ErrorNamesTheKeyAndTheRule) {
  struct Case {
    std::string key;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {"", "empty"},
      {"/etc/passwd", "relative"},
      {"a/../../etc/passwd", "'..'"},
      {"./a", "'.'"},
      {"a//b", "empty segment"},
      {"a/b/", "empty segment"},
      {std::string("a\0b", 3), "NUL"},
      {std::string(1025, 'k'), "1024 bytes"},
      {"a\xff.log", "valid UTF-8"},
      {"a\xfe.log", "valid UTF-8"},
  };
  for (const Case& c : cases) {
    const Status s = ValidateKey(c.key);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << ::testing::PrintToString(c.key);
    EXPECT_THAT(s.message(), ::testing::HasSubstr(c.rule));
    const bool printable = std::all_of(c.key.begin(), c.key.end(), [](char ch) { return ch >= 0x20; });
    if (c.key.size() < 100 && printable) {
      EXPECT_THAT(s.message(), ::testing::HasSubstr("\"" + c.key + "\""));
    }
  }
  EXPECT_THAT(ValidateKey(std::string("a\0b", 3)).message(), ::testing::HasSubstr("a\\0b"));
  // Untrusted bytes are shown escaped, never raw on a terminal.
  EXPECT_THAT(ValidateKey("a\xff.log").message(), ::testing::HasSubstr("a\\xff.log"));
}

TEST(OpenStoreTest, OpensDirectoryBucketsByUrlOrPath) {
  const fs::path dir = TempDirs::Fresh();
  auto by_url = OpenStore("file://" + (dir / "b1").string());
  ASSERT_TRUE(by_url.has_value()) << by_url.error().ToString();
  EXPECT_EQ((*by_url)->Bucket(), "b1");
  EXPECT_EQ((*by_url)->Url(), "file://" + fs::canonical(dir / "b1").string());
  EXPECT_TRUE(fs::is_directory(dir / "b1"));

  auto by_path = OpenStore((dir / "nested/b2").string());
  ASSERT_TRUE(by_path.has_value()) << by_path.error().ToString();
  EXPECT_EQ((*by_path)->Bucket(), "b2");
  ASSERT_TRUE((*by_path)->Put("k.log", "v").has_value());
  EXPECT_TRUE(fs::is_regular_file(dir / "nested/b2/k.log"));

  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  auto relative = OpenStore("rel/b3");
  fs::current_path(cwd);
  ASSERT_TRUE(relative.has_value()) << relative.error().ToString();
  EXPECT_EQ((*relative)->Url(), "file://" + fs::canonical(dir / "rel/b3").string());
}

TEST(OpenStoreTest, RefusesUnsupportedAndMalformedUrls) {
  auto gs = OpenStore("gs://bucket/prefix");  // s3:// is supported (s3_store_test)
  ASSERT_FALSE(gs.has_value());
  EXPECT_EQ(gs.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(gs.error().message(), ::testing::HasSubstr("not supported"));
  EXPECT_THAT(gs.error().message(), ::testing::HasSubstr("gs://"));
  EXPECT_FALSE(OpenStore("s3://x").has_value()) << "a bucket name has 3 to 63 characters";
  EXPECT_FALSE(OpenStore("file://relative/path").has_value());
  EXPECT_FALSE(OpenStore("").has_value());
  const fs::path file = TempDirs::Fresh() / "a-file";
  std::ofstream(file) << "x";
  EXPECT_FALSE(OpenStore(file.string()).has_value());
}

// ---- DirStore only ----

std::set<std::string> TreeOf(const fs::path& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    out.insert(e.path().lexically_relative(root).string());
  }
  return out;
}

TEST(DirStoreTest, ObjectsAreFilesUnderTheBucket) {
  const fs::path bucket = TempDirs::Fresh() / "bucket";
  auto store = DirStore::Open(bucket.string());
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE((*store)->Put("h1/2026-11-24/h1-000001.log", "hello\n").has_value());
  std::ifstream in(bucket / "h1/2026-11-24/h1-000001.log");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "hello\n");
  EXPECT_EQ(TreeOf(bucket),
            (std::set<std::string>{"h1", "h1/2026-11-24", "h1/2026-11-24/h1-000001.log"}));
}

TEST(DirStoreTest, NothingIsWrittenOutsideTheBucket) {
  const fs::path parent = TempDirs::Fresh();
  const fs::path bucket = parent / "bucket";
  auto store = DirStore::Open(bucket.string());
  ASSERT_TRUE(store.has_value());
  std::ofstream(parent / "victim.log") << "precious";
  fs::create_directories(parent / "elsewhere");
  fs::create_directory_symlink(parent / "elsewhere", bucket / "link");
  const std::set<std::string> before = TreeOf(parent / "elsewhere");

  for (std::string key : {"../victim.log", "../../x.log", "a/../../victim.log", "/tmp/x.log",
                          "link/x.log", "link/sub/y.log"}) {
    EXPECT_FALSE((*store)->Put(key, "overwritten").has_value()) << key;
  }
  std::ofstream(parent / "elsewhere/kept.log") << "kept";
  EXPECT_FALSE((*store)->Delete("link/kept.log").ok()) << "delete through an escaping symlink";
  EXPECT_TRUE(fs::exists(parent / "elsewhere/kept.log"));

  std::ifstream in(parent / "victim.log");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "precious");
  EXPECT_EQ(TreeOf(parent / "elsewhere"), (std::set<std::string>{"kept.log"}));
  EXPECT_TRUE(before.empty());
  EXPECT_EQ(TreeOf(parent), (std::set<std::string>{"bucket", "bucket/link", "victim.log",
                                                   "elsewhere", "elsewhere/kept.log"}));
  // Symbolic links are not objects.
  auto list = (*store)->List("");
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->objects.empty());
}

TEST(DirStoreTest, TempFilesAreHiddenAndNeverLookLikeLogs) {
  const fs::path bucket = TempDirs::Fresh() / "bucket";
  auto opened = DirStore::Open(bucket.string());
  ASSERT_TRUE(opened.has_value());
  DirStore& store = **opened;

  // Leftovers of a crashed writer are not objects.
  fs::create_directories(bucket / "h1");
  std::ofstream(bucket / ".tmp-0123456789abcdef") << "partial";
  std::ofstream(bucket / "h1/.tmp-fedcba9876543210") << "partial";
  ASSERT_TRUE(store.Put("h1/a.log", "a").has_value());
  auto list = store.List("");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->objects.size(), 1u);
  EXPECT_EQ(list->objects[0].key, "h1/a.log");
  auto reserved = store.Put("h1/.tmp-mine", "x");
  ASSERT_FALSE(reserved.has_value());
  EXPECT_EQ(reserved.error().code(), StatusCode::kInvalidArgument);

  // Watch the directory while a writer publishes: every other name seen is a
  // hidden temp name that does not end like a log object.
  const std::string big(4 << 20, 'x');
  std::atomic<bool> stop{false};
  std::set<std::string> seen;
  std::thread watcher([&] {
    while (!stop) {
      DIR* d = ::opendir((bucket / "h2").c_str());
      if (d == nullptr) continue;
      while (struct dirent* e = ::readdir(d)) seen.insert(e->d_name);
      ::closedir(d);
    }
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store.Put("h2/obj-" + std::to_string(i % 3) + ".log",
                          big + std::to_string(i)).has_value());
  }
  stop = true;
  watcher.join();
  int temps = 0;
  for (const std::string& name : seen) {
    if (name == "." || name == ".." || name.starts_with("obj-")) continue;
    ++temps;
    EXPECT_TRUE(name.starts_with(".tmp-")) << name;
    EXPECT_FALSE(name.ends_with(".log") || name.ends_with(".gz") || name.ends_with(".zst")) << name;
  }
  EXPECT_EQ(TreeOf(bucket / "h2"),
            (std::set<std::string>{"obj-0.log", "obj-1.log", "obj-2.log"}))
      << "no temp files remain";
  RecordProperty("temp_names_seen", temps);
}

TEST(DirStoreTest, ConcurrentReadersNeverSeeHalfWrittenObjects) {
  auto opened = DirStore::Open((TempDirs::Fresh() / "bucket").string());
  ASSERT_TRUE(opened.has_value());
  DirStore& store = **opened;
  const std::string a(3 << 20, 'a');
  const std::string b((3 << 20) + 4096, 'b');
  ASSERT_TRUE(store.Put("k/big.log", a).has_value());

  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, bad{0};
  std::thread reader([&] {
    while (!stop) {
      auto got = ReadAll(store, "k/big.log");
      if (!got || (*got != a && *got != b)) ++bad;
      ++reads;
    }
  });
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(store.Put("k/big.log", i % 2 ? a : b).has_value());
  }
  while (reads < 5) std::this_thread::yield();
  stop = true;
  reader.join();
  EXPECT_EQ(bad, 0) << "of " << reads << " reads";
}

TEST(DirStoreTest, ReaderKeepsTheObjectItOpened) {
  auto opened = DirStore::Open((TempDirs::Fresh() / "bucket").string());
  ASSERT_TRUE(opened.has_value());
  DirStore& store = **opened;
  ASSERT_TRUE(store.Put("k.log", "old content").has_value());
  auto reader = store.Get("k.log");
  ASSERT_TRUE(reader.has_value());
  ASSERT_TRUE(store.Put("k.log", "new!").has_value());
  char buf[64];
  auto n = (*reader)->Read(buf, sizeof buf);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(std::string(buf, *n), "old content");
}

TEST(DirStoreTest, EtagFollowsFilesChangedBehindItsBack) {
  const fs::path bucket = TempDirs::Fresh() / "bucket";
  auto opened = DirStore::Open(bucket.string());
  ASSERT_TRUE(opened.has_value());
  DirStore& store = **opened;
  ASSERT_TRUE(store.Put("k.log", "hello").has_value());
  EXPECT_EQ(store.Head("k.log")->etag, Md5Hex("hello"));
  // Same size, new content, written in place by someone else.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::ofstream(bucket / "k.log", std::ios::trunc) << "world";
  EXPECT_EQ(store.Head("k.log")->etag, Md5Hex("world"));
  // Files dropped into the directory directly are objects with content etags.
  std::ofstream(bucket / "dropped.log") << "hello";
  auto list = store.List("");
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->objects.size(), 2u);
  EXPECT_EQ(list->objects[0].key, "dropped.log");
  EXPECT_EQ(list->objects[0].etag, Md5Hex("hello"));
  // A second store on the same directory agrees (xattr or recomputed).
  auto other = DirStore::Open(bucket.string());
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ((*other)->Head("k.log")->etag, Md5Hex("world"));
  auto same = (*other)->Put("k.log", "world");
  ASSERT_TRUE(same.has_value());
  EXPECT_FALSE(same->created);
}

TEST(DirStoreTest, KeyAndKeysBelowItConflictClearly) {
  auto opened = DirStore::Open((TempDirs::Fresh() / "bucket").string());
  ASSERT_TRUE(opened.has_value());
  DirStore& store = **opened;
  ASSERT_TRUE(store.Put("a/b.log", "x").has_value());
  auto as_file = store.Put("a", "x");
  ASSERT_FALSE(as_file.has_value());
  EXPECT_EQ(as_file.error().code(), StatusCode::kFailedPrecondition) << as_file.error().ToString();
  auto below_file = store.Put("a/b.log/c", "x");
  ASSERT_FALSE(below_file.has_value());
  EXPECT_EQ(below_file.error().code(), StatusCode::kFailedPrecondition)
      << below_file.error().ToString();
  EXPECT_EQ(ReadAll(store, "a/b.log").value_or("?"), "x");
}

TEST(DirStoreTest, OverlongFileNamesAreRefusedClearly) {
  auto opened = DirStore::Open((TempDirs::Fresh() / "bucket").string());
  ASSERT_TRUE(opened.has_value());
  for (const std::string& key : {std::string(300, 'f'), std::string(300, 'd') + "/x.log"}) {
    auto put = (*opened)->Put(key, "x");
    ASSERT_FALSE(put.has_value());
    EXPECT_EQ(put.error().code(), StatusCode::kInvalidArgument) << put.error().ToString();
    EXPECT_THAT(put.error().message(), ::testing::HasSubstr("255 bytes"));
  }
  auto list = (*opened)->List("");
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->objects.empty()) << "no temp file left behind";
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator((*opened)->root())) ++entries;
  EXPECT_EQ(entries, 0u);
}

}  // namespace
}  // namespace logstream
