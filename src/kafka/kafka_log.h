// KafkaLog: the Log interface on Apache Kafka through librdkafka's C API.
//
// Names: every topic, transactional.id and consumer group is prefixed by the
// namespace ("logstream" by default): topic "logs" is "logstream.logs" on the
// cluster, so several pipelines share one cluster without seeing each other.
//
// Mapping (see log.h for the contract):
// - Begin(id): a transactional producer (idempotent, acks=all) with
//   transactional.id NAMESPACE.id, kept and reused per id; a Begin while the
//   producer of that id has an open transaction creates a new producer with
//   the same id, whose init_transactions fences the older one (its Commit
//   fails). Append/Put produce (key = partitioning key, Put with an empty value
//   produces a tombstone); CommitOffset goes through send_offsets_to_transaction
//   with the group NAMESPACE.group at Commit; Commit = commit_transaction.
// - Read: read_committed consumers per (topic, partition), assigned (no
//   group membership) and kept; a read takes an idle one already at its
//   offset (readers at different offsets get their own consumers) or
//   re-assigns one at the new offset. Each fetches up to 20k records ahead;
//   a helper thread wakes its fetcher when a reader has drained it (see
//   Waker in kafka_internal.h: librdkafka 2.0 would otherwise wait up to 1 s).
// - State topics are compacted topics (cleanup.policy=compact); ReadState and
//   GetState read them to their end, incrementally from a per-log cache.
//   A commit writes its state entries into that cache once they are visible;
//   GetOwnState answers from the cache, reading to the end only after a
//   producer of this log initialized (fencing an older one) since it last did.
// - Subscribe: a KafkaConsumer in group NAMESPACE.group with the
//   cooperative-sticky assignor and read_committed, for membership only (its
//   partitions are paused; members read them with Read/ReadInto). Revoked
//   partitions are unassigned at the member's next Poll, after it committed
//   them. A transaction that commits the group's offsets sends the member's
//   metadata (generation) with send_offsets_to_transaction, so a member that
//   lost its partitions (a zombie) fails to commit: kAborted.
// - CommittedOffset / ListGroupOffsets: the Admin API (ListConsumerGroups,
//   ListConsumerGroupOffsets with require_stable); CommittedOffset answers
//   from memory for partitions this KafkaLog has committed itself.
// - Offsets are Kafka's: they increase but are not dense, because every
//   transaction commit or abort leaves a control record that takes an offset
//   (and aborted records keep theirs). end_offsets are high watermarks.
//
// Thread-safe: one KafkaLog may be used from several threads; transactions
// as in log.h. The KafkaLog must outlive its transactions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "src/log/log.h"

namespace logstream {

struct KafkaOptions {
  std::string bootstrap_servers;             // host:port[,host:port]
  std::string name_space = "logstream";      // prefix of topics, ids and groups
  // librdkafka properties passed to every client (TLS, SASL, tuning), e.g.
  // {"compression.type", "zstd"}; they override the defaults below.
  std::map<std::string, std::string> properties;
  std::string compression = "lz4";           // producer compression.type
  // Replicas of the topics created (min.insync.replicas: one less, at least
  // 1); 0: 3 when the cluster has at least 3 brokers, else 1.
  int replication_factor = 0;
  TimeMs timeout = 60000;                    // per blocking broker call
};

// Parses kafka://HOST:PORT[,HOST:PORT] into the bootstrap server list.
Result<std::string> KafkaBootstrapFromUrl(std::string_view url);

class KafkaLog : public Log {
 public:
  // Connects (checks the cluster answers within options.timeout).
  static Result<std::unique_ptr<KafkaLog>> Open(const KafkaOptions& options);
  ~KafkaLog() override;

  std::string Url() const override;
  // 1 M records or 64 MB: a commit's round trips every ~0.2 s of work.
  TransactionSize PreferredTransactionSize() const override { return {1000000, 64 << 20}; }
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
  Result<std::unique_ptr<Subscription>> Subscribe(std::string_view group,
                                                  const std::vector<std::string>& topics) override;
  Result<std::map<std::string, std::string>> ReadState(std::string_view state_topic) override;
  Result<std::optional<std::string>> GetState(std::string_view state_topic,
                                              std::string_view key) override;
  Result<std::optional<std::string>> GetOwnState(std::string_view state_topic,
                                                 std::string_view key) override;
  Status SettleState(std::string_view state_topic) override;
  bool ThreadedWriters() const override { return false; }

  struct Impl;

 private:
  explicit KafkaLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opens a KafkaLog for a kafka:// URL with the namespace and librdkafka
// properties of `options` (LogOptions::name_space, ::properties).
Result<std::unique_ptr<Log>> OpenKafkaLog(std::string_view url, const LogOptions& options);

// Makes OpenLog (src/log) open kafka:// URLs with OpenKafkaLog. Call once at
// start-up (the CLI does); src/log itself does not depend on Kafka.
void RegisterKafkaLog();

}  // namespace logstream
