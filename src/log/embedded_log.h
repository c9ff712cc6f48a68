// EmbeddedLog: the default broker, a Log on local disk backed by RocksDB.
//
// Storage (one RocksDB database in the log directory):
//   \x01 topic                                  -> topic options
//   \x02 topic \0 partition(BE32) base(BE64)    -> record batch (record_batch.h):
//                                                  the records one transaction
//                                                  appended to one partition,
//                                                  LZ4-compressed unless small
//   \x03 topic \0 key                           -> state entry (compacted topics)
//   \x04 group \0 topic \0 partition(BE32)      -> committed next offset (BE64)
// A transaction is one rocksdb::WriteBatch, written with the WAL at Commit, so
// after a crash every transaction is either whole or absent. Offsets are
// assigned at Commit under a mutex; several transactions may be open at once.
// End offsets are recovered at open from the last batch of each partition.
//
// One process writes a log (RocksDB's LOCK, plus an OWNER file naming the
// holder's pid and command line for the error a second writer gets). Readers
// open it with LogOptions.read_only as a RocksDB secondary instance and catch
// up with the writer on every call.
//
// Thread-safe. A background thread (writer only) syncs the WAL every
// fsync_interval ms when that is not 0 and applies retention every minute.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/log/buffered_transaction.h"
#include "src/log/local_groups.h"
#include "src/log/log.h"

namespace rocksdb {
class DB;
}

namespace logstream {

// RocksDB's memory budget per open log: two 64 MiB write buffers and a
// 16 MiB block cache holding data, index and filter blocks.
inline constexpr size_t kBlockCacheBytes = 16 << 20;
inline constexpr size_t kMemoryBudgetBytes = 2 * (64 << 20) + kBlockCacheBytes;

class EmbeddedLog : public Log {
 public:
  // Opens the log in directory `path`, creating it unless options.read_only.
  // FailedPrecondition if another process writes it (the message names it);
  // NotFound if read_only and there is no log at path.
  static Result<std::unique_ptr<EmbeddedLog>> Open(const std::string& path,
                                                   const LogOptions& options = {});
  ~EmbeddedLog() override;

  std::string Url() const override;
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
  Result<std::vector<GroupOffset>> ListGroupOffsets() override;
  // Members of this process only: one member gets every partition.
  Result<std::unique_ptr<Subscription>> Subscribe(std::string_view group,
                                                  const std::vector<std::string>& topics) override;
  Result<std::map<std::string, std::string>> ReadState(std::string_view state_topic) override;
  Result<std::optional<std::string>> GetState(std::string_view state_topic,
                                              std::string_view key) override;

  // Deletes whole batches whose append time is before now - retention_ms, and
  // the oldest batches while a partition holds more than retention_bytes. The
  // newest batch of a partition is always kept; state topics and group
  // offsets never expire. Returns the number of batches deleted. Writer only.
  Result<int64_t> ApplyRetention(TimeMs now);

 private:
  struct TopicMeta {
    TopicOptions options;
    std::vector<int64_t> start, end;  // per partition
  };

  EmbeddedLog(std::string path, const LogOptions& options);
  Status OpenDb();
  // Reloads topic metadata and offsets from the database (at open, and on
  // every call of a read-only log after catching up with the writer).
  Status LoadTopics();
  Status Refresh();
  Result<TopicOptions> FindTopic(std::string_view topic);
  // Unavailable when the disk has less than commit_bytes + min_free_bytes free.
  Status CheckFreeSpace(uint64_t commit_bytes) const;
  Status Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer);
  Status ReadBatches(std::string_view topic, int partition, int64_t offset, size_t max_records,
                     RecordBuffer* out);
  TopicInfo InfoLocked(const std::string& name, const TopicMeta& meta);
  void Background();

  const std::string path_;
  const LogOptions options_;
  std::string secondary_path_;  // read-only logs: RocksDB secondary directory
  std::unique_ptr<rocksdb::DB> db_;

  std::mutex mu_;  // guards the members below; held while a commit is written
  std::condition_variable committed_;
  std::map<std::string, TopicMeta, std::less<>> topics_;
  std::map<std::string, int64_t, std::less<>> epochs_;  // transactional id -> epoch
  LocalGroups groups_;
  bool dirty_ = false;  // commits not yet synced (fsync_interval > 0)
  bool stop_ = false;
  std::condition_variable wake_background_;
  std::thread background_;
};

}  // namespace logstream
