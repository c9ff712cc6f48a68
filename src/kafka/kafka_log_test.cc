// The Log contract suite (src/log/log_contract_test.h) against a real Kafka
// broker: KAFKA_URL from the environment, else from `scripts/services env
// kafka` (the ctest fixture `kafka` starts it). Each test gets a fresh
// namespace, so the tests share one broker without seeing each other.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "src/kafka/kafka_log.h"
#include "src/log/log_contract_test.h"

namespace logstream {

// Test names show the factory's name, not its bytes.
void PrintTo(const LogFactory& factory, std::ostream* os) { *os << factory.name; }

namespace {

std::string KafkaUrl() {
  if (const char* url = std::getenv("KAFKA_URL")) return url;
  const char* source = std::getenv("LOGSTREAM_SOURCE_DIR");
  const std::string cmd = std::string(source ? source : ".") + "/scripts/services env kafka 2>/dev/null";
  std::string out;
  if (FILE* pipe = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
    pclose(pipe);
  }
  const std::string key = "KAFKA_URL=";
  const size_t at = out.find(key);
  if (at == std::string::npos) return "";
  const size_t end = out.find('\n', at);
  return out.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

std::unique_ptr<Log> OpenFresh() {
  static const std::string url = KafkaUrl();
  static int counter = 0;
  if (url.empty()) {
    ADD_FAILURE() << "no Kafka broker: run `scripts/services start kafka` or set KAFKA_URL";
    return nullptr;
  }
  LogOptions options;
  options.name_space = "contract-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  auto log = OpenKafkaLog(url, options);
  EXPECT_TRUE(log.has_value()) << log.error().ToString();
  return log ? std::move(*log) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Kafka, LogContractTest, testing::Values(LogFactory{"Kafka", OpenFresh, /*dense_offsets=*/false}),
                         [](const auto& info) { return info.param.name; });

// A member removed from its group behind its back (it stopped polling for
// longer than max.poll.interval.ms) is a zombie: its transaction that
// commits the group's offsets fails, and nothing of it becomes visible.
TEST(KafkaGroupTest, ZombieMemberCannotCommit) {
  static const std::string url = KafkaUrl();
  ASSERT_FALSE(url.empty()) << "no Kafka broker: run `scripts/services start kafka` or set KAFKA_URL";
  LogOptions options;
  options.name_space = "zombie-" + std::to_string(getpid());
  options.properties = {{"session.timeout.ms", "6000"}, {"max.poll.interval.ms", "6000"}};
  auto opened = OpenKafkaLog(url, options);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  Log& log = **opened;
  TopicOptions two;
  two.partitions = 2;
  ASSERT_TRUE(log.EnsureTopic("in", two).ok());
  ASSERT_TRUE(log.EnsureTopic("out", TopicOptions{}).ok());
  auto sub = log.Subscribe("g", {"in"});
  ASSERT_TRUE(sub.has_value()) << sub.error().ToString();
  GroupMember member{std::move(*sub), {}, nullptr};
  const std::set<TopicPartition> all = {{"in", 0}, {"in", 1}};
  ASSERT_TRUE(PollUntil({&member}, [&] { return member.owned == all; }));
  {
    auto txn = log.Begin("member");
    ASSERT_TRUE(txn.has_value());
    ASSERT_TRUE((*txn)->CommitOffset("g", "in", 0, 3).ok());
    ASSERT_TRUE((*txn)->Commit().ok()) << "a live member commits";
  }
  std::this_thread::sleep_for(std::chrono::seconds(9));  // no Poll: removed from the group
  auto txn = log.Begin("member");
  ASSERT_TRUE(txn.has_value());
  ASSERT_TRUE((*txn)->Append("out", "k", "zombie output").ok());
  ASSERT_TRUE((*txn)->CommitOffset("g", "in", 0, 5).ok());
  Status s = (*txn)->Commit();
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
  EXPECT_EQ(*log.CommittedOffset("g", "in", 0), 3);
  auto out = log.Read("out", 0, 0, 10);
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->empty());
  // Polling again, it learns that it lost its partitions, rejoins and can
  // commit again.
  auto change = member.sub->Poll(100);
  ASSERT_TRUE(change.has_value());
  std::set<TopicPartition> owned;
  bool lost = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (; owned != all && std::chrono::steady_clock::now() < give_up; change = member.sub->Poll(100)) {
    ASSERT_TRUE(change.has_value());
    lost = lost || change->lost;
    for (const auto& tp : change->revoked) owned.erase(tp);
    for (const auto& tp : change->assigned) owned.insert(tp);
  }
  EXPECT_TRUE(lost);
  ASSERT_EQ(owned, all);
  auto again = log.Begin("member");
  ASSERT_TRUE(again.has_value());
  ASSERT_TRUE((*again)->CommitOffset("g", "in", 0, 5).ok());
  EXPECT_TRUE((*again)->Commit().ok());
}

// Two processes writing one state topic with the same transactional id (an
// ingest restarted while its old process still runs): GetOwnState answers
// from memory until this log begins with a new producer, which fences the
// other one and then sees what the other one committed.
TEST(KafkaStateTest, GetOwnStateSeesWhatAFencedWriterCommitted) {
  static const std::string url = KafkaUrl();
  ASSERT_FALSE(url.empty()) << "no Kafka broker: run `scripts/services start kafka` or set KAFKA_URL";
  LogOptions options;
  options.name_space = "own-state-" + std::to_string(getpid());
  auto a = OpenKafkaLog(url, options);
  auto b = OpenKafkaLog(url, options);
  ASSERT_TRUE(a.has_value() && b.has_value());
  TopicOptions state;
  state.compacted = true;
  ASSERT_TRUE((*a)->EnsureTopic("manifest", state).ok());
  auto put = [](Log& log, const std::string& value) -> Status {
    auto txn = log.Begin("ingest");
    if (!txn) return txn.error();
    Status s = (*txn)->Put("manifest", "object", value);
    return s.ok() ? (*txn)->Commit() : s;
  };
  ASSERT_TRUE(put(**a, "a1").ok());
  EXPECT_EQ((*a)->GetOwnState("manifest", "object")->value_or(""), "a1");
  ASSERT_TRUE(put(**b, "b1").ok());  // fences a's producer
  EXPECT_EQ((*b)->GetOwnState("manifest", "object")->value_or(""), "b1");
  EXPECT_FALSE(put(**a, "a2").ok()) << "a was fenced";
  auto again = (*a)->Begin("ingest");  // a new producer: fences b
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ((*a)->GetOwnState("manifest", "object")->value_or(""), "b1");
  ASSERT_TRUE((*again)->Put("manifest", "object", "a3").ok());
  ASSERT_TRUE((*again)->Commit().ok());
  EXPECT_EQ((*a)->GetOwnState("manifest", "object")->value_or(""), "a3");
  EXPECT_FALSE(put(**b, "b2").ok()) << "b was fenced";
  EXPECT_EQ((*b)->GetState("manifest", "object")->value_or(""), "a3");
}

// GetOwnState first waits for the transactions open on the state topic when
// it reads (another writer's here; a hanging one in the worst case) rather
// than answer from before an entry that such a transaction may still commit.
TEST(KafkaStateTest, GetOwnStateWaitsForTransactionsOpenWhenItReads) {
  static const std::string url = KafkaUrl();
  ASSERT_FALSE(url.empty()) << "no Kafka broker: run `scripts/services start kafka` or set KAFKA_URL";
  KafkaOptions options;
  options.bootstrap_servers = *KafkaBootstrapFromUrl(url);
  options.name_space = "open-txn-" + std::to_string(getpid());
  auto other = KafkaLog::Open(options);
  options.timeout = 2000;
  auto mine = KafkaLog::Open(options);
  ASSERT_TRUE(other.has_value() && mine.has_value());
  TopicOptions state;
  state.compacted = true;
  ASSERT_TRUE((*other)->EnsureTopic("manifest", state).ok());
  auto open = (*other)->Begin("other");
  ASSERT_TRUE(open.has_value()) << open.error().ToString();
  // More entries than a transaction buffers, so that they reach the broker.
  for (int i = 0; i <= 5000; ++i) ASSERT_TRUE((*open)->Put("manifest", "object", std::to_string(i)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  auto txn = (*mine)->Begin("ingest");
  ASSERT_TRUE(txn.has_value()) << txn.error().ToString();
  auto waited = (*mine)->GetOwnState("manifest", "object");
  ASSERT_FALSE(waited.has_value()) << "answered while a transaction was open";
  EXPECT_EQ(waited.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(waited.error().message().find("has not ended"), std::string::npos) << waited.error().message();
  ASSERT_TRUE((*open)->Commit().ok());
  auto seen = (*mine)->GetOwnState("manifest", "object");
  ASSERT_TRUE(seen.has_value()) << seen.error().ToString();
  EXPECT_EQ(seen->value_or(""), "5000");
}

TEST(KafkaUrlTest, ParsesBootstrapServers) {
  EXPECT_EQ(*KafkaBootstrapFromUrl("kafka://a:1,b:2"), "a:1,b:2");
  EXPECT_FALSE(KafkaBootstrapFromUrl("kafka://").has_value());
  EXPECT_FALSE(KafkaBootstrapFromUrl("http://a:1").has_value());
}

}  // namespace
}  // namespace logstream
