// Internal to src/kafka: what the files of KafkaLog share. KafkaLog::Impl
// holds the log's clients, caches and locks; its methods are defined by
// concern:
//   kafka_log.cc            clients, topic metadata and offsets; KafkaLog's
//                           topic and group offset calls
//   kafka_error.cc          librdkafka errors as Status; names
//   kafka_reader.cc         reading partitions: PartitionConsumer, the Waker;
//                           KafkaLog::Read, ReadInto
//   kafka_state_cache.cc    state topics read to their end into a StateCache;
//                           KafkaLog::ReadState, GetState, GetOwnState
//   kafka_group_member.cc   consumer group members; KafkaLog::Subscribe
//   kafka_transaction.cc    transactional producers; KafkaLog::Begin
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "src/kafka/kafka_log.h"

namespace logstream {

using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const {
    if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
struct PartitionsDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using Partitions = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionsDeleter>;

// librdkafka's error as a Status whose code says what to do (kafka_error.cc).
Status KafkaError(rd_kafka_resp_err_t err, std::string_view what);
// The same for an rd_kafka_error_t, which it destroys.
Status TxnError(rd_kafka_error_t* error, std::string_view what);
// Legal Kafka topic characters; the full name is at most 249 characters.
bool ValidName(std::string_view name);

// A topic's partition count and kind (cached by KafkaLog::Impl::Meta).
struct TopicMeta {
  int partitions = 0;
  bool compacted = false;
  int replicas = 0;  // the fewest of any partition
};

// A producer's handle of one topic, with the topic's partition count and kind.
struct ProducerTopic {
  rd_kafka_topic_t* rkt = nullptr;
  TopicMeta meta;
};

// A transactional producer, kept per transactional id.
struct TxnProducer {
  TxnProducer() = default;
  TxnProducer(const TxnProducer&) = delete;
  TxnProducer& operator=(const TxnProducer&) = delete;
  ~TxnProducer() {
    for (auto& [name, t] : topics) rd_kafka_topic_destroy(t.rkt);
  }

  Handle rk;
  // Topic handles by short name, created on first use (only by the thread
  // that holds the producer busy, like everything below).
  std::map<std::string, ProducerTopic, std::less<>> topics;
  // Largest delivered offset per (topic handle, partition) in the open
  // transaction (filled by the delivery report callback while commit flushes).
  std::map<std::pair<rd_kafka_topic_t*, int>, int64_t> delivered;
  bool busy = false;    // a transaction is open on it
  bool broken = false;  // fatal error (fenced): never reused
};

// A read_committed consumer assigned to one partition, used by one reader
// at a time (in_use, guarded by KafkaLog::Impl::mu).
struct PartitionConsumer {
  PartitionConsumer() = default;
  PartitionConsumer(const PartitionConsumer&) = delete;
  PartitionConsumer& operator=(const PartitionConsumer&) = delete;
  ~PartitionConsumer() {
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
  }

  Handle rk;
  rd_kafka_queue_t* queue = nullptr;  // the consumer's queue, read in batches
  std::vector<rd_kafka_message_t*> batch = std::vector<rd_kafka_message_t*>(8192);
  bool in_use = false;
  bool assigned = false;
  int64_t next = -1;  // next offset expected from the consumer
  bool eof = false;   // the consumer reported the end at next
  int64_t eof_offset = -1;
  Clock::time_point last_wake;  // see KafkaLog::Impl::Wake
  bool wake_pending = false;    // guarded by the Waker's mutex
};

// A PartitionConsumer fetches while fewer records than this wait in its queue.
constexpr int kConsumerQueuedMessages = 20000;

// librdkafka 2.0 stops fetching a partition whose queue holds
// queued.min.messages and looks at it again only when its broker thread
// wakes up: at the latest after a second, not when the application drains
// the queue. A reader that emptied its queue would wait that long (a known
// limitation, made tunable in 2.1 by fetch.queue.backoff.ms). Any request
// to the broker wakes the thread, which then decides to fetch again; the
// Waker sends one (a watermark query) from a thread of its own, so that
// readers do not wait for its round trip.
class Waker {
 public:
  Waker() = default;
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;
  ~Waker();

  // At most one wake per consumer waits (a broker that does not answer holds
  // each for up to a second).
  void Request(std::shared_ptr<PartitionConsumer> consumer, std::string topic, int partition);

 private:
  struct Wake {
    std::shared_ptr<PartitionConsumer> consumer;
    std::string topic;
    int partition;
  };

  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<Wake> pending_;
  std::thread thread_;
};

// A state topic's entries as read so far, and where reading goes on
// (KafkaLog::Impl::ReadToEnd); a commit applies its own entries once visible.
struct StateCache {
  std::mutex mu;
  std::map<std::string, std::string> values;
  std::vector<int64_t> next;  // next offset per partition
  // KafkaLog::Impl::inits when the last read to the end began (0: never).
  uint64_t read_at_inits = 0;

  void Apply(const std::string& key, std::string_view value) {
    if (value.empty()) {
      values.erase(key);
    } else {
      values[key] = std::string(value);
    }
  }
};

class KafkaSubscription;  // kafka_group_member.cc

struct KafkaLog::Impl {
  KafkaOptions options;  // replication_factor resolved at Open
  int brokers = 0;      // in the cluster at Open
  std::string prefix;  // namespace + "."
  Handle admin;        // metadata and Admin API calls
  // A read_uncommitted consumer for high watermarks (made on first use, under mu).
  Handle uncommitted;

  std::mutex mu;
  std::map<std::string, TopicMeta, std::less<>> topics;  // by short name
  std::map<std::string, std::shared_ptr<TxnProducer>, std::less<>> producers;
  // Consumers per (topic, partition): several threads read one partition at
  // different offsets (in `run`, the alerts file sink and the notifier), so
  // each takes an idle consumer already positioned at its offset if there is
  // one, and otherwise repositions (re-assigns) an idle one or creates one.
  std::map<std::pair<std::string, int>, std::vector<std::shared_ptr<PartitionConsumer>>> consumers;
  // Offsets committed through this log's transactions, by (group, full
  // topic, partition): CommittedOffset answers from here without a broker
  // round trip once this process has committed the partition.
  std::map<std::tuple<std::string, std::string, int>, int64_t> committed;
  std::map<std::string, std::shared_ptr<StateCache>, std::less<>> states;
  // Transactional producers initialized so far (init_transactions: each
  // fences the older producers of its id, whose commits it then sees).
  std::atomic<uint64_t> inits{0};
  // Consumers of the live Subscriptions by short group name: a transaction
  // that commits offsets for the group sends the member's metadata
  // (generation), so a member that lost its partitions cannot commit them.
  std::map<std::string, std::vector<KafkaSubscription*>, std::less<>> members;
  Waker waker;  // last: stopped before the consumers go

  std::string Full(std::string_view name) const { return prefix + std::string(name); }
  int TimeoutMs() const { return static_cast<int>(options.timeout); }

  // --- clients, metadata and offsets (kafka_log.cc) ---

  Result<Handle> NewClient(rd_kafka_type_t type, std::map<std::string, std::string> settings,
                           const std::function<void(rd_kafka_conf_t*)>& customize = nullptr);
  // Runs one Admin API call and returns its result event.
  Result<EventPtr> AdminCall(
      rd_kafka_admin_op_t op, std::string_view what,
      const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call);
  // Partition count of a topic from cluster metadata; NotFound if absent.
  // The topic's partition count (and its partitions' fewest replicas).
  Result<int> MetadataPartitions(const std::string& full, int* replicas = nullptr);
  Result<bool> IsCompacted(const std::string& full);
  // The topic's partition count and kind, cached (topics are not changed
  // behind the log's back).
  Result<TopicMeta> Meta(std::string_view topic);
  // Start and end offsets; the end is the last stable offset (the admin
  // handle reads committed), or the high watermark with `uncommitted`.
  Result<std::pair<int64_t, int64_t>> Watermarks(const std::string& full, int partition,
                                                 bool uncommitted_end = false);
  // Polls the partition's last stable offset until it reaches `offset`
  // (true) or `deadline` passes (false); *end gets the last one read.
  bool AwaitStableEnd(const std::string& full, int partition, int64_t offset,
                      Clock::time_point deadline, int64_t* end = nullptr);
  Result<TopicInfo> Describe(std::string_view topic, const TopicMeta& meta);
  // The committed offsets of a consumer group, stable ones only (require_stable),
  // of `partitions` or, with null, of all its partitions: the result event of
  // ListConsumerGroupOffsets.
  Result<EventPtr> GroupOffsets(const std::string& full_group,
                                const rd_kafka_topic_partition_list_t* partitions);

  // --- reading (kafka_reader.cc) ---

  // Takes a consumer of topic/partition for one read (give it back with
  // ReleaseConsumer).
  Result<std::shared_ptr<PartitionConsumer>> GetConsumer(std::string_view topic, int partition,
                                                         int64_t offset);
  void ReleaseConsumer(PartitionConsumer* consumer);
  // Reads committed records of topic/partition from offset into add(msg).
  Status ReadRecords(std::string_view topic, int partition, int64_t offset, size_t max_records,
                     TimeMs max_wait, const std::function<void(const rd_kafka_message_t*)>& add);
  Status ReadWith(const std::shared_ptr<PartitionConsumer>& consumer, std::string_view topic,
                  int partition, int64_t offset, size_t max_records, TimeMs max_wait,
                  const std::function<void(const rd_kafka_message_t*)>& add);
  // Has the Waker wake the consumer's broker thread when the consumer's queue
  // is below half of what it fetches ahead, at most every 2 ms.
  void Wake(const std::shared_ptr<PartitionConsumer>& consumer, const std::string& full,
            int partition);

  // --- state topics (kafka_state_cache.cc) ---

  // The cache of a state topic (created empty on first use).
  Result<std::shared_ptr<StateCache>> StateOf(std::string_view topic);
  // The cache of a state topic, read to the end.
  Result<std::shared_ptr<StateCache>> RefreshState(std::string_view topic);
  // Reads the state entries committed since the cache last read (cache.mu
  // held), at least up to the stable offsets of when it began: Unavailable
  // if they do not become readable (commit markers not written yet).
  // With `settle`, first waits (up to the timeout) for the transactions
  // open on a partition when the read begins to end, so that none of them
  // commits entries older than what the read saw. Our own writer's are
  // over once a producer of the id is initialized; one that never ends is a
  // hanging transaction, which a broker can leave after losing its markers.
  Status ReadToEnd(std::string_view topic, StateCache& cache, bool settle = false);

  // --- group members (kafka_group_member.cc) ---

  // A copy of the membership metadata of a live member of `group` (see
  // KafkaSubscription::Metadata), or null if this log has none. The caller
  // destroys it.
  rd_kafka_consumer_group_metadata_t* MemberMetadata(std::string_view group);
};

}  // namespace logstream
