// LogRecord: the one record model that flows through every stage.
// The ground floor: includes nothing from other stages.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/status.h"

#include "src/base/time.h"

namespace logstream {

enum class Level : uint8_t { kTrace = 0, kDebug, kInfo, kWarn, kError, kFatal };
inline constexpr int kLevelCount = 6;
inline constexpr std::array<Level, kLevelCount> kAllLevels = {
    Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kFatal};

// "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL".
std::string_view LevelName(Level level);
// Exact, upper-case names only; nullopt otherwise.
std::optional<Level> ParseLevel(std::string_view name);
// The same for a configuration: InvalidArgument naming the six otherwise.
Result<Level> ParseLevelSetting(std::string_view name);

// One extra value a format captured (a named regex group, %X{key}, a JSON or
// logfmt key beyond the mapped ones, syslog's PID): its name and value.
struct FieldView {
  std::string_view key;
  std::string_view value;
  bool operator==(const FieldView&) const = default;
};

// The fields a record owns: name -> value, in the order the format found
// them, names unique.
using Fields = std::vector<std::pair<std::string, std::string>>;

// A read-only view of a record's fields: either views (a parser's or a
// decoder's buffers) or a LogRecord's own Fields. Cheap to copy; valid as
// long as what it views is.
class FieldsView {
 public:
  FieldsView() = default;
  FieldsView(std::span<const FieldView> views) : views_(views) {}  // NOLINT: implicit
  FieldsView(const Fields& owned) : owned_(&owned) {}              // NOLINT: implicit

  size_t size() const { return owned_ != nullptr ? owned_->size() : views_.size(); }
  bool empty() const { return size() == 0; }
  FieldView operator[](size_t i) const {
    if (owned_ != nullptr) return {(*owned_)[i].first, (*owned_)[i].second};
    return views_[i];
  }
  // The value of the first field named `key`, or nullopt.
  std::optional<std::string_view> Find(std::string_view key) const {
    for (size_t i = 0; i < size(); ++i) {
      FieldView f = (*this)[i];
      if (f.key == key) return f.value;
    }
    return std::nullopt;
  }
  Fields ToFields() const {
    Fields out;
    out.reserve(size());
    for (size_t i = 0; i < size(); ++i) {
      FieldView f = (*this)[i];
      out.emplace_back(std::string(f.key), std::string(f.value));
    }
    return out;
  }

 private:
  std::span<const FieldView> views_;
  const Fields* owned_ = nullptr;
};

// Fields of one parsed line, viewing into the line's bytes (or the parser's
// buffers).
struct LogLine {
  TimeMs time = 0;
  Level level = Level::kInfo;
  std::string_view thread;
  std::string_view logger;
  std::string_view message;  // the bytes after "LOGGER - ", untrimmed
  FieldsView fields = {};         // extra values the format captured; often none
  std::string_view source;   // the host the line names (syslog HOSTNAME); empty: none
};

struct LogRecord {
  std::string source;   // the host
  std::string object;   // the object's key in its store
  uint64_t offset = 0;  // byte offset of the line in the decompressed object
  TimeMs time = 0;      // event time, UTC ms
  Level level = Level::kInfo;
  std::string thread;
  std::string logger;
  std::string message;
  Fields fields = {};  // extra values the line's format captured (docs/record.md)

  bool operator==(const LogRecord&) const = default;
};

// A record whose strings view someone else's bytes (a decoder's buffers, a
// LogRecord); valid as long as those bytes are.
struct LogRecordView {
  std::string_view source;
  std::string_view object;
  uint64_t offset = 0;
  TimeMs time = 0;
  Level level = Level::kInfo;
  std::string_view thread;
  std::string_view logger;
  std::string_view message;
  FieldsView fields = {};
};
inline LogRecordView ViewOf(const LogRecord& r) {
  return {r.source, r.object, r.offset, r.time, r.level, r.thread, r.logger, r.message, r.fields};
}
inline LogRecord ToRecord(const LogRecordView& v) {
  return {std::string(v.source), std::string(v.object), v.offset, v.time, v.level,
          std::string(v.thread), std::string(v.logger), std::string(v.message), v.fields.ToFields()};
}

enum class LineFormat { kAuto, kIso, kClassic };
// "auto", "iso", "classic".
std::string_view LineFormatName(LineFormat format);
std::optional<LineFormat> ParseLineFormat(std::string_view name);

// Appends one line (without '\n') in the given format (kIso or kClassic):
//   iso:     2026-11-24T22:47:30.123Z [thread] LEVEL logger - message
//   classic: 22:47:30.123 [thread] LEVEL logger - message  (level padded to 5)
void AppendLine(LineFormat format, TimeMs time, std::string_view thread, Level level,
                std::string_view logger, std::string_view message, std::string* out);

}  // namespace logstream
