#include "src/kafka/kafka_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace logstream {
namespace {

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
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using Partitions = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionsDeleter>;

Status KafkaError(rd_kafka_resp_err_t err, std::string_view what) {
  std::string m = std::string(what) + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return NotFound(m);
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
      return InvalidArgument(m);
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
      return FailedPrecondition(m + " (another writer with the same transactional id took over)");
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
      return Aborted(m + " (the consumer group rebalanced: restore the assigned partitions from the log and retry)");
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return FailedPrecondition(m + " (grant the ACL or fix the credentials)");
    default:
      return Unavailable(m + " (check that the Kafka cluster is reachable; retry)");
  }
}

Status TxnError(rd_kafka_error_t* error, std::string_view what) {
  Status s = KafkaError(rd_kafka_error_code(error), what);
  s = Status(s.code(), std::string(what) + ": " + rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  return s;
}

// Legal Kafka topic characters; the full name is at most 249 characters.
bool ValidName(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

struct TopicMeta {
  int partitions = 0;
  bool compacted = false;
};

class KafkaSubscription;

}  // namespace

Result<std::string> KafkaBootstrapFromUrl(std::string_view url) {
  if (!url.starts_with("kafka://") || url.size() == 8) {
    return Err(InvalidArgument("not a Kafka URL: '" + std::string(url) +
                               "' (expected kafka://HOST:PORT[,HOST:PORT])"));
  }
  std::string servers(url.substr(8));
  while (!servers.empty() && servers.back() == '/') servers.pop_back();
  return servers;
}

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
  int64_t next = -1;        // next offset expected from the consumer
  bool eof = false;         // the consumer reported the end at next
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
  ~Waker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  // At most one wake per consumer waits (a broker that does not answer holds
  // each for up to a second).
  void Request(std::shared_ptr<PartitionConsumer> consumer, std::string topic, int partition) {
    std::lock_guard lock(mu_);
    if (consumer->wake_pending) return;
    consumer->wake_pending = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
    pending_.push_back({std::move(consumer), std::move(topic), partition});
    cv_.notify_one();
  }

 private:
  struct Wake {
    std::shared_ptr<PartitionConsumer> consumer;
    std::string topic;
    int partition;
  };

  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      std::vector<Wake> batch = std::move(pending_);
      pending_.clear();
      for (const Wake& w : batch) w.consumer->wake_pending = false;
      lock.unlock();
      for (const Wake& w : batch) {
        int64_t low = 0, high = 0;
        rd_kafka_query_watermark_offsets(w.consumer->rk.get(), w.topic.c_str(), w.partition, &low, &high, 1000);
      }
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<Wake> pending_;
  std::thread thread_;
};

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

struct KafkaLog::Impl {
  KafkaOptions options;
  std::string prefix;  // namespace + "."
  Handle admin;        // metadata and Admin API calls
  Handle uncommitted;  // read_uncommitted consumer for high watermarks (made on first use, under mu)

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

  Result<Handle> NewClient(rd_kafka_type_t type, std::map<std::string, std::string> settings,
                           const std::function<void(rd_kafka_conf_t*)>& customize = nullptr) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    if (customize) customize(conf);
    settings["bootstrap.servers"] = options.bootstrap_servers;
    for (const auto& [k, v] : options.properties) settings[k] = v;
    for (const auto& [k, v] : settings) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return Err(InvalidArgument("Kafka property " + k + "=" + v + ": " + err));
      }
    }
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    if (rk == nullptr) {
      rd_kafka_conf_destroy(conf);
      return Err(InvalidArgument(std::string("cannot create a Kafka client: ") + err));
    }
    return Handle(rk);
  }

  // Runs one Admin API call and returns its result event.
  Result<EventPtr> AdminCall(rd_kafka_admin_op_t op, std::string_view what,
                             const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call) {
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(admin.get(), op);
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(opts, TimeoutMs(), err, sizeof err);
    if (op == RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS) {
      if (rd_kafka_error_t* e = rd_kafka_AdminOptions_set_require_stable_offsets(opts, 1)) {
        rd_kafka_error_destroy(e);
      }
    }
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    call(opts, queue);
    EventPtr event(rd_kafka_queue_poll(queue, TimeoutMs() + 5000));
    rd_kafka_queue_destroy(queue);
    rd_kafka_AdminOptions_destroy(opts);
    if (!event) return Err(Unavailable(std::string(what) + ": no answer from Kafka (retry)"));
    if (rd_kafka_resp_err_t e = rd_kafka_event_error(event.get())) {
      return Err(KafkaError(e, std::string(what) + " (" + rd_kafka_event_error_string(event.get()) + ")"));
    }
    return event;
  }

  // Partition count of a topic from cluster metadata; NotFound if absent.
  Result<int> MetadataPartitions(const std::string& full) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(admin.get(), 1, nullptr, &md, TimeoutMs());
    if (err) return Err(KafkaError(err, "reading Kafka metadata"));
    std::optional<int> partitions;
    for (int i = 0; i < md->topic_cnt; ++i) {
      const auto& t = md->topics[i];
      if (full == t.topic && !t.err) partitions = t.partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    if (!partitions) return Err(NotFound("no topic " + full + " in Kafka"));
    return *partitions;
  }

  Result<bool> IsCompacted(const std::string& full) {
    rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, full.c_str());
    auto event = AdminCall(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "describing topic " + full,
                           [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_DescribeConfigs(admin.get(), &res, 1, o, q);
                           });
    rd_kafka_ConfigResource_destroy(res);
    if (!event) return Err(event.error());
    size_t n = 0;
    const rd_kafka_ConfigResource_t** resources =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event->get()), &n);
    for (size_t i = 0; i < n; ++i) {
      if (rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[i])) {
        return Err(KafkaError(e, "describing topic " + full));
      }
      size_t m = 0;
      const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &m);
      for (size_t j = 0; j < m; ++j) {
        if (std::string_view(rd_kafka_ConfigEntry_name(entries[j])) == "cleanup.policy") {
          const char* v = rd_kafka_ConfigEntry_value(entries[j]);
          return v != nullptr && std::string_view(v).find("compact") != std::string_view::npos;
        }
      }
    }
    return false;
  }

  // The topic's partition count and kind, cached (topics are not changed
  // behind the log's back).
  Result<TopicMeta> Meta(std::string_view topic) {
    {
      std::lock_guard lock(mu);
      auto it = topics.find(topic);
      if (it != topics.end()) return it->second;
    }
    if (!ValidName(topic)) return Err(InvalidArgument("invalid topic name '" + std::string(topic) + "'"));
    const std::string full = Full(topic);
    ASSIGN_OR_RETURN(int partitions, MetadataPartitions(full));
    ASSIGN_OR_RETURN(bool compacted, IsCompacted(full));
    TopicMeta meta{partitions, compacted};
    std::lock_guard lock(mu);
    topics[std::string(topic)] = meta;
    return meta;
  }

  // Start and end offsets; the end is the last stable offset (the admin
  // handle reads committed), or the high watermark with `uncommitted`.
  Result<std::pair<int64_t, int64_t>> Watermarks(const std::string& full, int partition,
                                                 bool uncommitted_end = false) {
    rd_kafka_t* rk = admin.get();
    if (uncommitted_end) {
      std::lock_guard lock(mu);
      if (!uncommitted) {
        ASSIGN_OR_RETURN(uncommitted, NewClient(RD_KAFKA_CONSUMER, {{"isolation.level", "read_uncommitted"}}));
      }
      rk = uncommitted.get();
    }
    // A new topic's leader may not be known yet: retry for a while.
    const auto give_up = Clock::now() + Ms(std::min<TimeMs>(options.timeout, 10000));
    while (true) {
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, full.c_str(), partition, &lo, &hi, TimeoutMs());
      if (!err) return std::pair{lo, hi};
      if (Clock::now() > give_up) return Err(KafkaError(err, "reading the offsets of " + full));
      std::this_thread::sleep_for(Ms(20));
    }
  }

  // Polls the partition's last stable offset until it reaches `offset`
  // (true) or `deadline` passes (false); *end gets the last one read.
  bool AwaitStableEnd(const std::string& full, int partition, int64_t offset, Clock::time_point deadline,
                      int64_t* end = nullptr) {
    while (true) {
      auto marks = Watermarks(full, partition);
      if (marks && end != nullptr) *end = marks->second;
      if (marks && marks->second >= offset) return true;
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(Ms(2));
    }
  }

  Result<TopicInfo> Describe(std::string_view topic, const TopicMeta& meta) {
    TopicInfo info;
    info.name = std::string(topic);
    info.partitions = meta.partitions;
    info.compacted = meta.compacted;
    for (int p = 0; p < meta.partitions; ++p) {
      ASSIGN_OR_RETURN(auto marks, Watermarks(Full(topic), p));
      info.start_offsets.push_back(marks.first);
      info.end_offsets.push_back(marks.second);
    }
    return info;
  }

  // Takes a consumer of topic/partition for one read (give it back with
  // ReleaseConsumer).
  Result<std::shared_ptr<PartitionConsumer>> GetConsumer(std::string_view topic, int partition, int64_t offset) {
    std::lock_guard lock(mu);
    auto& pool = consumers[{std::string(topic), partition}];
    std::shared_ptr<PartitionConsumer> idle;
    for (const auto& r : pool) {
      if (r->in_use) continue;
      if (r->assigned && r->next == offset) {
        idle = r;
        break;
      }
      if (!idle) idle = r;
    }
    if (!idle) {
      ASSIGN_OR_RETURN(Handle rk, NewClient(RD_KAFKA_CONSUMER,
                                            {{"group.id", prefix + "logstream-reader"},
                                             {"enable.auto.commit", "false"},
                                             {"enable.auto.offset.store", "false"},
                                             {"isolation.level", "read_committed"},
                                             {"enable.partition.eof", "true"},
                                             {"auto.offset.reset", "earliest"},
                                             // The broker holds a fetch at the end for up to
                                             // this long and does not answer it early when a
                                             // transaction commits (the stable offset moves):
                                             // it bounds how soon a commit is readable.
                                             {"fetch.wait.max.ms", "10"},
                                             // Fetched ahead per partition: fetching stops while
                                             // this many records wait (see Wake). One fetch brings
                                             // up to 1 MB compressed, ~15k records of `logs`.
                                             {"queued.min.messages", std::to_string(kConsumerQueuedMessages)},
                                             {"queued.max.messages.kbytes", "16384"}}));
      idle = std::make_shared<PartitionConsumer>();
      idle->queue = rd_kafka_queue_get_consumer(rk.get());
      idle->rk = std::move(rk);
      pool.push_back(idle);
    }
    idle->in_use = true;
    return idle;
  }

  void ReleaseConsumer(PartitionConsumer* consumer) {
    std::lock_guard lock(mu);
    consumer->in_use = false;
  }

  // Reads committed records of topic/partition from offset into add(msg).
  Status ReadRecords(std::string_view topic, int partition, int64_t offset, size_t max_records,
                     TimeMs max_wait, const std::function<void(const rd_kafka_message_t*)>& add) {
    ASSIGN_OR_RETURN(TopicMeta meta, Meta(topic));
    if (partition < 0 || partition >= meta.partitions) {
      return InvalidArgument("topic " + std::string(topic) + " has no partition " + std::to_string(partition));
    }
    if (max_records == 0) return Status();
    offset = std::max<int64_t>(offset, 0);
    ASSIGN_OR_RETURN(std::shared_ptr<PartitionConsumer> consumer, GetConsumer(topic, partition, offset));
    Status status = ReadWith(consumer, topic, partition, offset, max_records, max_wait, add);
    ReleaseConsumer(consumer.get());
    return status;
  }

  Status ReadWith(const std::shared_ptr<PartitionConsumer>& consumer, std::string_view topic, int partition, int64_t offset,
                  size_t max_records, TimeMs max_wait, const std::function<void(const rd_kafka_message_t*)>& add) {
    const std::string full = Full(topic);
    rd_kafka_t* rk = consumer->rk.get();
    if (!consumer->assigned || offset != consumer->next) {
      // Reposition by (re-)assigning at the offset: unlike seek, assign does
      // not wait for the fetcher (librdkafka 2.0.2's seek_partitions times
      // out on a partition that is waiting at its end), and messages fetched
      // for the old position are dropped by the new assignment's version.
      Partitions list(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(list.get(), full.c_str(), partition)->offset = offset;
      consumer->assigned = false;
      if (rd_kafka_resp_err_t e = rd_kafka_assign(rk, list.get())) return KafkaError(e, "assigning " + full);
      consumer->assigned = true;
      consumer->next = offset;
      consumer->eof = false;
    }
    const auto start = Clock::now();
    const auto deadline = start + Ms(std::max<TimeMs>(max_wait, 0));
    const auto give_up = start + Ms(options.timeout);
    // After the end is reached, records still hidden below the high watermark
    // are an open transaction or commit markers being written: wait up to
    // kSettle for the latter.
    constexpr TimeMs kSettle = 1000;
    std::optional<Clock::time_point> settle_until;
    size_t count = 0;
    rd_kafka_message_t** msgs = consumer->batch.data();
    while (count < max_records) {
      // What the consumer has fetched, in one call; then, when nothing was
      // read yet, wait for the first record (or the end) unless the end is
      // known and the wait is over (then only the high watermark check
      // below remains).
      const ssize_t got = rd_kafka_consume_batch_queue(consumer->queue, 0, msgs,
                                                       std::min(max_records - count, consumer->batch.size()));
      if (got < 0) return KafkaError(rd_kafka_last_error(), "reading " + full);
      size_t n = static_cast<size_t>(got);
      if (n == 0 && count == 0) {
        if (!consumer->eof) Wake(consumer, full, partition);
        const bool waited = consumer->eof && Clock::now() >= deadline;
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, waited ? (settle_until ? 5 : 0) : 20)) {
          msgs[0] = m;
          n = 1;
        }
      }
      const auto now = Clock::now();
      if (n == 0) {
        if (count > 0) break;
        if (!consumer->eof) {
          if (now > give_up) return Unavailable("no answer from Kafka reading " + full + " (retry)");
          continue;
        }
        if (now < deadline) continue;
        if (!settle_until) {
          ASSIGN_OR_RETURN(auto marks, Watermarks(full, partition));
          settle_until = consumer->eof_offset < marks.second ? now + Ms(kSettle) : now;
        }
        if (now >= *settle_until) break;
        continue;
      }
      // Every message taken is handled: records after an end-of-partition
      // event or an error in the same batch are still records.
      Status error;
      bool end = false;
      for (size_t i = 0; i < n; ++i) {
        rd_kafka_message_t* msg = msgs[i];
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          consumer->eof = true;
          consumer->eof_offset = msg->offset;
          end = true;
        } else if (msg->err) {
          if (error.ok()) error = KafkaError(msg->err, "reading " + full + " partition " + std::to_string(partition));
        } else if (msg->offset >= consumer->next) {  // lower: fetched before a reposition
          add(msg);
          consumer->next = msg->offset + 1;
          consumer->eof = false;
          end = false;
          ++count;
        }
        rd_kafka_message_destroy(msg);
      }
      if (count > 0) continue;  // take what else is there without waiting
      if (!error.ok()) return error;
      if (end && settle_until && now >= deadline) {
        ASSIGN_OR_RETURN(auto marks, Watermarks(full, partition));
        if (consumer->eof_offset >= marks.second) break;
      }
    }
    if (count > 0) Wake(consumer, full, partition);
    return Status();
  }

  // Has the Waker wake the consumer's broker thread when the consumer's queue
  // is below half of what it fetches ahead, at most every 2 ms.
  void Wake(const std::shared_ptr<PartitionConsumer>& consumer, const std::string& full, int partition) {
    const auto now = Clock::now();
    if (now - consumer->last_wake < Ms(2) || rd_kafka_queue_length(consumer->queue) >= kConsumerQueuedMessages / 2) return;
    consumer->last_wake = now;
    waker.Request(consumer, full, partition);
  }

  // The cache of a state topic (created empty on first use).
  Result<std::shared_ptr<StateCache>> StateOf(std::string_view topic) {
    ASSIGN_OR_RETURN(TopicMeta meta, Meta(topic));
    if (!meta.compacted) {
      return Err(InvalidArgument("topic " + std::string(topic) + " is not a state (compacted) topic"));
    }
    std::lock_guard lock(mu);
    auto& slot = states[std::string(topic)];
    if (!slot) {
      slot = std::make_shared<StateCache>();
      slot->next.assign(meta.partitions, 0);
    }
    return slot;
  }

  // The cache of a state topic, read to the end.
  Result<std::shared_ptr<StateCache>> RefreshState(std::string_view topic) {
    ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, StateOf(topic));
    std::lock_guard lock(cache->mu);
    RETURN_IF_ERROR(ReadToEnd(topic, *cache));
    return cache;
  }

  // Reads the state entries committed since the cache last read (cache.mu
  // held), at least up to the stable offsets of when it began: Unavailable
  // if they do not become readable (commit markers not written yet).
  // With `settle`, first waits (up to the timeout) for the transactions
  // open on a partition when the read begins to end, so that none of them
  // commits entries older than what the read saw. Our own writer's are
  // over once a producer of the id is initialized; one that never ends is a
  // hanging transaction, which a broker can leave after losing its markers.
  Status ReadToEnd(std::string_view topic, StateCache& cache, bool settle = false) {
    const uint64_t inits_before = inits.load();
    const std::string full = Full(topic);
    for (int p = 0; p < static_cast<int>(cache.next.size()); ++p) {
      ASSIGN_OR_RETURN(auto marks, Watermarks(full, p));
      if (settle) {
        ASSIGN_OR_RETURN(auto high, Watermarks(full, p, /*uncommitted_end=*/true));
        if (marks.second < high.second &&
            !AwaitStableEnd(full, p, high.second, Clock::now() + Ms(options.timeout), &marks.second)) {
          return Unavailable("state topic " + full + " partition " + std::to_string(p) +
                             ": a transaction open at offset " + std::to_string(marks.second) +
                             " has not ended in " + std::to_string(options.timeout) +
                             " ms; if no other writer of the topic is running, the broker left it "
                             "hanging (Kafka 4.3 and 4.4 can after a restart): list it with "
                             "kafka-transactions.sh find-hanging and abort it");
        }
      }
      if (cache.next[p] >= marks.second) continue;  // nothing new (one ListOffsets round trip)
      ASSIGN_OR_RETURN(std::shared_ptr<PartitionConsumer> consumer, GetConsumer(topic, p, cache.next[p]));
      Status status;
      while (status.ok()) {
        size_t got = 0;
        status = ReadWith(consumer, topic, p, cache.next[p], 10000, 0, [&](const rd_kafka_message_t* m) {
          cache.Apply(std::string(static_cast<const char*>(m->key), m->key_len),
                      {static_cast<const char*>(m->payload), m->len});
          cache.next[p] = m->offset + 1;
          ++got;
        });
        if (got == 0) break;
      }
      const bool complete = consumer->eof && consumer->eof_offset >= marks.second;
      ReleaseConsumer(consumer.get());
      RETURN_IF_ERROR(status);
      if (!complete) {
        return Unavailable("state topic " + full + " partition " + std::to_string(p) +
                           ": committed entries below offset " + std::to_string(marks.second) +
                           " are not readable yet (retry)");
      }
    }
    cache.read_at_inits = inits_before;
    return Status();
  }
};

namespace {

// A consumer group member: a KafkaConsumer subscribed with the
// cooperative-sticky assignor, used for membership only. Its partitions are
// paused as soon as they are assigned (the member's records are read with
// Log::ReadInto, from the group's committed offsets), so it fetches nothing.
// The rebalance callback runs inside rd_kafka_consumer_poll, on the thread
// calling Poll; revoked partitions are unassigned at the next Poll, after the
// caller has committed them.
class KafkaSubscription : public Subscription {
 public:
  KafkaSubscription(KafkaLog::Impl* log, std::string group) : log_(log), group_(std::move(group)) {}

  ~KafkaSubscription() override {
    if (!rk_) return;
    {
      std::lock_guard lock(log_->mu);
      auto& list = log_->members[group_];
      list.erase(std::remove(list.begin(), list.end(), this), list.end());
      if (list.empty()) log_->members.erase(group_);
    }
    closing_ = true;  // revocations during close are unassigned at once
    Forget(owned_);
    rk_.reset();      // consumer_close: leaves the group
  }

  Status Start(const std::vector<std::string>& topics) {
    std::map<std::string, std::string> settings = {
        {"group.id", log_->Full(group_)},
        {"partition.assignment.strategy", "cooperative-sticky"},
        {"isolation.level", "read_committed"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        // A killed member's partitions move after this long.
        {"session.timeout.ms", "10000"},
        {"heartbeat.interval.ms", "1000"},
        {"queued.max.messages.kbytes", "1024"},
    };
    ASSIGN_OR_RETURN(rk_, log_->NewClient(RD_KAFKA_CONSUMER, settings, [this](rd_kafka_conf_t* conf) {
      rd_kafka_conf_set_opaque(conf, this);
      rd_kafka_conf_set_rebalance_cb(conf, [](rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                              rd_kafka_topic_partition_list_t* parts, void* opaque) {
        static_cast<KafkaSubscription*>(opaque)->OnRebalance(rk, err, parts);
      });
    }));
    rd_kafka_poll_set_consumer(rk_.get());
    Partitions list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const std::string& topic : topics) {
      rd_kafka_topic_partition_list_add(list.get(), log_->Full(topic).c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_.get(), list.get())) {
      return KafkaError(e, "subscribing group " + log_->Full(group_));
    }
    std::lock_guard lock(log_->mu);
    log_->members[group_].push_back(this);
    return Status();
  }

  Result<AssignmentChange> Poll(TimeMs max_wait) override {
    if (!releasing_.empty()) {
      Partitions list = List(releasing_);
      if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk_.get(), list.get())) {
        return Err(TxnError(error, "handing over partitions of group " + log_->Full(group_)));
      }
      for (const auto& tp : releasing_) owned_.erase(tp);
      Forget(releasing_);
      releasing_.clear();
    }
    const auto deadline = Clock::now() + Ms(std::max<TimeMs>(max_wait, 0));
    while (change_.empty() && error_.ok()) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
      rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(std::clamp<int64_t>(left, 0, 100)));
      if (msg != nullptr) {
        if (msg->err == RD_KAFKA_RESP_ERR__FATAL) {
          char reason[256];
          rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_.get(), reason, sizeof reason);
          error_ = KafkaError(fatal, std::string("consumer group ") + log_->Full(group_) + ": " + reason);
        }
        rd_kafka_message_destroy(msg);  // paused partitions: nothing but events
      }
      if (left <= 0) break;
    }
    RETURN_IF_ERROR(error_);
    AssignmentChange change = std::move(change_);
    change_ = AssignmentChange{};
    if (!change.lost) releasing_ = change.revoked;
    return change;
  }

  std::vector<TopicPartition> Assigned() const override { return {owned_.begin(), owned_.end()}; }

  // A copy of the membership (group, member id, generation) as of the last
  // rebalance this member has seen in Poll, or null before the first. Not
  // the consumer's live one: a member removed behind its back (a zombie)
  // keeps sending the old generation until it polls, so its commits fail.
  rd_kafka_consumer_group_metadata_t* Metadata() {
    std::lock_guard lock(gm_mu_);
    if (gm_.empty()) return nullptr;
    rd_kafka_consumer_group_metadata_t* copy = nullptr;
    if (rd_kafka_error_t* error = rd_kafka_consumer_group_metadata_read(&copy, gm_.data(), gm_.size())) {
      rd_kafka_error_destroy(error);
      return nullptr;
    }
    return copy;
  }

 private:
  Partitions List(const std::vector<TopicPartition>& tps) const {
    Partitions list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
    for (const auto& tp : tps) rd_kafka_topic_partition_list_add(list.get(), log_->Full(tp.topic).c_str(), tp.partition);
    return list;
  }

  std::vector<TopicPartition> Short(const rd_kafka_topic_partition_list_t* parts) const {
    std::vector<TopicPartition> out;
    for (int i = 0; i < parts->cnt; ++i) {
      std::string_view topic = parts->elems[i].topic;
      if (topic.starts_with(log_->prefix)) topic.remove_prefix(log_->prefix.size());
      out.push_back({std::string(topic), parts->elems[i].partition});
    }
    return out;
  }

  // Partitions leaving this member: offsets committed for them by this
  // process are no longer the group's latest once another member commits.
  template <typename Container>
  void Forget(const Container& tps) {
    std::lock_guard lock(log_->mu);
    for (const auto& tp : tps) log_->committed.erase({group_, log_->Full(tp.topic), tp.partition});
  }

  void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    struct Saver {  // after every callback, whatever it did
      KafkaSubscription* self;
      rd_kafka_t* rk;
      ~Saver() { self->SaveMetadata(rk); }
    } save{this, rk};
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_assign(rk, parts)) {
        error_ = TxnError(error, "assigning partitions of group " + log_->Full(group_));
        return;
      }
      rd_kafka_pause_partitions(rk, parts);
      for (auto& tp : Short(parts)) {
        owned_.insert(tp);
        change_.assigned.push_back(std::move(tp));
      }
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      const bool lost = rd_kafka_assignment_lost(rk) != 0;
      auto revoked = Short(parts);
      if (lost || closing_) {
        if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(error);
        for (const auto& tp : revoked) owned_.erase(tp);
        Forget(revoked);
        change_.lost = change_.lost || lost;
      }
      change_.revoked.insert(change_.revoked.end(), revoked.begin(), revoked.end());
      return;
    }
    // A rebalance error: start over with nothing assigned.
    rd_kafka_assign(rk, nullptr);
    change_.revoked.insert(change_.revoked.end(), owned_.begin(), owned_.end());
    change_.lost = true;
    Forget(owned_);
    owned_.clear();
  }

  void SaveMetadata(rd_kafka_t* rk) {
    rd_kafka_consumer_group_metadata_t* gm = rd_kafka_consumer_group_metadata(rk);
    if (gm == nullptr) return;
    void* buf = nullptr;
    size_t size = 0;
    rd_kafka_error_t* error = rd_kafka_consumer_group_metadata_write(gm, &buf, &size);
    rd_kafka_consumer_group_metadata_destroy(gm);
    if (error) {
      rd_kafka_error_destroy(error);
      return;
    }
    std::lock_guard lock(gm_mu_);
    gm_.assign(static_cast<const char*>(buf), size);
    rd_kafka_mem_free(rk, buf);
  }

  KafkaLog::Impl* log_;
  std::string group_;
  Handle rk_;
  std::mutex gm_mu_;
  std::string gm_;  // serialized metadata; guarded by gm_mu_
  bool closing_ = false;
  Status error_;
  AssignmentChange change_;                 // collected by OnRebalance, returned by Poll
  std::set<TopicPartition> owned_;
  std::vector<TopicPartition> releasing_;   // revoked: unassigned at the next Poll
};

class KafkaTransaction : public Transaction {
 public:
  KafkaTransaction(KafkaLog::Impl* log, std::shared_ptr<TxnProducer> producer)
      : log_(log), producer_(std::move(producer)) {}
  ~KafkaTransaction() override { Abort(); }

  Status Append(std::string_view topic, std::string_view key, std::string_view value) override {
    return Produce(topic, RD_KAFKA_PARTITION_UA, key, value, false);
  }
  Status AppendTo(std::string_view topic, int partition, std::string_view key,
                  std::string_view value) override {
    if (partition < 0) return InvalidArgument("negative partition " + std::to_string(partition));
    return Produce(topic, partition, key, value, false);
  }
  Status Put(std::string_view state_topic, std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(Produce(state_topic, RD_KAFKA_PARTITION_UA, key, value, true));
    puts_.push_back({std::string(state_topic), std::string(key), std::string(value)});
    return Status();
  }
  Status CommitOffset(std::string_view group, std::string_view topic, int partition,
                      int64_t next_offset) override {
    RETURN_IF_ERROR(CheckOpen());
    if (!ValidName(group)) return InvalidArgument("invalid group name '" + std::string(group) + "'");
    ASSIGN_OR_RETURN(TopicMeta meta, log_->Meta(topic));
    if (partition < 0 || partition >= meta.partitions) {
      return InvalidArgument("topic " + std::string(topic) + " has no partition " + std::to_string(partition));
    }
    offsets_[std::string(group)][{log_->Full(topic), partition}] = next_offset;
    return Status();
  }

  Status Commit() override {
    RETURN_IF_ERROR(CheckOpen());
    if (Status s = SendBatch(); !s.ok()) {
      Abort();
      return s;
    }
    rd_kafka_t* rk = producer_->rk.get();
    for (const auto& [group, offsets] : offsets_) {
      Partitions list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
      for (const auto& [tp, offset] : offsets) {
        rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
      }
      rd_kafka_consumer_group_metadata_t* gm = nullptr;
      {
        std::lock_guard lock(log_->mu);
        auto member = log_->members.find(group);
        if (member != log_->members.end() && !member->second.empty()) {
          gm = member->second.front()->Metadata();
        }
      }
      if (gm == nullptr) gm = rd_kafka_consumer_group_metadata_new(log_->Full(group).c_str());
      rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(rk, list.get(), gm, log_->TimeoutMs());
      rd_kafka_consumer_group_metadata_destroy(gm);
      if (error) return Fail(error, "sending the offsets of group " + group + " to the transaction");
    }
    while (true) {
      rd_kafka_error_t* error = rd_kafka_commit_transaction(rk, log_->TimeoutMs());
      if (!error) break;
      if (rd_kafka_error_is_retriable(error)) {
        rd_kafka_error_destroy(error);
        continue;
      }
      return Fail(error, "committing the Kafka transaction");
    }
    // Return once the commit markers are written, so that what was committed
    // is visible to read_committed readers (the log's promise at Commit).
    const auto give_up = Clock::now() + Ms(log_->options.timeout);
    for (const auto& [tp, last] : producer_->delivered) {
      const std::string topic = rd_kafka_topic_name(tp.first);
      if (!log_->AwaitStableEnd(topic, tp.second, last + 1, give_up)) {
        // The next Begin starts a new producer, whose initialization waits
        // for this commit to complete (GetOwnState then reads it).
        producer_->broken = true;
        Finish();
        return Unavailable("transaction committed, but its records on " + topic + " are not visible yet");
      }
    }
    {
      std::lock_guard lock(log_->mu);
      for (const auto& [group, offsets] : offsets_) {
        for (const auto& [tp, offset] : offsets) log_->committed[{group, tp.first, tp.second}] = offset;
      }
    }
    // Visible now: into the caches of state topics read before, so that
    // GetOwnState need not read them back (GetState still reads to the end,
    // these entries included).
    for (const auto& [topic, key, value] : puts_) {
      std::shared_ptr<StateCache> cache;
      {
        std::lock_guard lock(log_->mu);
        auto it = log_->states.find(topic);
        if (it == log_->states.end()) continue;
        cache = it->second;
      }
      std::lock_guard lock(cache->mu);
      cache->Apply(key, value);
    }
    Finish();
    return Status();
  }

  void Abort() override {
    if (done_) return;
    rd_kafka_error_t* error = rd_kafka_abort_transaction(producer_->rk.get(), log_->TimeoutMs());
    if (error) {
      if (rd_kafka_error_is_fatal(error)) producer_->broken = true;
      rd_kafka_error_destroy(error);
    }
    Finish();
  }

 private:
  Status CheckOpen() const {
    if (done_) return FailedPrecondition("the transaction is already committed or aborted");
    return Status();
  }

  void Finish() {
    done_ = true;
    batch_.Clear();
    producer_->delivered.clear();
    std::lock_guard lock(log_->mu);
    producer_->busy = false;
  }

  // Ends the transaction after a failed send/commit: aborts it when the
  // producer can, and retires the producer. Whether a failed commit took
  // effect is not always known here (a broker that died after writing it),
  // so the next Begin starts a new producer: its initialization waits until
  // this transaction is complete, and GetOwnState then reads what it wrote.
  Status Fail(rd_kafka_error_t* error, std::string_view what) {
    if (!rd_kafka_error_is_fatal(error) && rd_kafka_error_txn_requires_abort(error)) {
      if (rd_kafka_error_t* e = rd_kafka_abort_transaction(producer_->rk.get(), log_->TimeoutMs())) {
        rd_kafka_error_destroy(e);
      }
    }
    producer_->broken = true;
    Finish();
    return TxnError(error, what);
  }

  // The producer's handle of `topic`. The first use also fetches the topic's
  // metadata: librdkafka 2.0.2 would otherwise learn a new topic's leaders
  // only from its periodic (1 s) refresh, delaying the first commit.
  Result<const ProducerTopic*> Topic(std::string_view topic) {
    auto it = producer_->topics.find(topic);
    if (it != producer_->topics.end()) return &it->second;
    ASSIGN_OR_RETURN(TopicMeta meta, log_->Meta(topic));
    const std::string full = log_->Full(topic);
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer_->rk.get(), full.c_str(), nullptr);
    if (rkt == nullptr) return Err(KafkaError(rd_kafka_last_error(), "opening topic " + full));
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(producer_->rk.get(), 0, rkt, &md, log_->TimeoutMs()) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);  // otherwise the producer finds the leaders later by itself
    }
    auto [slot, inserted] = producer_->topics.emplace(std::string(topic), ProducerTopic{rkt, meta});
    return &slot->second;
  }

  // Queues a record for `batch_`, which goes to librdkafka one partition's
  // run at a time (rd_kafka_produce_batch: the topic, partition and clock
  // are looked up once per run rather than once per record).
  Status Produce(std::string_view topic, int32_t partition, std::string_view key, std::string_view value,
                 bool state) {
    RETURN_IF_ERROR(CheckOpen());
    ASSIGN_OR_RETURN(const ProducerTopic* t, Topic(topic));
    if (t->meta.compacted != state) {
      return InvalidArgument(state ? "Put needs a state (compacted) topic; " + std::string(topic) + " is not one"
                                   : "Append needs a record topic; " + std::string(topic) +
                                         " is a state topic (use Put)");
    }
    if (partition >= t->meta.partitions) {
      return InvalidArgument("topic " + std::string(topic) + " has no partition " + std::to_string(partition));
    }
    if (partition == RD_KAFKA_PARTITION_UA) {
      // The producer's partitioner (murmur2_random), without its per-record lookups.
      partition = rd_kafka_msg_partitioner_murmur2_random(t->rkt, key.data(), key.size(), t->meta.partitions,
                                                          nullptr, nullptr);
    }
    if (batch_.topic != t || batch_.partition != partition || batch_.records.size() >= kBatchRecords ||
        batch_.bytes.size() >= kBatchBytes) {
      RETURN_IF_ERROR(SendBatch());
      batch_.topic = t;
      batch_.partition = partition;
    }
    batch_.records.push_back({batch_.bytes.size(), key.size(), value.size(), key.data() == nullptr});
    batch_.bytes.append(key).append(value);
    return Status();
  }

  // Hands the queued run to librdkafka (copied), waiting while its queue is full.
  Status SendBatch() {
    const size_t n = batch_.records.size();
    if (n == 0) return Status();
    std::vector<rd_kafka_message_t>& msgs = batch_.msgs;
    msgs.assign(n, rd_kafka_message_t{});
    char* bytes = batch_.bytes.data();
    for (size_t i = 0; i < n; ++i) {
      const Batch::Record& r = batch_.records[i];
      msgs[i].key = r.null_key ? nullptr : bytes + r.at;
      msgs[i].key_len = r.key_len;
      msgs[i].payload = r.value_len == 0 ? nullptr : bytes + r.at + r.key_len;  // empty: a tombstone
      msgs[i].len = r.value_len;
    }
    rd_kafka_t* rk = producer_->rk.get();
    size_t sent = 0;
    while (sent < n) {
      const int good = rd_kafka_produce_batch(batch_.topic->rkt, batch_.partition, RD_KAFKA_MSG_F_COPY,
                                              msgs.data() + sent, static_cast<int>(n - sent));
      // Records go in order: those before the first failure were queued.
      size_t first_failed = sent;
      while (first_failed < n && msgs[first_failed].err == RD_KAFKA_RESP_ERR_NO_ERROR) ++first_failed;
      if (first_failed == n) break;
      const rd_kafka_resp_err_t err = msgs[first_failed].err;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || static_cast<size_t>(good) != first_failed - sent) {
        batch_.Clear();
        return KafkaError(err, std::string("producing to ") + rd_kafka_topic_name(batch_.topic->rkt));
      }
      sent = first_failed;
      rd_kafka_poll(rk, 10);
    }
    batch_.Clear();
    return Status();
  }

  static constexpr size_t kBatchRecords = 4096;
  static constexpr size_t kBatchBytes = 1 << 20;
  // Records queued for one partition: keys and values back to back in `bytes`.
  struct Batch {
    struct Record {
      size_t at, key_len, value_len;
      bool null_key;
    };
    const ProducerTopic* topic = nullptr;
    int32_t partition = -1;
    std::string bytes;
    std::vector<Record> records;
    std::vector<rd_kafka_message_t> msgs;
    void Clear() {
      bytes.clear();
      records.clear();
    }
  };
  Batch batch_;

  KafkaLog::Impl* log_;
  std::shared_ptr<TxnProducer> producer_;
  bool done_ = false;
  std::map<std::string, std::map<std::pair<std::string, int>, int64_t>> offsets_;
  struct StatePut {
    std::string topic, key, value;
  };
  std::vector<StatePut> puts_;
};

}  // namespace

KafkaLog::KafkaLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaLog::~KafkaLog() = default;

Result<std::unique_ptr<KafkaLog>> KafkaLog::Open(const KafkaOptions& options) {
  if (options.bootstrap_servers.empty()) return Err(InvalidArgument("no Kafka bootstrap servers given"));
  if (!ValidName(options.name_space)) {
    return Err(InvalidArgument("invalid Kafka namespace '" + options.name_space + "' (use letters, digits, . _ -)"));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->prefix = options.name_space + ".";
  ASSIGN_OR_RETURN(impl->admin, impl->NewClient(RD_KAFKA_PRODUCER, {}));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(impl->admin.get(), 0, nullptr, &md, impl->TimeoutMs());
  if (err) {
    return Err(KafkaError(err, "connecting to Kafka at " + options.bootstrap_servers +
                                   " (is the broker running? `scripts/services start kafka`)"));
  }
  rd_kafka_metadata_destroy(md);
  return std::unique_ptr<KafkaLog>(new KafkaLog(std::move(impl)));
}

std::string KafkaLog::Url() const { return "kafka://" + impl_->options.bootstrap_servers; }

Status KafkaLog::EnsureTopic(std::string_view topic, const TopicOptions& options) {
  if (!ValidName(topic) || impl_->Full(topic).size() > 249) {
    return InvalidArgument("invalid topic name '" + std::string(topic) +
                           "' (Kafka allows letters, digits, . _ - and 249 characters with the namespace)");
  }
  if (options.partitions < 1) return InvalidArgument("a topic needs at least one partition");
  const std::string full = impl_->Full(topic);
  char err[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(full.c_str(), options.partitions, impl_->options.replication_factor, err, sizeof err);
  if (nt == nullptr) return InvalidArgument("topic " + full + ": " + err);
  const std::string retention_ms = std::to_string(options.retention_ms < 0 ? -1 : options.retention_ms);
  const std::string retention_bytes = std::to_string(options.retention_bytes < 0 ? -1 : options.retention_bytes);
  rd_kafka_NewTopic_set_config(nt, "cleanup.policy", options.compacted ? "compact" : "delete");
  if (!options.compacted) {
    rd_kafka_NewTopic_set_config(nt, "retention.ms", retention_ms.c_str());
    rd_kafka_NewTopic_set_config(nt, "retention.bytes", retention_bytes.c_str());
  }
  auto event = impl_->AdminCall(RD_KAFKA_ADMIN_OP_CREATETOPICS, "creating topic " + full,
                                [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                  rd_kafka_CreateTopics(impl_->admin.get(), &nt, 1, o, q);
                                });
  rd_kafka_NewTopic_destroy(nt);
  if (!event) return event.error();
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &n);
  rd_kafka_resp_err_t code = n > 0 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
  if (code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    {
      std::lock_guard lock(impl_->mu);
      impl_->topics.erase(std::string(topic));
    }
    // Created a moment ago by another client (two processors starting
    // together), its metadata may not have reached the broker yet.
    const auto give_up = Clock::now() + Ms(impl_->options.timeout);
    auto found = impl_->Meta(topic);
    while (!found && found.error().code() == StatusCode::kNotFound && Clock::now() < give_up) {
      std::this_thread::sleep_for(Ms(20));
      found = impl_->Meta(topic);
    }
    ASSIGN_OR_RETURN(TopicMeta meta, std::move(found));
    if (meta.partitions != options.partitions) {
      return FailedPrecondition("topic " + full + " exists with " + std::to_string(meta.partitions) +
                                " partitions, not " + std::to_string(options.partitions) +
                                " (use the existing count or another namespace)");
    }
    if (meta.compacted != options.compacted) {
      return FailedPrecondition("topic " + full + " exists but is " +
                                (meta.compacted ? "a compacted state topic" : "not compacted"));
    }
    return Status();
  }
  if (code) {
    return KafkaError(code, "creating topic " + full + " (" + rd_kafka_topic_result_error_string(results[0]) + ")");
  }
  // Wait until the new topic's metadata has reached the broker.
  const auto give_up = Clock::now() + Ms(impl_->options.timeout);
  while (true) {
    auto partitions = impl_->MetadataPartitions(full);
    if (partitions && *partitions == options.partitions) break;
    if (Clock::now() > give_up) return Unavailable("topic " + full + " was created but does not show up");
    std::this_thread::sleep_for(Ms(20));
  }
  std::lock_guard lock(impl_->mu);
  impl_->topics[std::string(topic)] = TopicMeta{options.partitions, options.compacted};
  return Status();
}

Result<std::vector<TopicInfo>> KafkaLog::ListTopics() {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(impl_->admin.get(), 1, nullptr, &md, impl_->TimeoutMs());
  if (err) return Err(KafkaError(err, "listing Kafka topics"));
  std::vector<std::string> names;
  for (int i = 0; i < md->topic_cnt; ++i) {
    std::string_view name = md->topics[i].topic;
    if (name.starts_with(impl_->prefix)) names.emplace_back(name.substr(impl_->prefix.size()));
  }
  rd_kafka_metadata_destroy(md);
  std::sort(names.begin(), names.end());
  std::vector<TopicInfo> out;
  for (const auto& name : names) {
    ASSIGN_OR_RETURN(TopicInfo info, DescribeTopic(name));
    out.push_back(std::move(info));
  }
  return out;
}

Result<TopicInfo> KafkaLog::DescribeTopic(std::string_view topic) {
  ASSIGN_OR_RETURN(TopicMeta meta, impl_->Meta(topic));
  return impl_->Describe(topic, meta);
}

Result<std::unique_ptr<Transaction>> KafkaLog::Begin(std::string_view id, const TransactionOptions& options) {
  if (!ValidName(id)) return Err(InvalidArgument("invalid transaction id '" + std::string(id) + "'"));
  std::shared_ptr<TxnProducer> producer;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->producers.find(id);
    if (it != impl_->producers.end() && !it->second->busy && !it->second->broken) {
      producer = it->second;
      producer->busy = true;
    }
  }
  if (!producer) {
    // New, or the id's producer is in a transaction: a new producer with the
    // same transactional.id fences the older one.
    std::map<std::string, std::string> settings = {
        {"transactional.id", impl_->Full(id)},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"compression.type", impl_->options.compression},
        // Larger batches cost the broker thread less per record; Commit
        // flushes at once (librdkafka sends while flushing regardless of linger).
        {"linger.ms", "20"},
        {"partitioner", "murmur2_random"},  // Java client's partitioner, as the embedded log
        {"transaction.timeout.ms", std::to_string(options.timeout > 0 ? options.timeout : 60000)},
    };
    auto producer_state = std::make_shared<TxnProducer>();
    ASSIGN_OR_RETURN(Handle rk, impl_->NewClient(RD_KAFKA_PRODUCER, settings, [&](rd_kafka_conf_t* conf) {
      rd_kafka_conf_set_opaque(conf, producer_state.get());
      rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        if (m->err) return;  // commit_transaction reports failed deliveries
        auto* p = static_cast<TxnProducer*>(opaque);
        int64_t& last = p->delivered[{m->rkt, m->partition}];
        last = std::max(last, m->offset);
      });
    }));
    while (true) {
      rd_kafka_error_t* error = rd_kafka_init_transactions(rk.get(), impl_->TimeoutMs());
      if (!error) break;
      if (rd_kafka_error_is_retriable(error)) {
        rd_kafka_error_destroy(error);
        continue;
      }
      return Err(TxnError(error, "initializing Kafka transactions for " + impl_->Full(id)));
    }
    ++impl_->inits;
    producer = std::move(producer_state);
    producer->rk = std::move(rk);
    producer->busy = true;
    std::lock_guard lock(impl_->mu);
    impl_->producers[std::string(id)] = producer;
  }
  if (rd_kafka_error_t* error = rd_kafka_begin_transaction(producer->rk.get())) {
    if (rd_kafka_error_is_fatal(error)) producer->broken = true;
    std::lock_guard lock(impl_->mu);
    producer->busy = false;
    return Err(TxnError(error, "beginning a Kafka transaction"));
  }
  return std::unique_ptr<Transaction>(new KafkaTransaction(impl_.get(), std::move(producer)));
}

Result<std::vector<LogRecordEntry>> KafkaLog::Read(std::string_view topic, int partition, int64_t offset,
                                                   size_t max_records, TimeMs max_wait) {
  std::vector<LogRecordEntry> out;
  RETURN_IF_ERROR(impl_->ReadRecords(topic, partition, offset, max_records, max_wait,
                                     [&](const rd_kafka_message_t* m) {
                                       LogRecordEntry& e = out.emplace_back();
                                       e.offset = m->offset;
                                       e.append_time = rd_kafka_message_timestamp(m, nullptr);
                                       if (m->key) e.key.assign(static_cast<const char*>(m->key), m->key_len);
                                       if (m->payload) e.value.assign(static_cast<const char*>(m->payload), m->len);
                                     }));
  return out;
}

Status KafkaLog::ReadInto(std::string_view topic, int partition, int64_t offset, size_t max_records,
                          TimeMs max_wait, RecordBuffer* out) {
  out->Clear();
  return impl_->ReadRecords(topic, partition, offset, max_records, max_wait, [&](const rd_kafka_message_t* m) {
    out->Add(m->offset, rd_kafka_message_timestamp(m, nullptr),
             std::string_view(m->key ? static_cast<const char*>(m->key) : "", m->key ? m->key_len : 0),
             std::string_view(m->payload ? static_cast<const char*>(m->payload) : "", m->payload ? m->len : 0));
  });
}

Result<int64_t> KafkaLog::CommittedOffset(std::string_view group, std::string_view topic, int partition) {
  ASSIGN_OR_RETURN(TopicMeta meta, impl_->Meta(topic));
  if (partition < 0 || partition >= meta.partitions) {
    return Err(InvalidArgument("topic " + std::string(topic) + " has no partition " + std::to_string(partition)));
  }
  const std::string full_group = impl_->Full(group), full_topic = impl_->Full(topic);
  {
    // Committed by this process: no round trip (hot in `run`'s progress line).
    std::lock_guard lock(impl_->mu);
    auto it = impl_->committed.find({std::string(group), full_topic, partition});
    if (it != impl_->committed.end()) return it->second;
  }
  const auto give_up = Clock::now() + Ms(impl_->options.timeout);
  while (true) {
    Partitions list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), full_topic.c_str(), partition);
    rd_kafka_ListConsumerGroupOffsets_t* request =
        rd_kafka_ListConsumerGroupOffsets_new(full_group.c_str(), list.get());
    auto event = impl_->AdminCall(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, "reading offsets of group " + full_group,
                                  [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                    rd_kafka_ListConsumerGroupOffsets(impl_->admin.get(), &request, 1, o, q);
                                  });
    rd_kafka_ListConsumerGroupOffsets_destroy(request);
    rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
    int64_t offset = -1;
    if (event) {
      size_t n = 0;
      const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
          rd_kafka_event_ListConsumerGroupOffsets_result(event->get()), &n);
      for (size_t i = 0; i < n; ++i) {
        if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) code = rd_kafka_error_code(e);
        const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
        for (int j = 0; parts != nullptr && j < parts->cnt; ++j) {
          if (parts->elems[j].err) code = parts->elems[j].err;
          offset = parts->elems[j].offset;
        }
      }
    } else if (Clock::now() > give_up) {
      return Err(event.error());
    }
    if (event && code == RD_KAFKA_RESP_ERR_NO_ERROR) return std::max<int64_t>(offset, 0);
    if (event && code != RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT &&
        code != RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS) {
      return Err(KafkaError(code, "reading offsets of group " + full_group));
    }
    if (Clock::now() > give_up) return Err(KafkaError(code, "reading offsets of group " + full_group));
    std::this_thread::sleep_for(Ms(20));  // a transaction's offsets are being committed
  }
}

Result<std::vector<GroupOffset>> KafkaLog::ListGroupOffsets() {
  auto event = impl_->AdminCall(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "listing consumer groups",
                                [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                  rd_kafka_ListConsumerGroups(impl_->admin.get(), o, q);
                                });
  if (!event) return Err(event.error());
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** listed =
      rd_kafka_ListConsumerGroups_result_valid(rd_kafka_event_ListConsumerGroups_result(event->get()), &n);
  std::vector<std::string> groups;
  for (size_t i = 0; i < n; ++i) {
    std::string_view g = rd_kafka_ConsumerGroupListing_group_id(listed[i]);
    if (g.starts_with(impl_->prefix)) groups.emplace_back(g.substr(impl_->prefix.size()));
  }
  std::vector<GroupOffset> out;
  for (const auto& group : groups) {
    const std::string full_group = impl_->Full(group);
    rd_kafka_ListConsumerGroupOffsets_t* request = rd_kafka_ListConsumerGroupOffsets_new(full_group.c_str(), nullptr);
    auto offsets = impl_->AdminCall(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, "reading offsets of group " + full_group,
                                    [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                      rd_kafka_ListConsumerGroupOffsets(impl_->admin.get(), &request, 1, o, q);
                                    });
    rd_kafka_ListConsumerGroupOffsets_destroy(request);
    if (!offsets) return Err(offsets.error());
    size_t m = 0;
    const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(offsets->get()), &m);
    for (size_t i = 0; i < m; ++i) {
      const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(results[i]);
      for (int j = 0; parts != nullptr && j < parts->cnt; ++j) {
        std::string_view topic = parts->elems[j].topic;
        if (!topic.starts_with(impl_->prefix) || parts->elems[j].offset < 0) continue;
        out.push_back({group, std::string(topic.substr(impl_->prefix.size())), parts->elems[j].partition,
                       parts->elems[j].offset});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const GroupOffset& a, const GroupOffset& b) {
    return std::tie(a.group, a.topic, a.partition) < std::tie(b.group, b.topic, b.partition);
  });
  return out;
}

Result<std::unique_ptr<Subscription>> KafkaLog::Subscribe(std::string_view group,
                                                         const std::vector<std::string>& topics) {
  if (!ValidName(group)) return Err(InvalidArgument("invalid group name '" + std::string(group) + "'"));
  for (const std::string& topic : topics) {
    if (auto meta = impl_->Meta(topic); !meta) return Err(meta.error());
  }
  auto sub = std::make_unique<KafkaSubscription>(impl_.get(), std::string(group));
  RETURN_IF_ERROR(sub->Start(topics));
  return std::unique_ptr<Subscription>(std::move(sub));
}

Result<std::map<std::string, std::string>> KafkaLog::ReadState(std::string_view state_topic) {
  ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, impl_->RefreshState(state_topic));
  std::lock_guard lock(cache->mu);
  return cache->values;
}

Result<std::optional<std::string>> KafkaLog::GetState(std::string_view state_topic, std::string_view key) {
  ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, impl_->RefreshState(state_topic));
  std::lock_guard lock(cache->mu);
  auto it = cache->values.find(std::string(key));
  if (it == cache->values.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<std::string>> KafkaLog::GetOwnState(std::string_view state_topic, std::string_view key) {
  ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, impl_->StateOf(state_topic));
  std::lock_guard lock(cache->mu);
  const uint64_t inits = impl_->inits.load();
  // Read to the end when no producer has started yet (no writer of ours:
  // as GetState) or one started since the last read (it may have fenced a
  // writer in another process, whose commits are now complete).
  if (inits == 0 || cache->read_at_inits != inits) {
    RETURN_IF_ERROR(impl_->ReadToEnd(state_topic, *cache, /*settle=*/true));
  }
  auto it = cache->values.find(std::string(key));
  if (it == cache->values.end()) return std::nullopt;
  return it->second;
}

Result<std::unique_ptr<Log>> OpenKafkaLog(std::string_view url, const LogOptions& options) {
  KafkaOptions kafka;
  ASSIGN_OR_RETURN(kafka.bootstrap_servers, KafkaBootstrapFromUrl(url));
  if (!options.name_space.empty()) kafka.name_space = options.name_space;
  kafka.properties = options.properties;
  ASSIGN_OR_RETURN(std::unique_ptr<KafkaLog> log, KafkaLog::Open(kafka));
  return std::unique_ptr<Log>(std::move(log));
}

void RegisterKafkaLog() { RegisterLogBackend("kafka://", &OpenKafkaLog); }

}  // namespace logstream
