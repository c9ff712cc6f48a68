// Varints: unsigned integers in 7-bit groups, least significant first, the
// high bit set on every byte but the last (at most 10 bytes for 64 bits), as
// Kafka and Protocol Buffers write them; signed integers zigzag-encoded
// (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), so small magnitudes stay short.
//
// The free functions are pure and thread-safe. VarintWriter and VarintReader
// are used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logstream {

constexpr size_t kMaxVarint64Bytes = 10;

// Writes v at dst (room for kMaxVarint64Bytes) and returns the end.
char* EncodeVarint64(char* dst, uint64_t v);
void PutVarint64(std::string* out, uint64_t v);
// Reads a varint at *p (advancing it); false if truncated or too long.
bool GetVarint64(const char** p, const char* end, uint64_t* v);

constexpr uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int64_t ZigZagDecode(uint64_t u) {
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

// Appends varints and length-prefixed strings to a string it does not own.
class VarintWriter {
 public:
  explicit VarintWriter(std::string* out) : out_(out) {}
  void U(uint64_t v) { PutVarint64(out_, v); }  // unsigned
  void I(int64_t v) { U(ZigZagEncode(v)); }     // signed (zigzag)
  void S(std::string_view s) {                  // length, then the bytes
    U(s.size());
    out_->append(s);
  }

 private:
  std::string* out_;
};

// Reads what a VarintWriter wrote from bytes it does not own. A read past the
// end or of a malformed varint fails the reader: it then returns 0 and empty
// strings, and ok() is false.
class VarintReader {
 public:
  explicit VarintReader(std::string_view data) : data_(data) {}
  uint64_t U();
  int64_t I() { return ZigZagDecode(U()); }
  // A view into the data.
  std::string_view S();
  // A count of items to follow, which cannot exceed the bytes left (guards
  // allocations against corrupt counts).
  uint64_t Count();
  // True if nothing failed and everything was read.
  bool ok() const { return ok_ && pos_ == data_.size(); }
  bool failed() const { return !ok_; }

 private:
  uint64_t Fail();

  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace logstream
