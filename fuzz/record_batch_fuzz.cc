// Record batches (src/log/record_batch.h), the values the embedded log
// stores: DecodeBatchHeader and both DecodeBatch calls (into a vector and
// into a RecordBuffer), plain and LZ4-compressed, from any start offset and
// record limit.
// Input: four option bytes, then either a stored batch as is, or records
// ("key\tvalue" lines) that BatchBuilder encodes here (maybe compressed,
// maybe damaged afterwards).
// Invariants: both decoders agree; records come in offset order from
// from_offset on, at most max_records, never more than the header counts;
// an intact batch decodes to exactly the records built.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "src/log/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  using fuzz::Check;
  fuzz::Input in(data, size);
  const uint8_t mode = in.Byte();
  const uint8_t damage = in.Byte();
  const int64_t base_offset = (mode & 64) ? (int64_t{1} << 62) + in.Byte() : in.U16();
  const int64_t from_offset = base_offset + static_cast<int64_t>(in.Range(0, 40)) - 8;
  const size_t max_records = (mode & 128) ? SIZE_MAX : in.Range(1, 64);

  std::string batch;
  std::vector<std::pair<std::string, std::string>> built;
  bool intact = false;
  if (mode & 1) {
    batch = std::string(in.Rest());
  } else {
    const int copies = (mode & 8) ? 40 : 1;  // enough alike bytes to compress
    while (!in.empty()) {
      std::string_view line = in.Until('\n');
      const size_t tab = line.find('\t');
      std::string key(line.substr(0, tab));
      std::string value(tab == std::string_view::npos ? std::string_view() : line.substr(tab + 1));
      for (int i = 0; i < copies; ++i) built.emplace_back(key, value);
    }
    if (built.empty()) return 0;  // a batch holds at least one record
    BatchBuilder builder;
    for (const auto& [k, v] : built) builder.Add(k, v);
    Check(builder.count() == static_cast<int64_t>(built.size()), "BatchBuilder count");
    if (mode & 2) builder.Compress();
    const TimeMs append_time = 1'700'000'000'000 + damage;
    batch = builder.Header(append_time) + builder.payload();
    auto h = DecodeBatchHeader(batch);
    Check(h.has_value() && h->count == builder.count() && h->append_time == append_time,
          "header of a built batch does not decode");
    intact = true;
    if ((mode & 4) && !batch.empty()) {
      // Flip one byte, or cut the batch short.
      const size_t at = (static_cast<size_t>(damage) * 131) % batch.size();
      if (damage & 1) {
        batch[at] = static_cast<char>(batch[at] ^ (1 + (damage >> 1)));
      } else {
        batch.resize(at);
      }
      intact = false;
    }
  }

  auto header = DecodeBatchHeader(batch);
  std::vector<LogRecordEntry> entries;
  Status s1 = DecodeBatch(batch, base_offset, from_offset, max_records, &entries);
  RecordBuffer buffer;
  Status s2 = DecodeBatch(batch, base_offset, from_offset, max_records, &buffer);
  Check(s1.ok() == s2.ok(), "the two DecodeBatch calls disagree", s1.message() + " / " + s2.message());
  if (!header) Check(!s1.ok(), "batch without a header decoded");
  if (!s1.ok()) {
    Check(s1.code() == StatusCode::kDataLoss && s2.code() == StatusCode::kDataLoss,
          "corrupt batch is not DataLoss", s1.message());
    Check(!intact, "intact batch failed to decode", s1.message());
    return 0;
  }
  Check(entries.size() == buffer.size(), "the two DecodeBatch calls return different counts");
  Check(entries.size() <= max_records, "more records than max_records");
  Check(static_cast<int64_t>(entries.size()) <= std::max<int64_t>(header->count, 0),
        "more records than counted");
  int64_t expect = std::max(base_offset, from_offset);
  for (size_t i = 0; i < entries.size(); ++i) {
    const LogRecordEntry& e = entries[i];
    Check(e.offset == expect++, "record offsets are not consecutive from from_offset");
    Check(e.append_time == header->append_time, "append time differs from the header's");
    Check(buffer.offset(i) == e.offset && buffer.key(i) == e.key && buffer.value(i) == e.value &&
              buffer.append_time(i) == e.append_time,
          "the two DecodeBatch calls return different records");
    if (intact) {
      const auto& [k, v] = built[static_cast<size_t>(e.offset - base_offset)];
      Check(e.key == k && e.value == v, "record differs from the one built");
    }
  }
  if (intact) {
    const size_t skipped = static_cast<size_t>(std::max<int64_t>(from_offset - base_offset, 0));
    const size_t want = std::min(max_records, built.size() > skipped ? built.size() - skipped : 0);
    Check(entries.size() == want, "intact batch decoded to fewer records than built");
  }
  return 0;
}
