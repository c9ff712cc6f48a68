// The line reader of src/ingest (line_reader.h): OpenDecoded's gzip / zstd /
// plain detection and LineReader's bounded '\n' splitting, over an
// in-memory object that returns bytes in fuzzer-chosen pieces.
// Input: four option bytes, then the object. Option bits choose whether the
// object is taken as is (the fuzzer writes gzip or zstd headers itself) or
// compressed here first (then maybe truncated), the line limit, the read
// sizes, a resume offset (Skip) and a read error after some bytes.
// Invariants: for plain objects and intact compressed ones, the lines (text,
// offset, length, end, too_long) are exactly a plain '\n' split of the bytes;
// corrupt input ends in an error, never a crash; decompression stays bounded.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "src/base/compress.h"
#include "src/ingest/line_reader.h"

namespace logstream {
namespace {

using fuzz::Check;

// An object in memory, read in pieces of the given sizes (cycled); fails
// with Unavailable once fail_after bytes were returned.
class PieceReader : public ObjectReader {
 public:
  PieceReader(std::string data, std::vector<size_t> pieces, size_t fail_after)
      : data_(std::move(data)), pieces_(std::move(pieces)), fail_after_(fail_after) {}
  Result<size_t> Read(char* buf, size_t n) override {
    Check(n > 0, "Read of 0 bytes");
    if (pos_ >= fail_after_ && pos_ < data_.size()) return Err(Unavailable("injected read error"));
    size_t k = std::min({n, data_.size() - pos_, pieces_[next_++ % pieces_.size()]});
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  std::vector<size_t> pieces_;
  size_t fail_after_;
  size_t pos_ = 0;
  size_t next_ = 0;
};

// What LineReader must return for plain bytes, read from `from` on.
struct Expected {
  uint64_t offset;
  std::string text;
  bool too_long;
  uint64_t length;
  uint64_t end;  // where the next line starts
};
std::vector<Expected> Split(std::string_view data, size_t from, size_t max_line_bytes) {
  std::vector<Expected> out;
  size_t pos = from;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    size_t len = (nl == std::string_view::npos ? data.size() : nl) - pos;
    std::string_view text = data.substr(pos, len);
    const size_t end = pos + len + (nl == std::string_view::npos ? 0 : 1);
    Expected e{pos, {}, len > max_line_bytes, len, end};
    if (e.too_long) {
      text = text.substr(0, max_line_bytes);
    } else if (!text.empty() && text.back() == '\r') {
      text.remove_suffix(1);
    }
    e.text = std::string(text);
    out.push_back(std::move(e));
    pos = end;
  }
  return out;
}

// Ends the decompressed stream after kMaxDecoded bytes (a zstd frame of a
// few KB can stand for gigabytes; one line of them is read in one Next).
constexpr uint64_t kMaxDecoded = 16 << 20;
class CappedReader : public ObjectReader {
 public:
  explicit CappedReader(std::unique_ptr<ObjectReader> in) : in_(std::move(in)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (read_ >= kMaxDecoded) {
      capped_ = true;
      return 0;
    }
    auto r = in_->Read(buf, std::min<uint64_t>(n, kMaxDecoded - read_));
    if (r) read_ += *r;
    return r;
  }
  bool capped() const { return capped_; }

 private:
  std::unique_ptr<ObjectReader> in_;
  uint64_t read_ = 0;
  bool capped_ = false;
};

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  fuzz::Input in(data, size);
  const uint8_t mode = in.Byte();
  const uint8_t limit = in.Byte();
  const uint8_t piece_seed = in.Byte();
  const uint8_t skip_byte = in.Byte();
  const std::string payload(in.Rest());

  // mode bits 0-1: 0/3 = as is, 1 = gzip it, 2 = zstd it; bit 2: truncate
  // the compressed bytes; bit 3: a read error; bit 4: resume (Skip).
  std::string object = payload;
  bool intact = true;
  const int how = mode & 3;
  if (how == 1 || how == 2) {
    const auto c = how == 1 ? codec::Compression::kGzip : codec::Compression::kZstd;
    Check(codec::Compress(c, payload, &object).ok(), "Compress failed");
    if ((mode & 4) && !object.empty()) {
      object.resize(skip_byte % object.size());
      intact = false;
    }
  }
  const size_t fail_after = (mode & 8) ? static_cast<size_t>(piece_seed) * 7 : SIZE_MAX;
  if (fail_after < object.size()) intact = false;
  const size_t max_line_bytes = limit == 0 ? 64 * 1024 : limit;
  static const size_t kSizes[] = {1, 2, 3, 5, 7, 13, 64, 4096, 1 << 20};
  std::vector<size_t> pieces;
  for (int i = 0; i < 3; ++i) pieces.push_back(kSizes[(piece_seed >> (2 * i)) % std::size(kSizes)]);

  auto decoded = OpenDecoded(std::make_unique<PieceReader>(object, pieces, fail_after));
  if (!decoded) {
    Check(fail_after < 4, "OpenDecoded failed without a read error", decoded.error().message());
    return 0;
  }
  const bool plain_bytes = decoded->compression == codec::Compression::kNone;
  if ((how == 1 || how == 2) && intact) Check(!plain_bytes, "compressed object not recognised");
  const bool compare = intact && (how != 0 && how != 3 ? true : plain_bytes);

  const size_t skip = (mode & 16) ? std::min<size_t>(skip_byte, payload.size() + 1) : 0;
  auto capped = std::make_unique<CappedReader>(std::move(decoded->reader));
  const CappedReader* cap = capped.get();
  LineReader reader(std::move(capped), max_line_bytes);
  if (skip > 0) {
    Status s = reader.Skip(skip);
    if (compare)
      Check(s.ok() == (skip <= payload.size()), "Skip disagrees with the object size", s.message());
    if (!s.ok()) return 0;
  }
  std::vector<Expected> expected;
  if (compare) expected = Split(payload, skip, max_line_bytes);
  size_t n = 0;
  uint64_t next_offset = skip;
  while (true) {
    auto line = reader.Next();
    if (!line) {
      Check(!compare, "LineReader failed on an intact object", line.error().message());
      return 0;
    }
    if (!*line) break;
    const Line& l = **line;
    Check(l.offset == next_offset, "line offsets are not contiguous");
    Check(l.text.size() <= std::min<uint64_t>(l.length, max_line_bytes), "line text longer than allowed");
    Check(l.too_long == (l.length > max_line_bytes), "too_long disagrees with length");
    Check(l.end == l.offset + l.length + 1 || l.end == l.offset + l.length, "line end is off");
    next_offset = l.end;
    if (compare) {
      Check(n < expected.size(), "more lines than the object has");
      const Expected& e = expected[n];
      Check(l.offset == e.offset && l.length == e.length && l.end == e.end && l.too_long == e.too_long &&
                l.text == e.text,
            "line differs from a plain split", e.text);
    }
    ++n;
  }
  if (compare && !cap->capped()) Check(n == expected.size(), "fewer lines than the object has");
  return 0;
}
