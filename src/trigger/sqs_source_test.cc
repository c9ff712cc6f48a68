#include "src/trigger/sqs_source.h"

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace logstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// A clock the test moves; counts reads so a test can wait for the keeper's
// next look at the in-flight messages.
struct FakeClock {
  std::atomic<TimeMs> t{1'000'000};
  std::atomic<int> reads{0};
  TimeMs Now() {
    reads.fetch_add(1);
    return t.load();
  }
};

// An in-memory queue: hands out the messages given to it, records deletes
// and visibility changes.
struct FakeQueue : aws::SqsQueue {
  std::mutex mu;
  std::deque<aws::SqsMessage> ready;
  std::vector<std::string> deleted;
  std::vector<std::pair<std::string, int>> changes;  // receipt, visibility_s
  std::vector<int> waits;  // wait_s of each Receive
  Status change_result = Status::Ok();

  Result<std::vector<aws::SqsMessage>> Receive(int max, int wait_s, int) override {
    std::lock_guard lock(mu);
    waits.push_back(wait_s);
    std::vector<aws::SqsMessage> out;
    while (!ready.empty() && static_cast<int>(out.size()) < max) {
      out.push_back(ready.front());
      ready.pop_front();
    }
    return out;
  }
  Status Delete(std::string_view receipt) override {
    std::lock_guard lock(mu);
    deleted.emplace_back(receipt);
    return Status::Ok();
  }
  Status ChangeVisibility(std::string_view receipt, int visibility_s) override {
    std::lock_guard lock(mu);
    changes.emplace_back(std::string(receipt), visibility_s);
    return change_result;
  }
  size_t Changes() {
    std::lock_guard lock(mu);
    return changes.size();
  }
};

aws::SqsMessage Message(std::string receipt, const std::vector<std::string>& keys) {
  std::vector<ObjectEvent> events;
  for (const std::string& k : keys) events.push_back(ObjectEvent{"ObjectCreated:Put", "logs", "raw/" + k, 10, "e-" + k, 1});
  return aws::SqsMessage{"id-" + receipt, receipt, ObjectEventsToS3Json(events), 1};
}

class SqsSourceTest : public ::testing::Test {
 protected:
  void Open(int visibility_s = 10) {
    auto q = std::make_unique<FakeQueue>();
    queue_ = q.get();
    SqsSourceOptions o;
    o.bucket = "logs";
    o.prefix = "raw";
    o.visibility_s = visibility_s;
    o.check_interval_ms = 2;
    o.exit_when_empty = true;
    o.now = [this] { return clock_.Now(); };
    o.on_warning = [this](std::string_view m) {
      std::lock_guard lock(warnings_mu_);
      warnings_.emplace_back(m);
    };
    auto s = SqsSource::Open(std::move(o), std::move(q));
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    src_ = std::move(*s);
  }
  // Moves the clock to start + ms and waits until the keeper has looked at
  // the in-flight messages at least once at that time.
  void At(TimeMs ms) {
    clock_.t.store(start_ + ms);
    const int seen = clock_.reads.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (clock_.reads.load() < seen + 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_GE(clock_.reads.load(), seen + 2) << "the visibility keeper stopped looking";
  }
  std::vector<ObjectEvent> PollAll() {
    auto events = src_->Poll(1000);
    EXPECT_TRUE(events.has_value());
    return events ? *events : std::vector<ObjectEvent>{};
  }

  FakeClock clock_;
  const TimeMs start_ = clock_.t.load();
  FakeQueue* queue_ = nullptr;
  std::unique_ptr<SqsSource> src_;
  std::mutex warnings_mu_;
  std::vector<std::string> warnings_;
};

TEST_F(SqsSourceTest, ExtendsVisibilityUntilEveryObjectIsAckedThenDeletes) {
  Open(10);
  queue_->ready.push_back(Message("r1", {"h1/a.log", "h1/b.log"}));
  std::vector<ObjectEvent> events = PollAll();
  ASSERT_EQ(events.size(), 2u);
  At(4'000);  // 6 s of the 10 s left: nothing to do
  EXPECT_EQ(queue_->Changes(), 0u);
  At(5'500);  // less than half left: hidden for another 10 s from now
  EXPECT_THAT(queue_->changes, ElementsAre(Pair("r1", 10)));
  At(9'000);  // 6.5 s left after the extension
  EXPECT_EQ(queue_->Changes(), 1u);
  At(11'000);  // 4.5 s left: the long object is still being ingested
  EXPECT_EQ(queue_->Changes(), 2u);
  ASSERT_TRUE(src_->Ack(events[0]).ok());
  EXPECT_TRUE(queue_->deleted.empty()) << "deleted before its second object was committed";
  At(19'000);  // still in flight (b.log)
  EXPECT_EQ(queue_->Changes(), 3u);
  ASSERT_TRUE(src_->Ack(events[1]).ok());
  EXPECT_THAT(queue_->deleted, ElementsAre("r1"));
  At(60'000);  // deleted: no more extensions
  EXPECT_EQ(queue_->Changes(), 3u);
  EXPECT_EQ(src_->stats().extended, 3u);
  EXPECT_EQ(src_->stats().deleted, 1u);
  EXPECT_TRUE(PollAll().empty());
  EXPECT_TRUE(src_->Done());
}

TEST_F(SqsSourceTest, PollWithoutWaitIsShortAndItsEmptyAnswerDoesNotEndTheSource) {
  Open(10);
  ASSERT_TRUE(src_->Poll(0));  // ingest holds objects to commit: no waiting
  EXPECT_FALSE(src_->Done()) << "a short poll may miss messages";
  ASSERT_TRUE(src_->Poll(200));  // waits whole seconds: at least one
  EXPECT_TRUE(src_->Done());
  ASSERT_TRUE(src_->Poll(60'000));  // at most wait_s
  EXPECT_THAT(queue_->waits, ElementsAre(0, 1, 1));
}

TEST_F(SqsSourceTest, EachMessageIsExtendedOnItsOwnSchedule) {
  Open(10);
  queue_->ready.push_back(Message("r1", {"h1/a.log"}));
  ASSERT_EQ(PollAll().size(), 1u);
  At(3'000);
  queue_->ready.push_back(Message("r2", {"h2/a.log"}));
  std::vector<ObjectEvent> second = PollAll();  // received at 3 s
  ASSERT_EQ(second.size(), 1u);
  At(5'500);
  EXPECT_THAT(queue_->changes, ElementsAre(Pair("r1", 10)));
  At(8'500);
  EXPECT_THAT(queue_->changes, ElementsAre(Pair("r1", 10), Pair("r2", 10)));
}

TEST_F(SqsSourceTest, AbandonedMessageIsNeitherExtendedNorDeleted) {
  Open(10);
  queue_->ready.push_back(Message("r1", {"h1/a.log", "h1/b.log"}));
  std::vector<ObjectEvent> events = PollAll();
  ASSERT_EQ(events.size(), 2u);
  src_->Abandon(events[0]);  // its ingest failed
  ASSERT_TRUE(src_->Ack(events[1]).ok());
  At(30'000);
  EXPECT_EQ(queue_->Changes(), 0u);
  EXPECT_TRUE(queue_->deleted.empty()) << "a message with an uncommitted object must come back";
  EXPECT_EQ(src_->stats().abandoned, 1u);
  EXPECT_TRUE(PollAll().empty());
  EXPECT_TRUE(src_->Done());
}

TEST_F(SqsSourceTest, RefusedExtensionStopsExtendingThatMessageWithAWarning) {
  Open(4);
  queue_->change_result = InvalidArgument("ReceiptHandleIsInvalid");
  queue_->ready.push_back(Message("r1", {"h1/a.log"}));
  std::vector<ObjectEvent> events = PollAll();
  At(2'500);
  At(3'500);
  At(10'000);
  EXPECT_EQ(queue_->Changes(), 1u);
  EXPECT_EQ(src_->stats().extend_failures, 1u);
  {
    std::lock_guard lock(warnings_mu_);
    ASSERT_EQ(warnings_.size(), 1u);
    EXPECT_THAT(warnings_[0], HasSubstr("ReceiptHandleIsInvalid"));
  }
  ASSERT_TRUE(src_->Ack(events[0]).ok());  // committed after all: still deleted
  EXPECT_THAT(queue_->deleted, ElementsAre("r1"));
}

TEST_F(SqsSourceTest, TransientExtensionFailureIsRetried) {
  Open(4);
  queue_->change_result = Unavailable("503");
  queue_->ready.push_back(Message("r1", {"h1/a.log"}));
  ASSERT_EQ(PollAll().size(), 1u);
  At(2'500);
  const size_t failed = queue_->Changes();
  EXPECT_GE(failed, 1u);
  {
    std::lock_guard lock(queue_->mu);
    queue_->change_result = Status::Ok();
  }
  At(2'600);
  EXPECT_GT(queue_->Changes(), failed);
  EXPECT_EQ(src_->stats().extended, 1u);
}

}  // namespace
}  // namespace logstream
