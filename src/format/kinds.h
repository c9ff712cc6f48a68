// Internal to src/format: the parser of each kind, and what they share.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/format/level_map.h"
#include "src/format/line_parser.h"
#include "src/format/time_format.h"
#include "src/format/zone.h"

namespace logstream::format_internal {

Result<std::unique_ptr<LineParser>> MakePatternParser(const FormatConfig& config);
Result<std::unique_ptr<LineParser>> MakeRegexParser(const FormatConfig& config);
Result<std::unique_ptr<LineParser>> MakeJsonParser(const FormatConfig& config);
Result<std::unique_ptr<LineParser>> MakeLogfmtParser(const FormatConfig& config);
Result<std::unique_ptr<LineParser>> MakeSyslogParser(const FormatConfig& config);
Result<std::unique_ptr<LineParser>> MakeBuiltinParser(const FormatConfig& config);

// The fields of one line: values viewed where they lie, or copied into
// this buffer (unescaped strings, numbers, dotted keys). Reused line after
// line, so it allocates only while growing.
class FieldBuffer {
 public:
  void Clear() {
    entries_.clear();
    arena_.clear();
  }
  // A key and value that stay valid (the line's bytes, a parser's buffers).
  void Add(std::string_view key, std::string_view value) {
    entries_.push_back({key, value, -1, -1, 0, 0});
  }
  // The same, with the key and/or the value copied.
  void AddCopy(std::string_view key, bool copy_key, std::string_view value, bool copy_value) {
    Entry e{key, value, -1, -1, key.size(), value.size()};
    if (copy_key) e.key_at = Store(key);
    if (copy_value) e.value_at = Store(value);
    entries_.push_back(e);
  }
  bool empty() const { return entries_.empty(); }
  // The fields, valid until the next Clear or Add.
  std::span<const FieldView> Views() {
    views_.clear();
    for (const Entry& e : entries_) {
      views_.push_back(
          {e.key_at < 0 ? e.key : std::string_view(arena_.data() + e.key_at, e.key_size),
           e.value_at < 0 ? e.value : std::string_view(arena_.data() + e.value_at, e.value_size)});
    }
    return views_;
  }

 private:
  struct Entry {
    std::string_view key, value;
    int64_t key_at, value_at;  // offsets in arena_, or -1: the views above
    size_t key_size, value_size;
  };
  int64_t Store(std::string_view s) {
    const int64_t at = static_cast<int64_t>(arena_.size());
    arena_.append(s);
    return at;
  }
  std::vector<Entry> entries_;
  std::string arena_;
  std::vector<FieldView> views_;
};

// Trims ASCII white space at both ends.
std::string_view Trim(std::string_view s);

// The default keys of json and logfmt, in the order they are tried.
extern const std::vector<std::string> kTimeKeys, kLevelKeys, kMessageKeys, kThreadKeys, kLoggerKeys;

// Reads a time value of json and logfmt: with `format` when it has one,
// else RFC 3339 / ISO 8601 ("2015-10-18 18:01:47,978", a 'T' or a space,
// a fraction with '.' or ',', an optional offset). Epoch numbers are read
// by the callers.
Status ParseTextTime(std::string_view text, const TimeFormat* format, TimeMs reference, Zone& zone,
                     TimeMs* out);

// Epoch seconds, ms, µs or ns by magnitude (json numbers, logfmt digits);
// nullopt for what is no time (infinite, beyond ns).
std::optional<TimeMs> EpochToMs(double value);

}  // namespace logstream::format_internal
