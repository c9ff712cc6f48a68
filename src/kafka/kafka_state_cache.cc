#include "src/kafka/kafka_internal.h"

namespace logstream {

Result<std::shared_ptr<StateCache>> KafkaLog::Impl::StateOf(std::string_view topic) {
  ASSIGN_OR_RETURN(TopicMeta meta, Meta(topic));
  if (!meta.compacted) {
    return Err(
        InvalidArgument("topic " + std::string(topic) + " is not a state (compacted) topic"));
  }
  std::lock_guard lock(mu);
  auto& slot = states[std::string(topic)];
  if (!slot) {
    slot = std::make_shared<StateCache>();
    slot->next.assign(meta.partitions, 0);
  }
  return slot;
}

Result<std::shared_ptr<StateCache>> KafkaLog::Impl::RefreshState(std::string_view topic) {
  ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, StateOf(topic));
  std::lock_guard lock(cache->mu);
  RETURN_IF_ERROR(ReadToEnd(topic, *cache));
  return cache;
}

Status KafkaLog::Impl::ReadToEnd(std::string_view topic, StateCache& cache, bool settle) {
  const uint64_t inits_before = inits.load();
  const std::string full = Full(topic);
  for (int p = 0; p < static_cast<int>(cache.next.size()); ++p) {
    ASSIGN_OR_RETURN(auto marks, Watermarks(full, p));
    if (settle) {
      ASSIGN_OR_RETURN(auto high, Watermarks(full, p, /*uncommitted_end=*/true));
      if (marks.second < high.second &&
          !AwaitStableEnd(full, p, high.second, Clock::now() + Ms(options.timeout),
                          &marks.second)) {
        return Unavailable("state topic " + full + " partition " + std::to_string(p) +
                           ": a transaction open at offset " + std::to_string(marks.second) +
                           " has not ended in " + std::to_string(options.timeout) +
                           " ms; if no other writer of the topic is running, the broker left it "
                           "hanging (Kafka 4.3 and 4.4 can after a restart): list it with "
                           "kafka-transactions.sh find-hanging and abort it");
      }
    }
    if (cache.next[p] >= marks.second) continue;  // nothing new (one ListOffsets round trip)
    ASSIGN_OR_RETURN(std::shared_ptr<PartitionConsumer> consumer,
                     GetConsumer(topic, p, cache.next[p]));
    Status status;
    while (status.ok()) {
      size_t got = 0;
      status =
          ReadWith(consumer, topic, p, cache.next[p], 10000, 0, [&](const rd_kafka_message_t* m) {
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

Result<std::map<std::string, std::string>> KafkaLog::ReadState(std::string_view state_topic) {
  ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, impl_->RefreshState(state_topic));
  std::lock_guard lock(cache->mu);
  return cache->values;
}

Result<std::optional<std::string>> KafkaLog::GetState(std::string_view state_topic,
                                                      std::string_view key) {
  ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, impl_->RefreshState(state_topic));
  std::lock_guard lock(cache->mu);
  auto it = cache->values.find(std::string(key));
  if (it == cache->values.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<std::string>> KafkaLog::GetOwnState(std::string_view state_topic,
                                                         std::string_view key) {
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

Status KafkaLog::SettleState(std::string_view state_topic) {
  ASSIGN_OR_RETURN(std::shared_ptr<StateCache> cache, impl_->StateOf(state_topic));
  std::lock_guard lock(cache->mu);
  return impl_->ReadToEnd(state_topic, *cache, /*settle=*/true);
}

}  // namespace logstream
