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

// A batch value (one per transaction and partition) is one of:
//   plain:       varint count (>= 1), varint append_time, records
//   compressed:  0x00, varint codec (1 = LZ4 blocks), varint count,
//                varint append_time, then blocks of whole records, each
//                varint record count, varint size, varint compressed size,
//                and the records compressed as one LZ4 block (~64 KiB each)
// where records are, per record, varint key length, key, varint value
// length, value. A plain batch never starts with 0x00 (its count is >= 1).
// Compressed batches are smaller to checksum, write, keep in the memtable and
// read back (like Kafka's compressed record batches); the records inside are
// the same bytes either way. Blocks let a reader skip to the record it wants
// and decode in cache-sized pieces.
class BatchBuilder {
 public:
  void Add(std::string_view key, std::string_view value);
  int64_t count() const { return count_; }
  // The encoded records (without the header), uncompressed.
  const std::string& body() const { return body_; }
  // Compresses the records when that makes them smaller by at least a third
  // (judged on the first block); call once all records are added (no Add
  // after it). Without it, Header and payload are the plain encoding.
  void Compress();
  // The header for a batch of count() records appended at append_time, and
  // the bytes that follow it.
  std::string Header(TimeMs append_time) const;
  const std::string& payload() const { return compressed_ ? packed_ : body_; }

 private:
  struct Block {
    int64_t count;  // records in the batch up to the end of this block
    size_t end;     // end of the block in body_
  };
  int64_t count_ = 0;
  std::string body_;
  std::vector<Block> blocks_;
  bool compressed_ = false;
  std::string packed_;  // the compressed blocks when compressed_
};

struct BatchHeader {
  int64_t count = 0;
  TimeMs append_time = 0;
  size_t header_size = 0;
  int codec = 0;  // 0: plain; 1: LZ4 blocks
};

Result<BatchHeader> DecodeBatchHeader(std::string_view batch);

// Decodes a batch whose first record has offset base_offset and appends its
// records with offset >= from_offset to *out, at most max_records in total in
// *out. DataLoss if the batch is corrupt.
Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, std::vector<LogRecordEntry>* out);
// Into a RecordBuffer, the blocks of a compressed batch are decompressed
// straight into the buffer's bytes (records of a block before from_offset or
// past max_records occupy them unused).
Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, RecordBuffer* out);

// Appends every record of `records` to *out.
void AppendEntries(const RecordBuffer& records, std::vector<LogRecordEntry>* out);

}  // namespace logstream
