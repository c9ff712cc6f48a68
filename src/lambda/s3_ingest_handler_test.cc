#include "src/lambda/s3_ingest_handler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "src/ingest/fleet.h"
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

// Each event of an invocation becomes a record of `objects` keyed by its
// host; two handlers (two runtime processes) do not fence each other.
TEST(S3EnqueueHandlerTest, EventsGoToObjectsKeyedByHost) {
  MemoryLog log;
  S3EnqueueHandler one(log, {}), two(log, {});
  std::vector<ObjectEvent> events(3);
  events[0].key = "web-2/2026-11-24/b.log";
  events[1].key = "web-1/2026-11-24/a.log";
  events[2].key = "web-2/2026-11-24/a.log";
  for (ObjectEvent& e : events) e.bucket = "b";
  auto r = one.Handle(ObjectEventsToS3Json(events));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, "{\"objects\":3,\"enqueued\":3,\"skipped\":0}");
  ASSERT_TRUE(two.Handle(ObjectEventsToS3Json({events[1]})).has_value());
  auto info = log.DescribeTopic("objects");
  ASSERT_TRUE(info);
  std::map<std::string, std::vector<std::string>> keys;  // host -> keys in log order
  for (int p = 0; p < info->partitions; ++p) {
    auto recs = log.Read("objects", p, 0, 100);
    ASSERT_TRUE(recs);
    for (const auto& rec : *recs) keys[rec.key].push_back(DecodeObjectEvent(rec.value)->key);
  }
  EXPECT_EQ(keys["web-2"], (std::vector<std::string>{"web-2/2026-11-24/a.log", "web-2/2026-11-24/b.log"}));
  EXPECT_EQ(keys["web-1"], (std::vector<std::string>{"web-1/2026-11-24/a.log", "web-1/2026-11-24/a.log"}));
  EXPECT_FALSE(one.Handle("{\"hello\":1}").has_value());
}

}  // namespace
}  // namespace logstream::lambda
