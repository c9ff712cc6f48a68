#include "src/record/parser.h"

#include <cstring>
#include <string>

#include "src/base/ascii.h"
#include "src/record/utf8.h"

namespace logstream {
namespace {


// Reads n digits at p (caller checked bounds); -1 if any is not a digit.
inline int Num(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    unsigned d = static_cast<unsigned>(p[i] - '0');
    if (d > 9) return -1;
    v = v * 10 + static_cast<int>(d);
  }
  return v;
}

Status Bad(std::string reason) { return InvalidArgument(std::move(reason)); }

// HH:MM:SS.mmm at p (12 bytes) -> ms of day, or -1.
inline int64_t TimeOfDay(const char* p) {
  if (p[2] != ':' || p[5] != ':' || p[8] != '.') return -1;
  int hh = Num(p, 2), mm = Num(p + 3, 2), ss = Num(p + 6, 2), ms = Num(p + 9, 3);
  if (hh < 0 || mm < 0 || ss < 0 || ms < 0 || hh > 23 || mm > 59 || ss > 59) return -1;
  return ((hh * 60 + mm) * 60 + ss) * 1000LL + ms;
}

inline bool LooksIso(std::string_view s) {
  return s.size() >= 20 && IsAsciiDigit(s[0]) && IsAsciiDigit(s[3]) && s[4] == '-' && s[7] == '-' &&
         (s[10] == 'T' || s[10] == 't');
}

inline bool LooksClassic(std::string_view s) {
  return s.size() >= 12 && IsAsciiDigit(s[0]) && IsAsciiDigit(s[1]) && s[2] == ':' && s[5] == ':' &&
         s[8] == '.';
}

// Parses "[thread] LEVEL logger - message" (rest starts at '[').
Result<LogLine> ParseFields(std::string_view rest, TimeMs time) {
  LogLine out;
  out.time = time;
  if (rest.size() < 2 || rest[0] != '[') return Err(Bad("no '[thread]' after the time"));
  const char* end = rest.data() + rest.size();
  const char* p = rest.data() + 1;
  const char* close = static_cast<const char*>(std::memchr(p, ']', end - p));
  if (close == nullptr) return Err(Bad("thread not closed by ']'"));
  out.thread = std::string_view(p, close - p);
  p = close + 1;
  if (p >= end || *p != ' ') return Err(Bad("no space after '[thread]'"));
  while (p < end && *p == ' ') ++p;
  const char* level_begin = p;
  while (p < end && *p != ' ') ++p;
  std::string_view level(level_begin, p - level_begin);
  auto parsed_level = ParseLevel(level);
  if (!parsed_level) {
    return Err(Bad("unknown level '" + std::string(level.substr(0, 16)) +
                   "' (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL)"));
  }
  out.level = *parsed_level;
  while (p < end && *p == ' ') ++p;
  const char* logger_begin = p;
  // The logger ends at the first " - ".
  std::string_view tail(p, end - p);
  size_t dash = tail.find(" - ");
  if (dash == std::string_view::npos) {
    // "logger -" with an empty message at the end of the line.
    if (tail.size() >= 2 && tail.substr(tail.size() - 2) == " -") {
      out.logger = tail.substr(0, tail.size() - 2);
      out.message = std::string_view(end, 0);
      return out;
    }
    return Err(Bad("no ' - ' between logger and message"));
  }
  out.logger = std::string_view(logger_begin, dash);
  out.message = tail.substr(dash + 3);
  return out;
}

Result<LogLine> ParseIso(std::string_view s) {
  TimeMs t;
  size_t consumed;
  // Fast path: exactly YYYY-MM-DDTHH:MM:SS.mmmZ.
  if (s.size() >= 25 && s[23] == 'Z' && s[24] == ' ') {
    int y = Num(s.data(), 4), mo = Num(s.data() + 5, 2), d = Num(s.data() + 8, 2);
    int64_t tod = TimeOfDay(s.data() + 11);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(DaysInMonth(y, mo)) ||
        tod < 0 || s[4] != '-' || s[7] != '-') {
      return Err(Bad("impossible time '" + std::string(s.substr(0, 24)) + "'"));
    }
    t = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000 + tod;
    consumed = 25;
  } else {
    size_t sp = s.find(' ');
    if (sp == std::string_view::npos) return Err(Bad("no space after the time"));
    auto r = ParseRfc3339(s.substr(0, sp));
    if (!r) return Err(Bad("impossible time '" + std::string(s.substr(0, std::min<size_t>(sp, 40))) + "'"));
    t = *r;
    consumed = sp + 1;
  }
  return ParseFields(s.substr(consumed), t);
}

Result<LogLine> ParseClassic(std::string_view s, TimeMs date) {
  if (s.size() < 13 || s[12] != ' ') return Err(Bad("no space after the HH:MM:SS.mmm time"));
  int64_t tod = TimeOfDay(s.data());
  if (tod < 0) return Err(Bad("impossible time '" + std::string(s.substr(0, 12)) + "'"));
  if (date < 0) {
    return Err(Bad("classic line without a date: the object key has no YYYY-MM-DD"));
  }
  return ParseFields(s.substr(13), date + tod);
}

}  // namespace

Result<LogLine> ParseLine(std::string_view line, const ParseOptions& options) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > options.max_line_bytes) {
    return Err(Bad("line of " + std::to_string(line.size()) + " bytes is longer than the maximum " +
                   std::to_string(options.max_line_bytes)));
  }
  if (line.empty()) return Err(Bad("empty line"));
  if (!ValidUtf8(line)) return Err(Bad("invalid UTF-8"));
  switch (options.format) {
    case LineFormat::kIso:
      return ParseIso(line);
    case LineFormat::kClassic:
      return ParseClassic(line, options.classic_date);
    case LineFormat::kAuto:
      if (LooksIso(line)) return ParseIso(line);
      if (LooksClassic(line)) return ParseClassic(line, options.classic_date);
      return Err(Bad("no timestamp at the start of the line (neither iso nor classic)"));
  }
  return Err(Internal("unknown line format"));
}

bool StartsRecord(std::string_view line) { return LooksIso(line) || LooksClassic(line); }

TimeMs ClassicDateFromKey(std::string_view key) {
  auto d = FindDate(key);
  return d ? *d : -1;
}

}  // namespace logstream
