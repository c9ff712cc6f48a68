// MemoryLog: an in-memory Log, the fake for unit tests of the stages.
//
// Everything lives in maps guarded by one mutex; every method is thread-safe.
// Transactions buffer their writes and apply them atomically at Commit, where
// offsets are assigned. Read blocks on a condition variable signalled by
// Commit. Retention is not applied (start offsets stay 0). Nothing survives
// the object.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "src/log/buffered_transaction.h"
#include "src/log/local_groups.h"
#include "src/log/log.h"

namespace logstream {

class MemoryLog : public Log {
 public:
  MemoryLog() = default;

  std::string Url() const override { return "memory://"; }
  Status EnsureTopic(std::string_view topic, const TopicOptions& options) override;
  Result<std::vector<TopicInfo>> ListTopics() override;
  Result<TopicInfo> DescribeTopic(std::string_view topic) override;
  Result<std::unique_ptr<Transaction>> Begin(std::string_view id,
                                             const TransactionOptions& options = {}) override;
  Result<std::vector<LogRecordEntry>> Read(std::string_view topic, int partition, int64_t offset,
                                           size_t max_records, TimeMs max_wait = 0) override;
  Status ReadInto(std::string_view topic, int partition, int64_t offset, size_t max_records,
                  TimeMs max_wait, RecordBuffer* out) override;
  Result<int64_t> CommittedOffset(std::string_view group, std::string_view topic,
                                  int partition) override;
  Result<std::map<std::string, std::string>> ReadState(std::string_view state_topic) override;
  Result<std::optional<std::string>> GetState(std::string_view state_topic,
                                              std::string_view key) override;
  Result<std::vector<GroupOffset>> ListGroupOffsets() override;
  // Members of this process only: one member gets every partition.
  Result<std::unique_ptr<Subscription>> Subscribe(std::string_view group,
                                                  const std::vector<std::string>& topics) override;

 private:
  struct Topic {
    TopicOptions options;
    std::vector<std::vector<LogRecordEntry>> partitions;
    std::map<std::string, std::string> state;  // compacted topics
  };

  Result<TopicOptions> FindTopic(std::string_view topic);
  Status Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer);
  TopicInfo InfoLocked(const std::string& name, const Topic& topic) const;

  std::mutex mu_;
  std::condition_variable committed_;
  std::map<std::string, Topic, std::less<>> topics_;                           // guarded by mu_
  std::map<std::tuple<std::string, std::string, int>, int64_t> group_offsets_;  // guarded by mu_
  std::map<std::string, int64_t, std::less<>> epochs_;  // transactional id -> epoch; guarded by mu_
  LocalGroups groups_;
};

}  // namespace logstream
