#include "src/log/record_batch.h"

#include <algorithm>
#include <cstring>

#include <lz4.h>

#include "src/base/varint.h"

namespace logstream {

namespace {

constexpr uint64_t kCodecLz4Blocks = 1;
constexpr size_t kBlockBytes = 64 << 10;  // records per LZ4 block: about this many bytes

// Kafka's Utils.murmur2 (seed 0x9747b28c), byte-for-byte.
int32_t Murmur2(std::string_view data) {
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const size_t length = data.size();
  uint32_t h = 0x9747b28c ^ static_cast<uint32_t>(length);
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const size_t length4 = length / 4;
  for (size_t i = 0; i < length4; ++i) {
    const size_t i4 = i * 4;
    uint32_t k = bytes[i4] | (bytes[i4 + 1] << 8) | (bytes[i4 + 2] << 16) |
                 (static_cast<uint32_t>(bytes[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = length & ~size_t{3};
  switch (length % 4) {
    case 3: h ^= static_cast<uint32_t>(bytes[tail + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint32_t>(bytes[tail + 1]) << 8; [[fallthrough]];
    case 1: h ^= bytes[tail]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

}  // namespace

int PartitionForKey(std::string_view key, int partitions) {
  if (partitions <= 1) return 0;
  return static_cast<int>((Murmur2(key) & 0x7fffffff) % partitions);
}

Status ValidateTopicName(std::string_view topic) {
  bool ok = !topic.empty() && topic.size() <= 249 && topic != "." && topic != "..";
  for (char c : topic) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) ok = false;
  }
  if (ok) return Status::Ok();
  return InvalidArgument("invalid topic name '" + std::string(topic) +
                         "': use 1 to 249 characters of letters, digits, '.', '_' and '-'");
}

void BatchBuilder::Add(std::string_view key, std::string_view value) {
  // One write per record (the string grows geometrically).
  const size_t size = body_.size();
  body_.resize_and_overwrite(size + key.size() + value.size() + 20, [&](char* begin, size_t) {
    char* p = EncodeVarint64(begin + size, key.size());
    if (!key.empty()) std::memcpy(p, key.data(), key.size());
    p = EncodeVarint64(p + key.size(), value.size());
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    return static_cast<size_t>(p + value.size() - begin);
  });
  ++count_;
  if (body_.size() - (blocks_.empty() ? 0 : blocks_.back().end) >= kBlockBytes) {
    blocks_.push_back({count_, body_.size()});
  }
}

void BatchBuilder::Compress() {
  // Small batches (an offset, an alert) gain nothing worth a codec header.
  if (compressed_ || body_.size() < 256) return;
  if (blocks_.empty() || blocks_.back().end != body_.size()) blocks_.push_back({count_, body_.size()});
  packed_.clear();
  std::string scratch;
  int64_t first = 0;
  size_t begin = 0;
  for (const Block& b : blocks_) {
    const size_t raw = b.end - begin;
    if (raw > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return (void)(packed_ = {});
    scratch.resize_and_overwrite(static_cast<size_t>(LZ4_compressBound(static_cast<int>(raw))),
                                 [&](char* p, size_t n) {
                                   const int size = LZ4_compress_default(body_.data() + begin, p, static_cast<int>(raw),
                                                                         static_cast<int>(n));
                                   return static_cast<size_t>(std::max(size, 0));
                                 });
    if (scratch.empty()) return (void)(packed_ = {});
    PutVarint64(&packed_, static_cast<uint64_t>(b.count - first));
    PutVarint64(&packed_, raw);
    PutVarint64(&packed_, scratch.size());
    packed_.append(scratch);
    first = b.count;
    begin = b.end;
    // Compression pays for its CPU on the write path (fewer bytes through
    // RocksDB's software CRC32C, the WAL and the memtable) only when it saves
    // a good share: records the first block shows to be poorly compressible
    // are stored plain.
    if (packed_.size() > begin / 3 * 2) return (void)(packed_ = {});
  }
  if (packed_.size() <= body_.size() / 3 * 2) {
    compressed_ = true;
  } else {
    packed_ = {};
  }
}

std::string BatchBuilder::Header(TimeMs append_time) const {
  std::string header;
  if (compressed_) {
    header.push_back('\0');
    PutVarint64(&header, kCodecLz4Blocks);
  }
  PutVarint64(&header, count_);
  PutVarint64(&header, static_cast<uint64_t>(append_time));
  return header;
}

Result<BatchHeader> DecodeBatchHeader(std::string_view batch) {
  const char* p = batch.data();
  const char* end = p + batch.size();
  uint64_t count = 0, time = 0, codec = 0;
  if (p < end && *p == '\0') {
    ++p;
    if (!GetVarint64(&p, end, &codec) || codec != kCodecLz4Blocks) {
      return Err(DataLoss("record batch with unknown codec " + std::to_string(codec)));
    }
  }
  // A record takes at least 2 bytes (its two lengths) and LZ4 expands at
  // most 255-fold: a larger count is corrupt (and would overflow offsets).
  if (!GetVarint64(&p, end, &count) || !GetVarint64(&p, end, &time) || count / 128 > batch.size()) {
    return Err(DataLoss("corrupt record batch header"));
  }
  return BatchHeader{static_cast<int64_t>(count), static_cast<TimeMs>(time),
                     static_cast<size_t>(p - batch.data()), static_cast<int>(codec)};
}

namespace {

void AddEntry(int64_t offset, TimeMs time, std::string_view key, std::string_view value,
              std::vector<LogRecordEntry>* out) {
  LogRecordEntry& e = out->emplace_back();
  e.offset = offset;
  e.append_time = time;
  e.key.assign(key);
  e.value.assign(value);
}

Status Corrupt(int64_t offset) {
  return DataLoss("corrupt record batch at offset " + std::to_string(offset));
}

// Calls fn(offset, key_pos, key_size, value_pos, value_size) for the `count`
// records of body (positions relative to body.data()) with offset >=
// from_offset, while more(). DataLoss if the records are corrupt or, when
// all are read, do not end with body.
template <typename More, typename Fn>
Status ForEachRecord(std::string_view body, int64_t count, int64_t base_offset, int64_t from_offset,
                     More more, Fn fn) {
  const char* begin = body.data();
  const char* p = begin;
  const char* end = begin + body.size();
  for (int64_t i = 0; i < count; ++i) {
    if (!more()) return Status::Ok();
    uint64_t klen = 0, vlen = 0;
    if (!GetVarint64(&p, end, &klen) || klen > static_cast<uint64_t>(end - p)) return Corrupt(base_offset + i);
    const char* key = p;
    p += klen;
    if (!GetVarint64(&p, end, &vlen) || vlen > static_cast<uint64_t>(end - p)) return Corrupt(base_offset + i);
    const char* value = p;
    p += vlen;
    if (base_offset + i < from_offset) continue;
    fn(base_offset + i, static_cast<size_t>(key - begin), klen, static_cast<size_t>(value - begin), vlen);
  }
  if (p != end) return Corrupt(base_offset + count - 1);
  return Status::Ok();
}

// Calls block(first_offset, records, raw_size, compressed bytes) for each
// LZ4 block of a compressed batch holding records >= from_offset, while
// more(); blocks wholly before from_offset are skipped undecompressed.
template <typename More, typename Fn>
Status ForEachBlock(std::string_view batch, const BatchHeader& h, int64_t base_offset, int64_t from_offset,
                    More more, Fn block) {
  const char* p = batch.data() + h.header_size;
  const char* end = batch.data() + batch.size();
  int64_t offset = base_offset;
  while (offset < base_offset + h.count) {
    if (!more()) return Status::Ok();
    uint64_t n = 0, raw = 0, packed = 0;
    if (!GetVarint64(&p, end, &n) || !GetVarint64(&p, end, &raw) || !GetVarint64(&p, end, &packed) || n == 0 ||
        n > static_cast<uint64_t>(base_offset + h.count - offset) || packed > static_cast<uint64_t>(end - p) ||
        raw / 255 > packed || raw > static_cast<uint64_t>(INT32_MAX)) {
      return Corrupt(offset);  // LZ4 expands at most 255-fold: never allocate more
    }
    const std::string_view bytes(p, packed);
    p += packed;
    if (offset + static_cast<int64_t>(n) > from_offset) {
      RETURN_IF_ERROR(block(offset, static_cast<int64_t>(n), static_cast<size_t>(raw), bytes));
    }
    offset += static_cast<int64_t>(n);
  }
  if (p != end) return Corrupt(offset - 1);
  return Status::Ok();
}

Status Decompress(std::string_view src, char* dst, size_t raw, int64_t offset) {
  const int n = LZ4_decompress_safe(src.data(), dst, static_cast<int>(src.size()), static_cast<int>(raw));
  if (n < 0 || static_cast<size_t>(n) != raw) return Corrupt(offset);
  return Status::Ok();
}

}  // namespace

Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, std::vector<LogRecordEntry>* out) {
  ASSIGN_OR_RETURN(BatchHeader h, DecodeBatchHeader(batch));
  auto more = [&] { return out->size() < max_records; };
  auto add = [&](std::string_view body) {
    return [&, body](int64_t offset, size_t kp, size_t ks, size_t vp, size_t vs) {
      AddEntry(offset, h.append_time, body.substr(kp, ks), body.substr(vp, vs), out);
    };
  };
  if (h.codec == 0) {
    const std::string_view body = batch.substr(h.header_size);
    return ForEachRecord(body, h.count, base_offset, from_offset, more, add(body));
  }
  std::string raw_block;
  return ForEachBlock(batch, h, base_offset, from_offset, more,
                      [&](int64_t first, int64_t n, size_t raw, std::string_view packed) -> Status {
                        raw_block.resize_and_overwrite(raw, [](char*, size_t size) { return size; });
                        RETURN_IF_ERROR(Decompress(packed, raw_block.data(), raw, first));
                        return ForEachRecord(raw_block, n, first, from_offset, more, add(raw_block));
                      });
}

Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, RecordBuffer* out) {
  ASSIGN_OR_RETURN(BatchHeader h, DecodeBatchHeader(batch));
  auto more = [&] { return out->size() < max_records; };
  if (h.codec == 0) {
    const std::string_view body = batch.substr(h.header_size);
    return ForEachRecord(body, h.count, base_offset, from_offset, more,
                         [&](int64_t offset, size_t kp, size_t ks, size_t vp, size_t vs) {
                           out->Add(offset, h.append_time, body.substr(kp, ks), body.substr(vp, vs));
                         });
  }
  // Each block is decompressed straight into the buffer and indexed while it
  // is still in cache.
  return ForEachBlock(batch, h, base_offset, from_offset, more,
                      [&](int64_t first, int64_t n, size_t raw, std::string_view packed) -> Status {
                        const size_t base = out->bytes_size();
                        char* dst = out->Extend(raw);
                        RETURN_IF_ERROR(Decompress(packed, dst, raw, first));
                        return ForEachRecord(std::string_view(dst, raw), n, first, from_offset, more,
                                             [&](int64_t offset, size_t kp, size_t ks, size_t vp, size_t vs) {
                                               out->AddAt(offset, h.append_time, base + kp, ks, base + vp, vs);
                                             });
                      });
}

void AppendEntries(const RecordBuffer& records, std::vector<LogRecordEntry>* out) {
  out->reserve(out->size() + records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    AddEntry(records.offset(i), records.append_time(i), records.key(i), records.value(i), out);
  }
}

}  // namespace logstream
