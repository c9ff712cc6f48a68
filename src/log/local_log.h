// LocalLog: what the logs that one process owns (MemoryLog, EmbeddedLog)
// share beyond where they keep records: their topics in a map under one
// mutex, transactions buffered until Commit (BufferedTransaction) and fenced
// by a newer Begin with the same id, Read through ReadInto, and consumer
// groups whose members live in this process (LocalGroups).
//
// Topic is the log's own per-topic state; it has a member
// `TopicOptions options`. Thread-safe, like every Log.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "src/log/buffered_transaction.h"
#include "src/log/local_groups.h"
#include "src/log/log.h"
#include "src/log/record_batch.h"

namespace logstream {

// NotFound naming a topic that does not exist.
Status TopicNotFound(std::string_view topic);
// FailedPrecondition unless an existing topic's options `have` agree with the
// `want` of EnsureTopic in partition count and compaction.
Status CheckSameTopicShape(std::string_view topic, const TopicOptions& have,
                           const TopicOptions& want);
// InvalidArgument unless `partition` is one of the topic's.
Status CheckPartition(std::string_view topic, int partition, const TopicOptions& options);

template <class Topic>
class LocalLog : public Log {
 public:
  Result<std::vector<TopicInfo>> ListTopics() override {
    RETURN_IF_ERROR(Refresh());
    std::lock_guard lock(mu_);
    std::vector<TopicInfo> out;
    for (const auto& [name, topic] : topics_) out.push_back(InfoLocked(name, topic));
    return out;
  }

  Result<TopicInfo> DescribeTopic(std::string_view topic) override {
    RETURN_IF_ERROR(Refresh());
    std::lock_guard lock(mu_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) return Err(TopicNotFound(topic));
    return InfoLocked(it->first, it->second);
  }

  // The new transaction fences every older one of the same id: their
  // commits fail (CheckNotFencedLocked).
  Result<std::unique_ptr<Transaction>> Begin(std::string_view id,
                                             const TransactionOptions& = {}) override {
    int64_t epoch;
    {
      std::lock_guard lock(mu_);
      epoch = ++epochs_[std::string(id)];
    }
    return std::make_unique<BufferedTransaction>(
        [this](std::string_view topic) { return FindTopic(topic); },
        [this, id = std::string(id), epoch](TxnBuffer& buffer) { return Apply(id, epoch, buffer); });
  }

  Result<std::vector<LogRecordEntry>> Read(std::string_view topic, int partition, int64_t offset,
                                           size_t max_records, TimeMs max_wait = 0) override {
    RecordBuffer records;
    RETURN_IF_ERROR(ReadInto(topic, partition, offset, max_records, max_wait, &records));
    std::vector<LogRecordEntry> out;
    AppendEntries(records, &out);
    return out;
  }

  // Members of this process only: one member gets every partition.
  Result<std::unique_ptr<Subscription>> Subscribe(std::string_view group,
                                                  const std::vector<std::string>& topics) override {
    return groups_.Subscribe(group, topics,
                             [this](std::string_view topic) { return FindTopic(topic); });
  }

 protected:
  // Brings topics_ up to date before ListTopics and DescribeTopic read it
  // (a read-only embedded log catches up with its writer). Called without mu_.
  virtual Status Refresh() { return Status::Ok(); }
  // Fills in the offsets of a topic for ListTopics and DescribeTopic (and
  // its approximate size, when the log knows it); called with mu_ held.
  virtual void AddOffsetsLocked(const std::string& name, const Topic& topic, TopicInfo* info) = 0;
  // Makes the writes of a committing transaction of writer `id`, begun at
  // `epoch`, visible atomically, unless CheckNotFencedLocked refuses it.
  virtual Status Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer) = 0;

  // The options of an existing topic, or NotFound.
  Result<TopicOptions> FindTopic(std::string_view topic) {
    std::lock_guard lock(mu_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) return Err(TopicNotFound(topic));
    return it->second.options;
  }

  // FailedPrecondition if a newer Begin with the same id fenced the
  // transaction begun at `epoch`. Called with mu_ held, in the same critical
  // section as the writes it allows.
  Status CheckNotFencedLocked(const std::string& id, int64_t epoch) {
    if (epochs_[id] == epoch) return Status::Ok();
    return FailedPrecondition("transaction of '" + id +
                              "' was fenced by a newer transaction with the same id");
  }

  std::mutex mu_;  // guards topics_ and the epochs; held while a commit is applied
  std::condition_variable committed_;                 // notified after each commit
  std::map<std::string, Topic, std::less<>> topics_;  // guarded by mu_

 private:
  TopicInfo InfoLocked(const std::string& name, const Topic& topic) {
    TopicInfo info;
    info.name = name;
    info.partitions = topic.options.partitions;
    info.compacted = topic.options.compacted;
    AddOffsetsLocked(name, topic, &info);
    return info;
  }

  std::map<std::string, int64_t, std::less<>> epochs_;  // transactional id -> epoch; guarded by mu_
  LocalGroups groups_;
};

}  // namespace logstream
