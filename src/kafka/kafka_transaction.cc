#include <algorithm>

#include "src/kafka/kafka_internal.h"

namespace logstream {

namespace {

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
    if (!ValidName(group)) {
      return InvalidArgument("invalid group name '" + std::string(group) + "'");
    }
    ASSIGN_OR_RETURN(TopicMeta meta, log_->Meta(topic));
    if (partition < 0 || partition >= meta.partitions) {
      return InvalidArgument("topic " + std::string(topic) + " has no partition " +
                             std::to_string(partition));
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
      rd_kafka_consumer_group_metadata_t* gm = log_->MemberMetadata(group);
      if (gm == nullptr) gm = rd_kafka_consumer_group_metadata_new(log_->Full(group).c_str());
      rd_kafka_error_t* error =
          rd_kafka_send_offsets_to_transaction(rk, list.get(), gm, log_->TimeoutMs());
      rd_kafka_consumer_group_metadata_destroy(gm);
      if (error) {
        return Fail(error, "sending the offsets of group " + group + " to the transaction");
      }
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
        return Unavailable("transaction committed, but its records on " + topic +
                           " are not visible yet");
      }
    }
    {
      std::lock_guard lock(log_->mu);
      for (const auto& [group, offsets] : offsets_) {
        for (const auto& [tp, offset] : offsets) {
          log_->committed[{group, tp.first, tp.second}] = offset;
        }
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
      if (rd_kafka_error_t* e =
              rd_kafka_abort_transaction(producer_->rk.get(), log_->TimeoutMs())) {
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
    if (rd_kafka_metadata(producer_->rk.get(), 0, rkt, &md, log_->TimeoutMs()) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);  // otherwise the producer finds the leaders later by itself
    }
    auto [slot, inserted] = producer_->topics.emplace(std::string(topic), ProducerTopic{rkt, meta});
    return &slot->second;
  }

  // Queues a record for `batch_`, which goes to librdkafka one partition's
  // run at a time (rd_kafka_produce_batch: the topic, partition and clock
  // are looked up once per run rather than once per record).
  Status Produce(std::string_view topic, int32_t partition, std::string_view key,
                 std::string_view value, bool state) {
    RETURN_IF_ERROR(CheckOpen());
    ASSIGN_OR_RETURN(const ProducerTopic* t, Topic(topic));
    if (t->meta.compacted != state) {
      return InvalidArgument(state ? "Put needs a state (compacted) topic; " + std::string(topic) +
                                         " is not one"
                                   : "Append needs a record topic; " + std::string(topic) +
                                         " is a state topic (use Put)");
    }
    if (partition >= t->meta.partitions) {
      return InvalidArgument("topic " + std::string(topic) + " has no partition " +
                             std::to_string(partition));
    }
    if (partition == RD_KAFKA_PARTITION_UA) {
      // The producer's partitioner (murmur2_random), without its per-record lookups.
      partition = rd_kafka_msg_partitioner_murmur2_random(t->rkt, key.data(), key.size(),
                                                          t->meta.partitions, nullptr, nullptr);
    }
    if (batch_.topic != t || batch_.partition != partition ||
        batch_.records.size() >= kBatchRecords || batch_.bytes.size() >= kBatchBytes) {
      RETURN_IF_ERROR(SendBatch());
      batch_.topic = t;
      batch_.partition = partition;
    }
    batch_.records.push_back(
        {batch_.bytes.size(), key.size(), value.size(), key.data() == nullptr});
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
      msgs[i].payload =
          r.value_len == 0 ? nullptr : bytes + r.at + r.key_len;  // empty: a tombstone
      msgs[i].len = r.value_len;
    }
    rd_kafka_t* rk = producer_->rk.get();
    size_t sent = 0;
    while (sent < n) {
      const int good =
          rd_kafka_produce_batch(batch_.topic->rkt, batch_.partition, RD_KAFKA_MSG_F_COPY,
                                 msgs.data() + sent, static_cast<int>(n - sent));
      // Records go in order: those before the first failure were queued.
      size_t first_failed = sent;
      while (first_failed < n && msgs[first_failed].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++first_failed;
      }
      if (first_failed == n) break;
      const rd_kafka_resp_err_t err = msgs[first_failed].err;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL ||
          static_cast<size_t>(good) != first_failed - sent) {
        batch_.Clear();
        return KafkaError(err,
                          std::string("producing to ") + rd_kafka_topic_name(batch_.topic->rkt));
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

Result<std::unique_ptr<Transaction>> KafkaLog::Begin(std::string_view id,
                                                     const TransactionOptions& options) {
  if (!ValidName(id)) {
    return Err(InvalidArgument("invalid transaction id '" + std::string(id) + "'"));
  }
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
        // Nothing is visible before Commit, which flushes at once (librdkafka
        // ignores linger while flushing): inside a transaction, batches go
        // when full (batch.size, 1 MB).
        {"linger.ms", "100"},
        // At most 4 full batches queued, in flight included. A ready batch
        // that cannot go (5 requests in flight to its partition, the
        // idempotent limit) makes librdkafka's broker thread spin on poll(0)
        // until one is answered: with the default 1 GB queue a fast
        // producer kept one core busy with it (53,000 polls in a 3 s
        // ingest), the core the broker needed. Produce waits instead.
        {"queue.buffering.max.kbytes", "4096"},
        {"partitioner", "murmur2_random"},  // Java client's partitioner, as the embedded log
        {"transaction.timeout.ms", std::to_string(options.timeout > 0 ? options.timeout : 60000)},
    };
    auto producer_state = std::make_shared<TxnProducer>();
    ASSIGN_OR_RETURN(Handle rk,
                     impl_->NewClient(RD_KAFKA_PRODUCER, settings, [&](rd_kafka_conf_t* conf) {
                       rd_kafka_conf_set_opaque(conf, producer_state.get());
                       rd_kafka_conf_set_dr_msg_cb(
                           conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
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

}  // namespace logstream
