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

void Append(Log& log, const std::string& value) {
  auto txn = log.Begin("t");
  ASSERT_TRUE(txn);
  ASSERT_TRUE((*txn)->Append("aggregates", "k", value).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
}

TEST(TopicFileTest, CopiesOnceAndCutsBackUncommittedBytesOnRestart) {
  MemoryLog log;
  ASSERT_TRUE(log.EnsureTopic("aggregates", TopicOptions{}).ok());
  std::string path = ::testing::TempDir() + "/topic_file_test.jsonl";
  std::filesystem::remove(path);
  Append(log, "{\"a\":1}");
  Append(log, "{\"a\":2}");
  {
    TopicFile f(log, "aggregates", path, "agg");
    ASSERT_TRUE(f.Init().ok());
    auto n = f.Poll(0);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 2u);
  }
  // A crash after writing but before committing leaves extra bytes.
  { std::ofstream(path, std::ios::app) << "{\"a\":3}\n{\"par"; }
  Append(log, "{\"a\":3}");
  std::vector<std::string> echoed;
  TopicFile f(log, "aggregates", path, "agg", [&](std::string_view v) { echoed.emplace_back(v); });
  ASSERT_TRUE(f.Init().ok());
  ASSERT_TRUE(f.Poll(0));
  EXPECT_EQ(Slurp(path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  EXPECT_EQ(echoed, std::vector<std::string>{"{\"a\":3}"});
  auto again = f.Poll(0);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
}

TEST(TopicFileTest, TruncatedByOthersIsDataLoss) {
  MemoryLog log;
  ASSERT_TRUE(log.EnsureTopic("aggregates", TopicOptions{}).ok());
  std::string path = ::testing::TempDir() + "/topic_file_test2.jsonl";
  std::filesystem::remove(path);
  Append(log, "{\"a\":1}");
  {
    TopicFile f(log, "aggregates", path, "agg");
    ASSERT_TRUE(f.Init().ok());
    ASSERT_TRUE(f.Poll(0));
  }
  std::filesystem::resize_file(path, 2);
  TopicFile f(log, "aggregates", path, "agg");
  Status s = f.Init();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace logstream
