#include "src/log/memory_log.h"

#include <chrono>

namespace logstream {

Status MemoryLog::EnsureTopic(std::string_view topic, const TopicOptions& options) {
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (options.partitions < 1) return InvalidArgument("a topic needs at least 1 partition");
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it != topics_.end()) return CheckSameTopicShape(topic, it->second.options, options);
  MemoryTopic t;
  t.options = options;
  t.partitions.resize(options.partitions);
  topics_.emplace(std::string(topic), std::move(t));
  return Status::Ok();
}

void MemoryLog::AddOffsetsLocked(const std::string&, const MemoryTopic& topic, TopicInfo* info) {
  for (const auto& p : topic.partitions) {
    info->end_offsets.push_back(static_cast<int64_t>(p.size()));
    info->start_offsets.push_back(0);
  }
}

Status MemoryLog::Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer) {
  {
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(CheckNotFencedLocked(id, epoch));
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

Status MemoryLog::ReadInto(std::string_view topic, int partition, int64_t offset,
                           size_t max_records, TimeMs max_wait, RecordBuffer* out) {
  out->Clear();
  std::unique_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return TopicNotFound(topic);
  RETURN_IF_ERROR(CheckPartition(topic, partition, it->second.options));
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

}  // namespace logstream
