// LogRecord: the one record model that flows through every stage.
// The ground floor: includes nothing from other stages.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

// Fields of one parsed line, viewing into the line's bytes.
struct LogLine {
  TimeMs time = 0;
  Level level = Level::kInfo;
  std::string_view thread;
  std::string_view logger;
  std::string_view message;  // the bytes after "LOGGER - ", untrimmed
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
};
inline LogRecordView ViewOf(const LogRecord& r) {
  return {r.source, r.object, r.offset, r.time, r.level, r.thread, r.logger, r.message};
}
inline LogRecord ToRecord(const LogRecordView& v) {
  return {std::string(v.source), std::string(v.object), v.offset, v.time, v.level,
          std::string(v.thread), std::string(v.logger), std::string(v.message)};
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
