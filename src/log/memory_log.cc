#include "src/log/memory_log.h"

#include <chrono>

namespace logstream {

namespace {

Status TopicNotFound(std::string_view topic) {
  return NotFound("topic '" + std::string(topic) + "' does not exist; create it with EnsureTopic");
}

}  // namespace

Status MemoryLog::EnsureTopic(std::string_view topic, const TopicOptions& options) {
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (options.partitions < 1) return InvalidArgument("a topic needs at least 1 partition");
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it != topics_.end()) {
    const TopicOptions& have = it->second.options;
    if (have.partitions != options.partitions || have.compacted != options.compacted) {
      return FailedPrecondition("topic '" + std::string(topic) + "' exists with " +
                                std::to_string(have.partitions) + " partitions" +
                                (have.compacted ? " (compacted)" : "") + ", not " +
                                std::to_string(options.partitions) +
                                (options.compacted ? " (compacted)" : ""));
    }
    return Status::Ok();
  }
  Topic t;
  t.options = options;
  t.partitions.resize(options.partitions);
  topics_.emplace(std::string(topic), std::move(t));
  return Status::Ok();
}

TopicInfo MemoryLog::InfoLocked(const std::string& name, const Topic& topic) const {
  TopicInfo info;
  info.name = name;
  info.partitions = topic.options.partitions;
  info.compacted = topic.options.compacted;
  for (const auto& p : topic.partitions) {
    info.end_offsets.push_back(static_cast<int64_t>(p.size()));
    info.start_offsets.push_back(0);
  }
  return info;
}

Result<std::vector<TopicInfo>> MemoryLog::ListTopics() {
  std::lock_guard lock(mu_);
  std::vector<TopicInfo> out;
  for (const auto& [name, topic] : topics_) out.push_back(InfoLocked(name, topic));
  return out;
}

Result<TopicInfo> MemoryLog::DescribeTopic(std::string_view topic) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Err(TopicNotFound(topic));
  return InfoLocked(it->first, it->second);
}

Result<TopicOptions> MemoryLog::FindTopic(std::string_view topic) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Err(TopicNotFound(topic));
  return it->second.options;
}

Result<std::unique_ptr<Transaction>> MemoryLog::Begin(std::string_view id, const TransactionOptions&) {
  int64_t epoch;
  {
    std::lock_guard lock(mu_);
    epoch = ++epochs_[std::string(id)];
  }
  return std::make_unique<BufferedTransaction>(
      [this](std::string_view topic) { return FindTopic(topic); },
      [this, id = std::string(id), epoch](TxnBuffer& buffer) { return Apply(id, epoch, buffer); });
}

Status MemoryLog::Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer) {
  {
    std::lock_guard lock(mu_);
    if (epochs_[id] != epoch) {
      return FailedPrecondition("transaction of '" + id +
                                "' was fenced by a newer transaction with the same id");
    }
    const TimeMs now = NowMs();
    for (auto& batch : buffer.batches) {
      auto& records = topics_.find(batch.topic)->second.partitions[batch.partition];
      const std::string& body = batch.records.body();
      RETURN_IF_ERROR(DecodeBatch(batch.records.Header(now) + body,
                                  static_cast<int64_t>(records.size()), 0, SIZE_MAX, &records));
    }
    for (auto& put : buffer.puts) {
      auto& state = topics_.find(put.topic)->second.state;
      if (put.value.empty()) {
        state.erase(put.key);
      } else {
        state[put.key] = std::move(put.value);
      }
    }
    for (const auto& o : buffer.offsets) {
      group_offsets_[{o.group, o.topic, o.partition}] = o.next_offset;
    }
  }
  committed_.notify_all();
  return Status::Ok();
}

Result<std::vector<LogRecordEntry>> MemoryLog::Read(std::string_view topic, int partition,
                                                    int64_t offset, size_t max_records,
                                                    TimeMs max_wait) {
  RecordBuffer records;
  RETURN_IF_ERROR(ReadInto(topic, partition, offset, max_records, max_wait, &records));
  std::vector<LogRecordEntry> out;
  AppendEntries(records, &out);
  return out;
}

Status MemoryLog::ReadInto(std::string_view topic, int partition, int64_t offset,
                           size_t max_records, TimeMs max_wait, RecordBuffer* out) {
  out->Clear();
  std::unique_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return TopicNotFound(topic);
  if (partition < 0 || partition >= it->second.options.partitions) {
    return InvalidArgument("partition " + std::to_string(partition) + " out of range for topic '" +
                           std::string(topic) + "'");
  }
  const auto& records = it->second.partitions[partition];
  offset = std::max<int64_t>(offset, 0);
  if (max_wait > 0) {
    committed_.wait_for(lock, std::chrono::milliseconds(max_wait),
                        [&] { return static_cast<int64_t>(records.size()) > offset; });
  }
  for (int64_t i = offset; i < static_cast<int64_t>(records.size()) && out->size() < max_records; ++i) {
    out->Add(records[i].offset, records[i].append_time, records[i].key, records[i].value);
  }
  return Status::Ok();
}

Result<int64_t> MemoryLog::CommittedOffset(std::string_view group, std::string_view topic,
                                           int partition) {
  std::lock_guard lock(mu_);
  auto it = group_offsets_.find({std::string(group), std::string(topic), partition});
  return it == group_offsets_.end() ? 0 : it->second;
}

Result<std::vector<GroupOffset>> MemoryLog::ListGroupOffsets() {
  std::lock_guard lock(mu_);
  std::vector<GroupOffset> out;
  for (const auto& [k, v] : group_offsets_) {
    out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), v});
  }
  return out;
}

Result<std::map<std::string, std::string>> MemoryLog::ReadState(std::string_view state_topic) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(state_topic);
  if (it == topics_.end()) return Err(TopicNotFound(state_topic));
  return it->second.state;
}

Result<std::optional<std::string>> MemoryLog::GetState(std::string_view state_topic,
                                                       std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(state_topic);
  if (it == topics_.end()) return Err(TopicNotFound(state_topic));
  auto kv = it->second.state.find(std::string(key));
  if (kv == it->second.state.end()) return std::optional<std::string>();
  return std::optional<std::string>(kv->second);
}

Result<std::unique_ptr<Subscription>> MemoryLog::Subscribe(std::string_view group,
                                                          const std::vector<std::string>& topics) {
  return groups_.Subscribe(group, topics, [this](std::string_view topic) { return FindTopic(topic); });
}

}  // namespace logstream
