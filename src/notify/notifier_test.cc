#include "src/notify/notifier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "src/log/memory_log.h"
#include "src/notify/alert_text.h"

namespace logstream {
namespace {

std::string AlertJson(const std::string& rule, int n) {
  std::string start = "2026-11-24T00:00:" + std::string(n < 10 ? "0" : "") + std::to_string(n) + ".000Z";
  return R"({"id":")" + rule + "/host-1/" + start + R"(","rule":")" + rule +
         R"(","key":"host-1","window_start":")" + start +
         R"(","window_end":"2026-11-24T00:01:00.000Z","count":20,"threshold":20,"samples":[]})";
}

// Records every call; answers with `answer` (thread-safe: the test thread reads calls).
struct FakeState {
  std::mutex mu;
  std::vector<std::string> calls;
  std::function<Delivery(const std::string& json, int attempt)> answer =
      [](const std::string&, int) { return Delivery::Ok(); };
  std::map<std::string, int> attempts;
  size_t Count() {
    std::lock_guard<std::mutex> l(mu);
    return calls.size();
  }
};

class FakeSink : public Sink {
 public:
  explicit FakeSink(std::shared_ptr<FakeState> s) : s_(std::move(s)) {}
  Delivery Deliver(std::string_view json) override {
    std::lock_guard<std::mutex> l(s_->mu);
    s_->calls.emplace_back(json);
    return s_->answer(std::string(json), ++s_->attempts[std::string(json)]);
  }

 private:
  std::shared_ptr<FakeState> s_;
};

// Waits until `state` has seen `count` deliveries, or `tries` times 5 ms.
void WaitForCalls(FakeState& state, size_t count, int tries) {
  for (int i = 0; i < tries && state.Count() < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Runs a notifier on a thread of its own until Stop or destruction.
class RunningNotifier {
 public:
  explicit RunningNotifier(Notifier& n) : thread_([this, &n] { EXPECT_TRUE(n.Run(&stop_).ok()); }) {}
  ~RunningNotifier() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

RetryPolicy Fast(int max_attempts = 10) {
  RetryPolicy r;
  r.backoff = 1;
  r.max_backoff = 4;
  r.max_attempts = max_attempts;
  return r;
}

// Up to 1000 attempts, `backoff` ms apart.
RetryPolicy Steady(TimeMs backoff) {
  RetryPolicy r = Fast(1000);
  r.backoff = r.max_backoff = backoff;
  return r;
}

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(log_.EnsureTopic("alerts", TopicOptions{}).ok()); }

  void AddAlerts(const std::string& rule, int n, int first = 0) {
    auto txn = log_.Begin("processor");
    for (int i = first; i < first + n; ++i) ASSERT_TRUE((*txn)->Append("alerts", "k", AlertJson(rule, i)).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::shared_ptr<FakeState> NewState() { return std::make_shared<FakeState>(); }
  // A sink whose deliveries all fail with Retry(why).
  std::shared_ptr<FakeState> RetryingState(const std::string& why) {
    auto state = NewState();
    state->answer = [why](const std::string&, int) { return Delivery::Retry(why); };
    return state;
  }

  std::unique_ptr<Notifier> Make(std::vector<std::pair<std::string, std::shared_ptr<FakeState>>> fakes,
                                 RetryPolicy retry = Fast(), RuleSinks rules = {}) {
    std::vector<NotifierSink> sinks;
    for (auto& [name, state] : fakes) sinks.push_back({name, std::make_unique<FakeSink>(state), retry});
    NotifierOptions o;
    o.poll_wait = 10;
    o.jitter_seed = 7;
    auto n = Notifier::Create(&log_, std::move(sinks), std::move(rules), o);
    EXPECT_TRUE(n.has_value());
    return std::move(*n);
  }

  Status Drain(Notifier& n) {
    std::atomic<bool> stop{false}, drain{true};
    return n.Run(&stop, &drain);
  }

  int64_t Committed() { return log_.CommittedOffset("notifier", "alerts", 0).value_or(-1); }

  std::vector<std::string> Undelivered() {
    std::vector<std::string> out;
    auto r = log_.Read("alerts-undelivered", 0, 0, 1000);
    if (r) {
      for (auto& e : *r) out.push_back(e.value);
    }
    return out;
  }

  MemoryLog log_;
};

TEST_F(NotifierTest, DeliversEveryAlertToEverySinkOnceAndCommits) {
  AddAlerts("r", 5);
  auto a = NewState(), b = NewState();
  auto n = Make({{"a", a}, {"b", b}});
  ASSERT_TRUE(Drain(*n).ok());
  EXPECT_EQ(a->Count(), 5u);
  EXPECT_EQ(b->Count(), 5u);
  EXPECT_EQ(a->calls[0], AlertJson("r", 0));
  EXPECT_EQ(Committed(), 5);
  EXPECT_EQ(n->counters().delivered.load(), 10);
  auto state = log_.ReadState("notify-state");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->size(), 10u);
  EXPECT_EQ(state->at("a/r/host-1/2026-11-24T00:00:00.000Z"), "delivered");
}

TEST_F(NotifierTest, RetriesTransientFailuresThenDelivers) {
  AddAlerts("r", 3);
  auto a = NewState();
  a->answer = [](const std::string&, int attempt) {
    return attempt <= 2 ? Delivery::Retry("HTTP 500") : Delivery::Ok();
  };
  auto n = Make({{"a", a}});
  ASSERT_TRUE(Drain(*n).ok());
  EXPECT_EQ(a->Count(), 9u);
  EXPECT_EQ(n->counters().retries.load(), 6);
  EXPECT_EQ(n->counters().delivered.load(), 3);
  EXPECT_TRUE(Undelivered().empty());
  EXPECT_EQ(Committed(), 3);
}

TEST_F(NotifierTest, ParksAlertsThatKeepFailingOrAreRejected) {
  AddAlerts("r", 2);
  auto retry = RetryingState("connection refused"), reject = NewState();
  reject->answer = [](const std::string&, int) { return Delivery::Error("HTTP 400"); };
  auto n = Make({{"retry", retry}, {"reject", reject}}, Fast(3));
  ASSERT_TRUE(Drain(*n).ok());
  EXPECT_EQ(retry->Count(), 6u);   // 3 attempts each
  EXPECT_EQ(reject->Count(), 2u);  // no retry
  auto parked = Undelivered();
  ASSERT_EQ(parked.size(), 4u);
  int gave_up = 0, rejected = 0;
  for (const std::string& p : parked) {
    if (p.find("\"sink\":\"retry\"") != std::string::npos) {
      EXPECT_NE(p.find("gave up after 3 attempts"), std::string::npos) << p;
      ++gave_up;
    } else {
      EXPECT_NE(p.find("rejected: HTTP 400"), std::string::npos) << p;
      ++rejected;
    }
    EXPECT_NE(p.find("\"alert\":{\"id\":\"r/host-1/"), std::string::npos) << p;
  }
  EXPECT_EQ(gave_up, 2);
  EXPECT_EQ(rejected, 2);
  EXPECT_EQ(Committed(), 2);  // parked counts as finished
  EXPECT_EQ(n->counters().parked.load(), 4);
}

TEST_F(NotifierTest, ParksAfterMaxAge) {
  AddAlerts("r", 1);
  auto a = RetryingState("down");
  RetryPolicy r = Steady(20);
  r.max_age = 100;
  auto n = Make({{"a", a}}, r);
  ASSERT_TRUE(Drain(*n).ok());
  EXPECT_LT(a->Count(), 20u);
  ASSERT_EQ(Undelivered().size(), 1u);
  EXPECT_NE(Undelivered()[0].find("gave up"), std::string::npos);
}

TEST_F(NotifierTest, RestartNeverResendsToASinkThatConfirmed) {
  AddAlerts("r", 4);
  auto a = NewState(), b = RetryingState("smtp down");
  {
    auto n = Make({{"a", a}, {"b", b}}, Steady(50));
    RunningNotifier running(*n);
    WaitForCalls(*a, 4, 500);
  }
  EXPECT_EQ(a->Count(), 4u);
  EXPECT_EQ(Committed(), 0);  // b has not confirmed anything
  // Restart: a is skipped (confirmed), b gets everything.
  auto a2 = NewState(), b2 = NewState();
  auto n2 = Make({{"a", a2}, {"b", b2}});
  ASSERT_TRUE(Drain(*n2).ok());
  EXPECT_EQ(a2->Count(), 0u);
  EXPECT_EQ(b2->Count(), 4u);
  EXPECT_EQ(n2->counters().skipped.load(), 4);
  EXPECT_EQ(Committed(), 4);
  // A third run finds nothing to do.
  auto a3 = NewState(), b3 = NewState();
  auto n3 = Make({{"a", a3}, {"b", b3}});
  ASSERT_TRUE(Drain(*n3).ok());
  EXPECT_EQ(a3->Count() + b3->Count(), 0u);
}

TEST_F(NotifierTest, FailingSinkDoesNotBlockTheOthers) {
  auto ok = NewState(), down = RetryingState("down");
  auto n = Make({{"ok", ok}, {"down", down}}, Steady(10000));
  RunningNotifier running(*n);
  AddAlerts("r", 3);
  WaitForCalls(*ok, 3, 400);
  AddAlerts("r", 2, 3);  // more alerts while "down" is stuck in its backoff
  WaitForCalls(*ok, 5, 400);
  EXPECT_EQ(ok->Count(), 5u);
  EXPECT_EQ(down->Count(), 1u);  // waiting 5-10 s before its retry
  auto start = std::chrono::steady_clock::now();
  running.Stop();  // stop interrupts the backoff
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(Committed(), 0);
}

TEST_F(NotifierTest, RulesSelectTheirSinks) {
  AddAlerts("mail-only", 2);
  AddAlerts("any", 1, 5);
  auto mail = NewState(), hook = NewState();
  auto n = Make({{"mail", mail}, {"hook", hook}}, Fast(), {{"mail-only", {"mail"}}, {"any", {}}});
  ASSERT_TRUE(Drain(*n).ok());
  EXPECT_EQ(mail->Count(), 3u);
  EXPECT_EQ(hook->Count(), 1u);
}

TEST_F(NotifierTest, UnknownRuleSinkIsAnError) {
  std::vector<NotifierSink> sinks;
  sinks.push_back({"a", std::make_unique<FakeSink>(NewState()), Fast()});
  auto n = Notifier::Create(&log_, std::move(sinks), {{"r", {"nope"}}});
  ASSERT_FALSE(n.has_value());
  EXPECT_NE(n.error().message().find("'nope'"), std::string::npos);
}

TEST_F(NotifierTest, UndecodableAlertIsParkedNotDropped) {
  auto txn = log_.Begin("p");
  ASSERT_TRUE((*txn)->Append("alerts", "k", "not json").ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  AddAlerts("r", 1);
  auto a = NewState();
  auto n = Make({{"a", a}});
  ASSERT_TRUE(Drain(*n).ok());
  EXPECT_EQ(a->Count(), 1u);
  ASSERT_EQ(Undelivered().size(), 1u);
  EXPECT_NE(Undelivered()[0].find("undecodable"), std::string::npos);
  EXPECT_EQ(Committed(), 2);
}

TEST(TestAlertTest, IsAnAlertMarkedAsTest) {
  auto a = ParseAlert(TestAlertJson(1795478405123));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->rule, "test");
  EXPECT_EQ(a->id, "test/logstream-notify-test/2026-11-24T00:00:00.000Z");
  ASSERT_EQ(a->samples.size(), 1u);
  EXPECT_NE(a->samples[0].message.find("TEST ALERT"), std::string::npos);
}

}  // namespace
}  // namespace logstream
