// ValidUtf8: whether text is valid UTF-8. Log lines are mostly ASCII, which
// is checked inline eight bytes at a time; other text goes to simdjson's
// validator (whose call costs more than a short line's check).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace logstream {

namespace utf8_internal {
bool ValidUtf8Slow(const char* p, size_t n);  // simdjson::validate_utf8
}  // namespace utf8_internal

inline bool ValidUtf8(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t high = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    high |= w;
  }
  for (size_t i = 0; i < n; ++i) high |= static_cast<uint8_t>(p[i]);
  return (high & 0x8080808080808080ull) == 0 || utf8_internal::ValidUtf8Slow(s.data(), s.size());
}

}  // namespace logstream
