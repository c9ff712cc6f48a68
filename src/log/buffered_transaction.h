// BufferedTransaction: a Transaction that validates and buffers its writes and
// hands them to its log in one piece at Commit. Shared by the logs that apply
// a transaction in one atomic step (MemoryLog, EmbeddedLog).
//
// Not thread-safe (like every Transaction). The owning log must outlive it.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "src/log/log.h"
#include "src/log/record_batch.h"

namespace logstream {

// Everything one transaction writes.
struct TxnBuffer {
  struct Batch {
    std::string topic;
    int partition = 0;
    BatchBuilder records;
  };
  struct StatePut {
    std::string topic, key, value;  // empty value = delete
  };
  struct OffsetCommit {
    std::string group, topic;
    int partition = 0;
    int64_t next_offset = 0;
  };
  std::vector<Batch> batches;  // one per (topic, partition), in first-append order
  std::vector<StatePut> puts;  // in call order
  std::vector<OffsetCommit> offsets;
};

class BufferedTransaction : public Transaction {
 public:
  // find_topic: the options of an existing topic, or NotFound.
  // apply: makes the buffer visible atomically (called once, by Commit).
  using FindTopicFn = std::function<Result<TopicOptions>(std::string_view topic)>;
  using ApplyFn = std::function<Status(TxnBuffer& buffer)>;
  BufferedTransaction(FindTopicFn find_topic, ApplyFn apply);

  Status Append(std::string_view topic, std::string_view key, std::string_view value) override;
  Status AppendTo(std::string_view topic, int partition, std::string_view key,
                  std::string_view value) override;
  Status Put(std::string_view state_topic, std::string_view key, std::string_view value) override;
  Status CommitOffset(std::string_view group, std::string_view topic, int partition,
                      int64_t next_offset) override;
  Status Commit() override;
  void Abort() override;

 private:
  Result<const TopicOptions*> Topic(std::string_view topic);
  Status CheckOpen() const;

  FindTopicFn find_topic_;
  ApplyFn apply_;
  bool done_ = false;
  TxnBuffer buffer_;
  std::vector<std::pair<std::string, TopicOptions>> topics_;  // cache of find_topic_
  size_t last_batch_ = 0;
  std::string last_key_, last_key_topic_;  // the partition of the last Append's key
  int last_key_partition_ = 0;
};

}  // namespace logstream
