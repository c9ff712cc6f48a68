// Helpers for the fuzz targets of this folder: splitting the fuzzer's bytes
// into options and payloads, and invariant checks that crash (so libFuzzer,
// or replay_main.cc, reports the input).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace logstream::fuzz {

// Aborts with `what` when `ok` is false: an invariant of the code under test
// does not hold for this input.
inline void Check(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s", what);
  if (!detail.empty()) {
    std::fprintf(stderr, ": %.*s", static_cast<int>(std::min<size_t>(detail.size(), 400)), detail.data());
  }
  std::fputc('\n', stderr);
  std::abort();
}

// Consumes the fuzzer's bytes front to back: small integers for options,
// then strings. Past the end every read gives 0 / "".
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  uint16_t U16() { return static_cast<uint16_t>(Byte() | (Byte() << 8)); }
  // A value in [lo, hi] from one or two bytes.
  size_t Range(size_t lo, size_t hi) {
    const size_t span = hi - lo + 1;
    return lo + (span <= 256 ? Byte() : U16()) % span;
  }
  // The bytes up to the next `sep` (dropped), or all that is left.
  std::string_view Until(char sep) {
    const size_t pos = rest_.find(sep);
    std::string_view out = rest_.substr(0, pos);
    rest_.remove_prefix(pos == std::string_view::npos ? rest_.size() : pos + 1);
    return out;
  }
  std::string_view Take(size_t n) {
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }
  std::string_view Rest() { return Take(rest_.size()); }
  bool empty() const { return rest_.empty(); }
  size_t size() const { return rest_.size(); }

 private:
  std::string_view rest_;
};

}  // namespace logstream::fuzz
