// ASCII character classes and trimming for the parsers of untrusted bytes:
// no locale, and no byte >= 0x80 is a digit, a letter or white space.
#pragma once

#include <string_view>

namespace logstream {

constexpr bool IsAsciiDigit(char c) { return static_cast<unsigned>(c - '0') < 10; }
// 0-15 for a hex digit of either case, else -1.
constexpr int AsciiHexValue(char c) {
  if (IsAsciiDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
constexpr char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }
// ' ', \t, \n, \v, \f, \r
constexpr bool IsAsciiSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

constexpr std::string_view TrimAsciiSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace logstream
