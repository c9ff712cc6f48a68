// Log: the broker between stages, shaped after Kafka's transactional producer
// and consumer groups so that the embedded log (RocksDB) and Kafka fit it
// without special cases. Every implementation passes log/log_contract_test.
//
// Topics have a fixed number of partitions. A record's partition is chosen by
// its key (same key, same partition). Offsets are per partition and increase
// from 0: dense on the embedded log; on Kafka a transaction's commit marker
// takes an offset too, so readers continue at the last offset read + 1.
// Writes happen only inside a Transaction: records, state entries and group
// offsets become visible together at Commit, or not at all.
//
// State topics are compacted key/value topics (the ingest manifest, processor
// state): the latest value per key wins and entries never expire.
//
// Consumer groups: Subscribe makes the caller a member of a group over some
// topics; the group splits their partitions among its members (Kafka: a real
// consumer group, cooperative-sticky; the embedded log and MemoryLog: members
// of one process). Members read their partitions with Read/ReadInto from the
// group's committed offsets and commit offsets in their transactions.
//
// Log and Transaction objects are thread-safe unless stated otherwise; several
// transactions may be open at once (one per stage in `logstream run`).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream {

struct LogRecordEntry {
  int64_t offset = 0;
  TimeMs append_time = 0;
  std::string key;
  std::string value;
};

// The records of one ReadInto, their keys and values packed in one byte
// buffer that is reused from read to read, so a reader that keeps its buffer
// allocates nothing per record. A value type; not thread-safe. The views
// returned by key() and value() stay valid until the next Clear or Add, and
// each is followed by at least kPadding readable bytes (of any content), so a
// JSON parser that reads ahead (simdjson) can parse a value in place.
class RecordBuffer {
 public:
  static constexpr size_t kPadding = 64;

  void Clear() {
    bytes_.clear();
    entries_.clear();
  }
  void Add(int64_t offset, TimeMs append_time, std::string_view key, std::string_view value) {
    const size_t pos = bytes_.size();
    char* p = Extend(key.size() + value.size());
    if (!key.empty()) std::memcpy(p, key.data(), key.size());
    if (!value.empty()) std::memcpy(p + key.size(), value.data(), value.size());
    entries_.push_back({offset, append_time, pos, key.size(), pos + key.size(), value.size()});
  }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  int64_t offset(size_t i) const { return entries_[i].offset; }
  TimeMs append_time(size_t i) const { return entries_[i].append_time; }
  std::string_view key(size_t i) const {
    return std::string_view(bytes_.data() + entries_[i].key_pos, entries_[i].key_size);
  }
  std::string_view value(size_t i) const {
    return std::string_view(bytes_.data() + entries_[i].value_pos, entries_[i].value_size);
  }

  // For Log implementations that decode a whole batch at once (e.g. into a
  // decompressed buffer): Extend appends n bytes for the caller to fill
  // through the returned pointer (valid until the next Extend, Add or Clear);
  // AddAt then adds a record whose key and value lie at those positions.
  size_t bytes_size() const { return bytes_.size(); }
  char* Extend(size_t n) {
    const size_t pos = bytes_.size();
    if (bytes_.capacity() < pos + n + kPadding) bytes_.reserve(std::max(pos + n + kPadding, 2 * bytes_.capacity()));
    bytes_.resize_and_overwrite(pos + n, [](char*, size_t size) { return size; });
    return bytes_.data() + pos;
  }
  void AddAt(int64_t offset, TimeMs append_time, size_t key_pos, size_t key_size, size_t value_pos,
             size_t value_size) {
    entries_.push_back({offset, append_time, key_pos, key_size, value_pos, value_size});
  }

 private:
  struct Entry {
    int64_t offset;
    TimeMs append_time;
    size_t key_pos, key_size, value_pos, value_size;
  };
  std::string bytes_;
  std::vector<Entry> entries_;
};

struct TopicInfo {
  std::string name;
  int partitions = 0;
  bool compacted = false;              // a state topic: read it with ReadState
  std::vector<int64_t> end_offsets;    // next offset to be written, per partition
  std::vector<int64_t> start_offsets;  // first offset still retained
  int64_t approximate_bytes = -1;      // stored size of the topic; -1 if unknown
};

struct TopicOptions {
  int partitions = 1;
  bool compacted = false;          // a state topic
  TimeMs retention_ms = -1;        // -1 = forever; by append time, never event time
  int64_t retention_bytes = -1;    // per partition; -1 = unlimited
};

struct GroupOffset {
  std::string group;
  std::string topic;
  int partition = 0;
  int64_t next_offset = 0;  // committed: consumed up to (excluding) this offset
};

struct TopicPartition {
  std::string topic;
  int partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// What changed in a member's assignment since its previous Poll.
struct AssignmentChange {
  // Now this member's: restore their state, then read them from the group's
  // committed offsets (Log::CommittedOffset).
  std::vector<TopicPartition> assigned;
  // Leaving this member. They stay its own until its next Poll, which hands
  // them over: commit their progress (a transaction with their offsets)
  // before polling again. With `lost` they were taken already (the member
  // missed its session timeout): drop their progress without committing.
  std::vector<TopicPartition> revoked;
  bool lost = false;
  bool empty() const { return assigned.empty() && revoked.empty(); }
};

// Membership of one consumer group, used by one thread (not thread-safe).
// Destroying it leaves the group (its partitions go to the other members).
// Changes are only reported by Poll, on the caller's thread: there are no
// callbacks.
class Subscription {
 public:
  virtual ~Subscription() = default;
  // Serves the group protocol and returns the changes since the previous
  // Poll, waiting up to max_wait for one when there is none. Call it often
  // (at least every few seconds): a member that stops polling is removed.
  virtual Result<AssignmentChange> Poll(TimeMs max_wait) = 0;
  // The partitions assigned and not yet handed over (revoked ones count
  // until the next Poll).
  virtual std::vector<TopicPartition> Assigned() const = 0;
};

// How much a writer should put in one transaction at most, when it is free
// to choose (ingest commits a large object in chunks of this size).
struct TransactionSize {
  size_t records = 100000;
  size_t bytes = 4 << 20;  // of record values
};

struct TransactionOptions {
  // Kafka: transaction.timeout.ms of the writer (its first Begin decides):
  // the broker aborts a transaction left open this long by a dead writer,
  // and read_committed readers of its partitions wait until then. 0: the
  // log's default (60 s). Logs of one process ignore it.
  TimeMs timeout = 0;
};

// A transaction. Not thread-safe: one thread uses it at a time. Destroying an
// uncommitted transaction aborts it.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // Appends a record to topic; partition chosen by key.
  virtual Status Append(std::string_view topic, std::string_view key, std::string_view value) = 0;
  // Appends to an explicit partition.
  virtual Status AppendTo(std::string_view topic, int partition, std::string_view key,
                          std::string_view value) = 0;
  // Sets key in a state (compacted) topic; an empty value deletes it.
  virtual Status Put(std::string_view state_topic, std::string_view key, std::string_view value) = 0;
  // Records that `group` has consumed topic/partition up to (excluding) next_offset.
  virtual Status CommitOffset(std::string_view group, std::string_view topic, int partition,
                              int64_t next_offset) = 0;
  // Makes everything above visible atomically and durable per the log's fsync policy.
  virtual Status Commit() = 0;
  virtual void Abort() = 0;
};

class Log {
 public:
  virtual ~Log() = default;

  virtual std::string Url() const = 0;

  // Logs that buffer a transaction in memory until Commit (the embedded log,
  // MemoryLog) want small transactions; Kafka streams records as they are
  // appended and pays a few round trips per commit, so it wants large ones.
  virtual TransactionSize PreferredTransactionSize() const { return {}; }
  // Whether this process's threads may each write with their own
  // transactional id at once (IngestPool). Local logs: yes; Kafka: scale
  // with more processes instead.
  virtual bool ThreadedWriters() const { return true; }

  // Creates the topic if missing; if it exists with another partition count,
  // FailedPrecondition.
  virtual Status EnsureTopic(std::string_view topic, const TopicOptions& options) = 0;
  virtual Result<std::vector<TopicInfo>> ListTopics() = 0;
  virtual Result<TopicInfo> DescribeTopic(std::string_view topic) = 0;

  // Starts a transaction. `id` names the writer (Kafka's transactional.id;
  // a new transaction with the same id fences an older one).
  virtual Result<std::unique_ptr<Transaction>> Begin(std::string_view id,
                                                     const TransactionOptions& options = {}) = 0;

  // Reads committed records of topic/partition from `offset` (at most
  // max_records). If none are available, waits up to max_wait for some.
  // An offset below the retained start is moved up to it.
  virtual Result<std::vector<LogRecordEntry>> Read(std::string_view topic, int partition,
                                                   int64_t offset, size_t max_records,
                                                   TimeMs max_wait = 0) = 0;

  // Read into *out (cleared first), reusing its memory: the same records,
  // waiting and errors as Read, without an allocation per record.
  virtual Status ReadInto(std::string_view topic, int partition, int64_t offset,
                          size_t max_records, TimeMs max_wait, RecordBuffer* out) = 0;

  // The group's committed next offset, or 0 when none was committed.
  virtual Result<int64_t> CommittedOffset(std::string_view group, std::string_view topic,
                                          int partition) = 0;

  // Every committed consumer-group offset, sorted by group, topic, partition
  // (for lag in `log stats`; Kafka: ListConsumerGroups + ListConsumerGroupOffsets).
  virtual Result<std::vector<GroupOffset>> ListGroupOffsets() = 0;

  // Joins `group` as a new member consuming `topics` (which must exist:
  // NotFound otherwise). Every member of a group subscribes to the same
  // topics. Transactions of this Log that CommitOffset for `group` are tied
  // to the membership where the backend supports it (Kafka: the member's
  // generation goes with send_offsets_to_transaction, so a member that lost
  // its partitions cannot commit them: its Commit fails with kAborted).
  virtual Result<std::unique_ptr<Subscription>> Subscribe(std::string_view group,
                                                          const std::vector<std::string>& topics) = 0;

  // The latest value of every key of a state topic.
  virtual Result<std::map<std::string, std::string>> ReadState(std::string_view state_topic) = 0;
  // The latest value of one key, nullopt if absent.
  virtual Result<std::optional<std::string>> GetState(std::string_view state_topic,
                                                      std::string_view key) = 0;
  // GetState for a topic that only this log's transactions write, or writers
  // they fence (the same transactional id in another process), such as the
  // ingest manifest: what was committed before this log's newest writer
  // started (its first Begin), plus what this log's transactions committed
  // since. Call it with a transaction of that id begun, so that a writer
  // that fenced an older one sees what the older one committed. Kafka
  // answers from memory, without a round trip to the broker.
  virtual Result<std::optional<std::string>> GetOwnState(std::string_view state_topic,
                                                         std::string_view key) {
    return GetState(state_topic, key);
  }
  // Brings what GetOwnState answers up to every transaction on the state
  // topic that is open now, once it has ended (a writer taking over another
  // writer's keys; Kafka: the commit markers of the former writer's last
  // transaction can reach the state topic after its offsets are stable).
  virtual Status SettleState(std::string_view /*state_topic*/) { return Status::Ok(); }
};

struct LogOptions {
  bool read_only = false;      // readers such as `log tail` (RocksDB secondary)
  TimeMs fsync_interval = 0;   // 0: fsync every commit; N: at most every N ms
  // Embedded log: a commit is refused (Unavailable, naming the path and the
  // space) unless the disk keeps this much free beyond the commit itself, for
  // RocksDB's flushes and compactions; a full disk would abort inside RocksDB.
  uint64_t min_free_bytes = 256ull << 20;
  // Kafka: replicas of each topic created ([kafka] replication; 0: 3 when
  // the cluster has at least 3 brokers, else 1).
  int replication = 0;
  // Kafka: prefix of topics, transactional ids and groups ("" = "logstream"),
  // and librdkafka properties passed through (`-X property=value`).
  std::string name_space;
  std::map<std::string, std::string> properties;
};

// Opens a broker by URL: a path or file:///path is the embedded log (created
// if missing); kafka://host:port[,host:port] is Kafka once the Kafka backend
// is registered (src/kafka: RegisterKafkaLog(), which the CLI calls).
Result<std::unique_ptr<Log>> OpenLog(std::string_view url, const LogOptions& options = {});

// Lets a backend that src/log does not depend on open URLs starting with
// `scheme` (e.g. "kafka://") through OpenLog. Call at start-up, before OpenLog.
using LogOpener = Result<std::unique_ptr<Log>> (*)(std::string_view url, const LogOptions& options);
void RegisterLogBackend(std::string scheme, LogOpener opener);

}  // namespace logstream
