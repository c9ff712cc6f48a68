#include "src/record/log_record.h"

namespace logstream {

std::string_view LevelName(Level level) {
  static constexpr std::string_view kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  return kNames[static_cast<int>(level)];
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (Level l : kAllLevels) {
    if (LevelName(l) == name) return l;
  }
  return std::nullopt;
}

Result<Level> ParseLevelSetting(std::string_view name) {
  if (auto level = ParseLevel(name)) return *level;
  return Err(InvalidArgument("unknown level '" + std::string(name) +
                             "' (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL)"));
}

std::string_view LineFormatName(LineFormat format) {
  switch (format) {
    case LineFormat::kAuto: return "auto";
    case LineFormat::kIso: return "iso";
    case LineFormat::kClassic: return "classic";
  }
  return "auto";
}

std::optional<LineFormat> ParseLineFormat(std::string_view name) {
  if (name == "auto") return LineFormat::kAuto;
  if (name == "iso") return LineFormat::kIso;
  if (name == "classic") return LineFormat::kClassic;
  return std::nullopt;
}

void AppendLine(LineFormat format, TimeMs time, std::string_view thread, Level level,
                std::string_view logger, std::string_view message, std::string* out) {
  if (format == LineFormat::kClassic) {
    std::string ts;
    AppendRfc3339Ms(time, &ts);
    out->append(ts, 11, 12);  // HH:MM:SS.mmm
  } else {
    AppendRfc3339Ms(time, out);
  }
  out->append(" [");
  out->append(thread);
  out->append("] ");
  std::string_view name = LevelName(level);
  out->append(name);
  if (format == LineFormat::kClassic) out->append(5 - name.size(), ' ');
  out->push_back(' ');
  out->append(logger);
  out->append(" - ");
  out->append(message);
}

}  // namespace logstream
