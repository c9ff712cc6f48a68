#include "src/notify/topic_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "src/log/memory_log.h"

namespace logstream {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TopicFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(log_.EnsureTopic("aggregates", TopicOptions{}).ok()); }

  // A path in the test's temporary directory with no file there yet.
  static std::string FreshPath(const std::string& name) {
    std::string path = ::testing::TempDir() + "/" + name;
    std::filesystem::remove(path);
    return path;
  }

  void Append(const std::string& value) {
    auto txn = log_.Begin("t");
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->Append("aggregates", "k", value).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  // A TopicFile's first run: Init and one Poll; how many records it copied.
  size_t CopyOnce(const std::string& path) {
    TopicFile f(log_, "aggregates", path, "agg");
    EXPECT_TRUE(f.Init().ok());
    auto n = f.Poll(0);
    EXPECT_TRUE(n);
    return n.value_or(0);
  }

  MemoryLog log_;
};

TEST_F(TopicFileTest, CopiesOnceAndCutsBackUncommittedBytesOnRestart) {
  const std::string path = FreshPath("topic_file_test.jsonl");
  Append("{\"a\":1}");
  Append("{\"a\":2}");
  EXPECT_EQ(CopyOnce(path), 2u);
  // A crash after writing but before committing leaves extra bytes.
  { std::ofstream(path, std::ios::app) << "{\"a\":3}\n{\"par"; }
  Append("{\"a\":3}");
  std::vector<std::string> echoed;
  TopicFile f(log_, "aggregates", path, "agg", [&](std::string_view v) { echoed.emplace_back(v); });
  ASSERT_TRUE(f.Init().ok());
  ASSERT_TRUE(f.Poll(0));
  EXPECT_EQ(Slurp(path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  EXPECT_EQ(echoed, std::vector<std::string>{"{\"a\":3}"});
  auto again = f.Poll(0);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
}

TEST_F(TopicFileTest, TruncatedByOthersIsDataLoss) {
  const std::string path = FreshPath("topic_file_test2.jsonl");
  Append("{\"a\":1}");
  EXPECT_EQ(CopyOnce(path), 1u);
  std::filesystem::resize_file(path, 2);
  TopicFile f(log_, "aggregates", path, "agg");
  Status s = f.Init();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace logstream
