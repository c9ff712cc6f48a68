// Helpers shared by the Log implementations: the key partitioner, topic name
// validation, and the record batch codec (one encoded batch = the records one
// transaction appends to one partition, as Kafka stores them).
//
// All functions are pure and thread-safe. BatchBuilder is a value type used by
// one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/log/log.h"

namespace logstream {

// The partition of `key` among `partitions`: Kafka's default partitioner
// (murmur2 of the key bytes, sign bit cleared, modulo the partition count), so
// the embedded log and Kafka place a key on the same partition.
int PartitionForKey(std::string_view key, int partitions);

// Kafka's rule: 1..249 characters of [a-zA-Z0-9._-]. InvalidArgument otherwise.
Status ValidateTopicName(std::string_view topic);

void PutVarint64(std::string* out, uint64_t v);
// Reads a varint at *p (advancing it); false if truncated or too long.
bool GetVarint64(const char** p, const char* end, uint64_t* v);

// Encodes records as: varint count, varint append_time, then per record
// varint key length, key, varint value length, value.
class BatchBuilder {
 public:
  void Add(std::string_view key, std::string_view value);
  int64_t count() const { return count_; }
  // The encoded record part (without the header).
  const std::string& body() const { return body_; }
  // The header for a batch of count() records appended at append_time.
  std::string Header(TimeMs append_time) const;

 private:
  int64_t count_ = 0;
  std::string body_;
};

struct BatchHeader {
  int64_t count = 0;
  TimeMs append_time = 0;
  size_t header_size = 0;
};

Result<BatchHeader> DecodeBatchHeader(std::string_view batch);

// Decodes a batch whose first record has offset base_offset and appends its
// records with offset >= from_offset to *out, at most max_records in total in
// *out. DataLoss if the batch is corrupt.
Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, std::vector<LogRecordEntry>* out);
Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, RecordBuffer* out);

// Appends every record of `records` to *out.
void AppendEntries(const RecordBuffer& records, std::vector<LogRecordEntry>* out);

}  // namespace logstream
