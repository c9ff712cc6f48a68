#include "src/lambda/s3_ingest_handler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "src/log/memory_log.h"

namespace logstream::lambda {
namespace {

class S3IngestHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("lambda-handler-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "web 1" / "2026-11-24");
    std::ofstream(root_ / "web 1" / "2026-11-24" / "a+b.log")
        << "2026-11-24T00:00:01.000Z [main] INFO Web$ - started\n"
        << "2026-11-24T00:00:02.000Z [main] ERROR Web$ - failed\n";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
};

TEST_F(S3IngestHandlerTest, IngestsOnceAndReplayIsDuplicate) {
  MemoryLog log;
  S3IngestHandler handler(log, {.store_url = "file://" + root_.string(), .ingest = {}});
  ObjectEvent event;
  event.bucket = "b";
  event.key = "web 1/2026-11-24/a+b.log";
  const std::string json = ObjectEventsToS3Json({event});
  auto first = handler.Handle(json);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_NE(first->find("\"ingested\":1"), std::string::npos) << *first;
  auto again = handler.Handle(json);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_NE(again->find("\"ingested\":0,\"duplicates\":1"), std::string::npos) << *again;
  auto logs = log.DescribeTopic("logs");
  ASSERT_TRUE(logs.has_value());
  int64_t records = 0;
  for (int64_t end : logs->end_offsets) records += end;
  EXPECT_EQ(records, 2);
}

TEST_F(S3IngestHandlerTest, InvalidJsonIsInvalidEvent) {
  MemoryLog log;
  S3IngestHandler handler(log, {.store_url = "file://" + root_.string(), .ingest = {}});
  auto r = handler.Handle("{\"Records\": [");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().type, "InvalidEvent");
  EXPECT_NE(r.error().message.find("not an S3 event notification"), std::string::npos);
}

}  // namespace
}  // namespace logstream::lambda
