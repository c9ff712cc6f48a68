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
#include <string>
#include <thread>
#include <vector>

#include "src/log/local_log.h"

namespace rocksdb {
class DB;
}

namespace logstream {

// RocksDB's memory budget per open log: two 64 MiB write buffers and a
// 16 MiB block cache holding data, index and filter blocks.
inline constexpr size_t kBlockCacheBytes = 16 << 20;
inline constexpr size_t kMemoryBudgetBytes = 2 * (64 << 20) + kBlockCacheBytes;

// A topic of an EmbeddedLog, as far as it is kept in memory.
struct EmbeddedTopic {
  TopicOptions options;
  std::vector<int64_t> start, end;  // per partition
};

class EmbeddedLog : public LocalLog<EmbeddedTopic> {
 public:
  // Opens the log in directory `path`, creating it unless options.read_only.
  // FailedPrecondition if another process writes it (the message names it);
  // NotFound if read_only and there is no log at path.
  static Result<std::unique_ptr<EmbeddedLog>> Open(const std::string& path,
                                                   const LogOptions& options = {});
  ~EmbeddedLog() override;

  std::string Url() const override;
  Status EnsureTopic(std::string_view topic, const TopicOptions& options) override;
  // FailedPrecondition on a read-only log.
  Result<std::unique_ptr<Transaction>> Begin(std::string_view id,
                                             const TransactionOptions& options = {}) override;
  Status ReadInto(std::string_view topic, int partition, int64_t offset, size_t max_records,
                  TimeMs max_wait, RecordBuffer* out) override;
  Result<int64_t> CommittedOffset(std::string_view group, std::string_view topic,
                                  int partition) override;
  Result<std::vector<GroupOffset>> ListGroupOffsets() override;
  Result<std::map<std::string, std::string>> ReadState(std::string_view state_topic) override;
  Result<std::optional<std::string>> GetState(std::string_view state_topic,
                                              std::string_view key) override;

  // Deletes whole batches whose append time is before now - retention_ms, and
  // the oldest batches while a partition holds more than retention_bytes. The
  // newest batch of a partition is always kept; state topics and group
  // offsets never expire. Returns the number of batches deleted. Writer only.
  Result<int64_t> ApplyRetention(TimeMs now);

 private:
  EmbeddedLog(std::string path, const LogOptions& options);
  Status OpenDb();
  // Reloads topic metadata and offsets from the database (at open, and on
  // every call of a read-only log after catching up with the writer).
  Status LoadTopics();
  Status Refresh() override;
  // Unavailable when the disk has less than commit_bytes + min_free_bytes free.
  Status CheckFreeSpace(uint64_t commit_bytes) const;
  Status Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer) override;
  Status ReadBatches(std::string_view topic, int partition, int64_t offset, size_t max_records,
                     RecordBuffer* out);
  void AddOffsetsLocked(const std::string& name, const EmbeddedTopic& meta, TopicInfo* info) override;
  void Background();

  const std::string path_;
  const LogOptions options_;
  std::string secondary_path_;  // read-only logs: RocksDB secondary directory
  std::unique_ptr<rocksdb::DB> db_;

  // Guarded by mu_ (LocalLog's, held while a commit is written):
  bool dirty_ = false;  // commits not yet synced (fsync_interval > 0)
  bool stop_ = false;
  std::condition_variable wake_background_;
  std::thread background_;
};

}  // namespace logstream
