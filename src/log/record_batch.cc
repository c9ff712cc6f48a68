#include "src/log/record_batch.h"

#include <cstring>

namespace logstream {

namespace {

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

void PutVarint64(std::string* out, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

bool GetVarint64(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    const uint64_t byte = static_cast<uint8_t>(*(*p)++);
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

void BatchBuilder::Add(std::string_view key, std::string_view value) {
  PutVarint64(&body_, key.size());
  body_.append(key);
  PutVarint64(&body_, value.size());
  body_.append(value);
  ++count_;
}

std::string BatchBuilder::Header(TimeMs append_time) const {
  std::string header;
  PutVarint64(&header, count_);
  PutVarint64(&header, static_cast<uint64_t>(append_time));
  return header;
}

Result<BatchHeader> DecodeBatchHeader(std::string_view batch) {
  const char* p = batch.data();
  const char* end = p + batch.size();
  uint64_t count = 0, time = 0;
  if (!GetVarint64(&p, end, &count) || !GetVarint64(&p, end, &time)) {
    return Err(DataLoss("corrupt record batch header"));
  }
  return BatchHeader{static_cast<int64_t>(count), static_cast<TimeMs>(time),
                     static_cast<size_t>(p - batch.data())};
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

void AddEntry(int64_t offset, TimeMs time, std::string_view key, std::string_view value,
              RecordBuffer* out) {
  out->Add(offset, time, key, value);
}

template <typename Out>
Status DecodeBatchInto(std::string_view batch, int64_t base_offset, int64_t from_offset,
                       size_t max_records, Out* out) {
  ASSIGN_OR_RETURN(BatchHeader header, DecodeBatchHeader(batch));
  const char* p = batch.data() + header.header_size;
  const char* end = batch.data() + batch.size();
  for (int64_t i = 0; i < header.count && out->size() < max_records; ++i) {
    uint64_t klen = 0, vlen = 0;
    if (!GetVarint64(&p, end, &klen) || klen > static_cast<uint64_t>(end - p)) {
      return DataLoss("corrupt record batch at offset " + std::to_string(base_offset + i));
    }
    const char* key = p;
    p += klen;
    if (!GetVarint64(&p, end, &vlen) || vlen > static_cast<uint64_t>(end - p)) {
      return DataLoss("corrupt record batch at offset " + std::to_string(base_offset + i));
    }
    const char* value = p;
    p += vlen;
    if (base_offset + i < from_offset) continue;
    AddEntry(base_offset + i, header.append_time, std::string_view(key, klen),
             std::string_view(value, vlen), out);
  }
  return Status::Ok();
}

}  // namespace

Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, std::vector<LogRecordEntry>* out) {
  return DecodeBatchInto(batch, base_offset, from_offset, max_records, out);
}

Status DecodeBatch(std::string_view batch, int64_t base_offset, int64_t from_offset,
                   size_t max_records, RecordBuffer* out) {
  return DecodeBatchInto(batch, base_offset, from_offset, max_records, out);
}

void AppendEntries(const RecordBuffer& records, std::vector<LogRecordEntry>* out) {
  out->reserve(out->size() + records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    AddEntry(records.offset(i), records.append_time(i), records.key(i), records.value(i), out);
  }
}

}  // namespace logstream
