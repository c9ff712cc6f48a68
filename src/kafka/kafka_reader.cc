#include <algorithm>
#include <optional>

#include "src/kafka/kafka_internal.h"

namespace logstream {

Waker::~Waker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Waker::Request(std::shared_ptr<PartitionConsumer> consumer, std::string topic, int partition) {
  std::lock_guard lock(mu_);
  if (consumer->wake_pending) return;
  consumer->wake_pending = true;
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  pending_.push_back({std::move(consumer), std::move(topic), partition});
  cv_.notify_one();
}

void Waker::Run() {
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
      rd_kafka_query_watermark_offsets(w.consumer->rk.get(), w.topic.c_str(), w.partition, &low,
                                       &high, 1000);
    }
    lock.lock();
  }
}

Result<std::shared_ptr<PartitionConsumer>> KafkaLog::Impl::GetConsumer(std::string_view topic,
                                                                       int partition,
                                                                       int64_t offset) {
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
    ASSIGN_OR_RETURN(Handle rk,
                     NewClient(RD_KAFKA_CONSUMER,
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

void KafkaLog::Impl::ReleaseConsumer(PartitionConsumer* consumer) {
  std::lock_guard lock(mu);
  consumer->in_use = false;
}

Status KafkaLog::Impl::ReadRecords(std::string_view topic, int partition, int64_t offset,
                                   size_t max_records, TimeMs max_wait,
                                   const std::function<void(const rd_kafka_message_t*)>& add) {
  ASSIGN_OR_RETURN(TopicMeta meta, Meta(topic));
  if (partition < 0 || partition >= meta.partitions) {
    return InvalidArgument("topic " + std::string(topic) + " has no partition " +
                           std::to_string(partition));
  }
  if (max_records == 0) return Status();
  offset = std::max<int64_t>(offset, 0);
  ASSIGN_OR_RETURN(std::shared_ptr<PartitionConsumer> consumer,
                   GetConsumer(topic, partition, offset));
  Status status = ReadWith(consumer, topic, partition, offset, max_records, max_wait, add);
  ReleaseConsumer(consumer.get());
  return status;
}

Status KafkaLog::Impl::ReadWith(const std::shared_ptr<PartitionConsumer>& consumer,
                                std::string_view topic, int partition, int64_t offset,
                                size_t max_records, TimeMs max_wait,
                                const std::function<void(const rd_kafka_message_t*)>& add) {
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
    if (rd_kafka_resp_err_t e = rd_kafka_assign(rk, list.get())) {
      return KafkaError(e, "assigning " + full);
    }
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
    const ssize_t got = rd_kafka_consume_batch_queue(
        consumer->queue, 0, msgs, std::min(max_records - count, consumer->batch.size()));
    if (got < 0) return KafkaError(rd_kafka_last_error(), "reading " + full);
    size_t n = static_cast<size_t>(got);
    if (n == 0 && count == 0) {
      if (!consumer->eof) Wake(consumer, full, partition);
      const bool waited = consumer->eof && Clock::now() >= deadline;
      if (rd_kafka_message_t* m =
              rd_kafka_consumer_poll(rk, waited ? (settle_until ? 5 : 0) : 20)) {
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
        if (error.ok()) {
          error =
              KafkaError(msg->err, "reading " + full + " partition " + std::to_string(partition));
        }
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

void KafkaLog::Impl::Wake(const std::shared_ptr<PartitionConsumer>& consumer,
                          const std::string& full, int partition) {
  const auto now = Clock::now();
  if (now - consumer->last_wake < Ms(2) ||
      rd_kafka_queue_length(consumer->queue) >= kConsumerQueuedMessages / 2) {
    return;
  }
  consumer->last_wake = now;
  waker.Request(consumer, full, partition);
}

Result<std::vector<LogRecordEntry>> KafkaLog::Read(std::string_view topic, int partition,
                                                   int64_t offset, size_t max_records,
                                                   TimeMs max_wait) {
  std::vector<LogRecordEntry> out;
  RETURN_IF_ERROR(impl_->ReadRecords(
      topic, partition, offset, max_records, max_wait, [&](const rd_kafka_message_t* m) {
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
  return impl_->ReadRecords(
      topic, partition, offset, max_records, max_wait, [&](const rd_kafka_message_t* m) {
        out->Add(m->offset, rd_kafka_message_timestamp(m, nullptr),
                 std::string_view(m->key ? static_cast<const char*>(m->key) : "",
                                  m->key ? m->key_len : 0),
                 std::string_view(m->payload ? static_cast<const char*>(m->payload) : "",
                                  m->payload ? m->len : 0));
      });
}

}  // namespace logstream
