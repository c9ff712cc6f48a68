#include "src/log/buffered_transaction.h"

namespace logstream {

BufferedTransaction::BufferedTransaction(FindTopicFn find_topic, ApplyFn apply)
    : find_topic_(std::move(find_topic)), apply_(std::move(apply)) {}

Status BufferedTransaction::CheckOpen() const {
  if (done_) return FailedPrecondition("transaction already committed or aborted; Begin a new one");
  return Status::Ok();
}

Result<const TopicOptions*> BufferedTransaction::Topic(std::string_view topic) {
  for (const auto& [name, options] : topics_) {
    if (name == topic) return &options;
  }
  ASSIGN_OR_RETURN(TopicOptions options, find_topic_(topic));
  topics_.emplace_back(std::string(topic), options);
  return &topics_.back().second;
}

Status BufferedTransaction::Append(std::string_view topic, std::string_view key,
                                   std::string_view value) {
  RETURN_IF_ERROR(CheckOpen());
  // Writers append runs of records with one key (the records of one object).
  if (key != last_key_ || topic != last_key_topic_) {
    ASSIGN_OR_RETURN(const TopicOptions* options, Topic(topic));
    last_key_.assign(key);
    last_key_topic_.assign(topic);
    last_key_partition_ = PartitionForKey(key, options->partitions);
  }
  return AppendTo(topic, last_key_partition_, key, value);
}

Status BufferedTransaction::AppendTo(std::string_view topic, int partition, std::string_view key,
                                     std::string_view value) {
  RETURN_IF_ERROR(CheckOpen());
  auto& batches = buffer_.batches;
  if (last_batch_ >= batches.size() || batches[last_batch_].partition != partition ||
      batches[last_batch_].topic != topic) {
    ASSIGN_OR_RETURN(const TopicOptions* options, Topic(topic));
    if (options->compacted) {
      return InvalidArgument("topic '" + std::string(topic) +
                             "' is a state (compacted) topic: write it with Put, not Append");
    }
    if (partition < 0 || partition >= options->partitions) {
      return InvalidArgument("partition " + std::to_string(partition) + " out of range for topic '" +
                             std::string(topic) + "' with " + std::to_string(options->partitions) +
                             " partitions");
    }
    last_batch_ = 0;
    while (last_batch_ < batches.size() &&
           (batches[last_batch_].partition != partition || batches[last_batch_].topic != topic)) {
      ++last_batch_;
    }
    if (last_batch_ == batches.size()) {
      batches.push_back(TxnBuffer::Batch{std::string(topic), partition, {}});
    }
  }
  batches[last_batch_].records.Add(key, value);
  return Status::Ok();
}

Status BufferedTransaction::Put(std::string_view state_topic, std::string_view key,
                                std::string_view value) {
  RETURN_IF_ERROR(CheckOpen());
  ASSIGN_OR_RETURN(const TopicOptions* options, Topic(state_topic));
  if (!options->compacted) {
    return InvalidArgument("topic '" + std::string(state_topic) +
                           "' is not a state topic: create it with TopicOptions.compacted = true");
  }
  buffer_.puts.push_back({std::string(state_topic), std::string(key), std::string(value)});
  return Status::Ok();
}

Status BufferedTransaction::CommitOffset(std::string_view group, std::string_view topic,
                                         int partition, int64_t next_offset) {
  RETURN_IF_ERROR(CheckOpen());
  if (group.empty()) return InvalidArgument("consumer group name is empty");
  ASSIGN_OR_RETURN(const TopicOptions* options, Topic(topic));
  if (partition < 0 || partition >= options->partitions || next_offset < 0) {
    return InvalidArgument("bad offset commit for " + std::string(topic) + "/" +
                           std::to_string(partition) + " at " + std::to_string(next_offset));
  }
  buffer_.offsets.push_back({std::string(group), std::string(topic), partition, next_offset});
  return Status::Ok();
}

Status BufferedTransaction::Commit() {
  RETURN_IF_ERROR(CheckOpen());
  done_ = true;
  Status s = apply_(buffer_);
  buffer_ = {};
  return s;
}

void BufferedTransaction::Abort() {
  done_ = true;
  buffer_ = {};
}

}  // namespace logstream
