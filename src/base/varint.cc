#include "src/base/varint.h"

namespace logstream {

char* EncodeVarint64(char* dst, uint64_t v) {
  while (v >= 0x80) {
    *dst++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *dst++ = static_cast<char>(v);
  return dst;
}

void PutVarint64(std::string* out, uint64_t v) {
  char buf[kMaxVarint64Bytes];
  out->append(buf, EncodeVarint64(buf, v));
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

uint64_t VarintReader::U() {
  const char* p = data_.data() + pos_;
  uint64_t v = 0;
  if (!ok_ || !GetVarint64(&p, data_.data() + data_.size(), &v)) return Fail();
  pos_ = static_cast<size_t>(p - data_.data());
  return v;
}

std::string_view VarintReader::S() {
  const uint64_t n = U();
  if (n > data_.size() - pos_) return Fail(), std::string_view();
  std::string_view s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

uint64_t VarintReader::Count() {
  const uint64_t n = U();
  return n > data_.size() - pos_ ? Fail() : n;
}

uint64_t VarintReader::Fail() {
  ok_ = false;
  pos_ = data_.size();
  return 0;
}

}  // namespace logstream
