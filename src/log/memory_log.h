// MemoryLog: an in-memory Log, the fake for unit tests of the stages.
//
// Everything lives in maps guarded by one mutex; every method is thread-safe.
// Transactions buffer their writes and apply them atomically at Commit, where
// offsets are assigned. Read blocks on a condition variable signalled by
// Commit. Retention is not applied (start offsets stay 0). Nothing survives
// the object.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "src/log/local_log.h"

namespace logstream {

// A topic of a MemoryLog.
struct MemoryTopic {
  TopicOptions options;
  std::vector<std::vector<LogRecordEntry>> partitions;
  std::map<std::string, std::string> state;  // compacted topics
};

class MemoryLog : public LocalLog<MemoryTopic> {
 public:
  MemoryLog() = default;

  std::string Url() const override { return "memory://"; }
  Status EnsureTopic(std::string_view topic, const TopicOptions& options) override;
  Status ReadInto(std::string_view topic, int partition, int64_t offset, size_t max_records,
                  TimeMs max_wait, RecordBuffer* out) override;
  Result<int64_t> CommittedOffset(std::string_view group, std::string_view topic,
                                  int partition) override;
  Result<std::map<std::string, std::string>> ReadState(std::string_view state_topic) override;
  Result<std::optional<std::string>> GetState(std::string_view state_topic,
                                              std::string_view key) override;
  Result<std::vector<GroupOffset>> ListGroupOffsets() override;

 private:
  Status Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer) override;
  void AddOffsetsLocked(const std::string& name, const MemoryTopic& topic, TopicInfo* info) override;

  std::map<std::tuple<std::string, std::string, int>, int64_t> group_offsets_;  // guarded by mu_
};

}  // namespace logstream
