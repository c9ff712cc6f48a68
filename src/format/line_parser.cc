#include "src/format/line_parser.h"

#include "src/record/utf8.h"

#include <cmath>
#include <cstring>

#include "src/base/ascii.h"
#include "src/format/kinds.h"
#include "src/record/parser.h"

namespace logstream {

namespace format_internal {

const std::vector<std::string> kTimeKeys = {"time", "timestamp", "@timestamp", "ts"};
const std::vector<std::string> kLevelKeys = {"level", "severity", "log.level", "lvl"};
const std::vector<std::string> kMessageKeys = {"message", "msg"};
const std::vector<std::string> kThreadKeys = {"thread", "thread_name", "process.thread.name"};
const std::vector<std::string> kLoggerKeys = {"logger", "logger_name", "log.logger"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<TimeMs> EpochToMs(double v) {
  const double a = std::fabs(v);
  if (!std::isfinite(v) || a >= 1e19) return std::nullopt;
  if (a < 1e11) return static_cast<TimeMs>(std::llround(v * 1000));  // seconds
  if (a < 1e14) return static_cast<TimeMs>(std::llround(v));         // ms
  if (a < 1e17) return static_cast<TimeMs>(std::llround(v / 1e3));   // µs
  return static_cast<TimeMs>(std::llround(v / 1e6));                 // ns
}

namespace {

// ISO 8601 with a 'T' or a space, an optional fraction after '.' or ',' and
// an optional offset.
const TimeFormat& IsoFormat(bool with_fraction) {
  static const TimeFormat plain = *TimeFormat::FromStrftime("%Y-%m-%dT%H:%M:%S");
  static const TimeFormat fraction = *TimeFormat::FromStrftime("%Y-%m-%dT%H:%M:%S.%f");
  return with_fraction ? fraction : plain;
}
}  // namespace

Status ParseTextTime(std::string_view text, const TimeFormat* format, TimeMs reference, Zone& zone,
                     TimeMs* out) {
  TimeParts parts;
  TimeError error;
  const char* end = text.data() + text.size();
  if (format != nullptr) {
    const char* q = format->Parse(text.data(), end, &parts, &error);
    if (q == nullptr) {
      return InvalidArgument("time '" + std::string(text.substr(0, 40)) +
                             "' does not match time_format '" + format->layout() +
                             "' at character " + std::to_string(error.at - text.data() + 1));
    }
    if (q != end) {
      return InvalidArgument("time '" + std::string(text.substr(0, 40)) +
                             "' has text after time_format '" + format->layout() + "'");
    }
    return ResolveTime(parts, reference, zone, out);
  }
  // ISO 8601: normalise 'T' or ' ' and ',' or '.' by hand.
  if (text.size() >= 19 && (text[10] == 'T' || text[10] == 't' || text[10] == ' ')) {
    char buf[64];
    const size_t n = std::min(text.size(), sizeof(buf));
    std::memcpy(buf, text.data(), n);
    buf[10] = 'T';
    const bool fraction = n > 20 && (buf[19] == '.' || buf[19] == ',') && IsAsciiDigit(buf[20]);
    if (fraction) buf[19] = '.';
    const char* q = IsoFormat(fraction).Parse(buf, buf + n, &parts, &error);
    if (q != nullptr && q < buf + n) {
      // An offset may follow.
      TimeParts off;
      TimeError e2;
      static const TimeFormat offset = *TimeFormat::FromStrftime("%z");
      const char* r = offset.Parse(q, buf + n, &off, &e2);
      if (r != nullptr && r == buf + n && n == text.size()) {
        parts.has_offset = true;
        parts.offset_seconds = off.offset_seconds;
        q = r;
      }
    }
    if (q != nullptr && q == buf + n && n == text.size())
      return ResolveTime(parts, reference, zone, out);
  }
  return InvalidArgument(
      "time '" + std::string(text.substr(0, 40)) +
      "' is not ISO 8601 (YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm]); set time_format");
}

}  // namespace format_internal

Status LineParser::Parse(std::string_view line, LogLine* out, bool* starts_record) {
  if (checks_own_line_) {  // the built-in parser checks size and UTF-8 itself
    Status s = ParseLine(line, out, starts_record);
    if (!s.ok() && !prefix_.empty()) return InvalidArgument(prefix_ + s.message());
    return s;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  *starts_record = false;
  if (line.size() > config_.max_line_bytes) {
    *starts_record = true;
    return InvalidArgument(prefix_ + "line of " + std::to_string(line.size()) +
                           " bytes is longer than the maximum " +
                           std::to_string(config_.max_line_bytes));
  }
  if (line.empty()) return InvalidArgument(prefix_ + "empty line");
  if (!ValidUtf8(line)) {
    *starts_record = true;
    return InvalidArgument(prefix_ + "invalid UTF-8");
  }
  *out = LogLine{};
  out->level = config_.default_level;
  Status s = ParseLine(line, out, starts_record);
  if (!s.ok()) return InvalidArgument(prefix_ + s.message());
  // Record JSON writes years 0000 to 9999.
  constexpr TimeMs kMin = DaysFromCivil(0, 1, 1) * 86400000, kMax = DaysFromCivil(10000, 1, 1) * 86400000;
  if (out->time < kMin || out->time >= kMax) {
    return InvalidArgument(prefix_ + "the time is outside the years 0000 to 9999");
  }
  return s;
}

namespace {

// iso, classic and auto: the hand-written parser of src/record.
class BuiltinParser final : public LineParser {
 public:
  explicit BuiltinParser(const FormatConfig& config) : LineParser(config) {
    checks_own_line_ = true;
    options_.format = config.kind == FormatKind::kIso       ? LineFormat::kIso
                      : config.kind == FormatKind::kClassic ? LineFormat::kClassic
                                                            : LineFormat::kAuto;
    options_.max_line_bytes = config.max_line_bytes;
  }

  void StartObject(const ObjectContext& context) override {
    LineParser::StartObject(context);
    options_.classic_date = context.key_date;
  }

 protected:
  Status ParseLine(std::string_view line, LogLine* out, bool* starts_record) override {
    auto r = logstream::ParseLine(line, options_);
    if (!r) {
      // Without '\r', and too long or invalid UTF-8 lines are dead letters.
      std::string_view l = line;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      *starts_record = StartsRecord(l) || l.size() > options_.max_line_bytes;
      return r.error();
    }
    *starts_record = true;
    *out = *r;
    return Status::Ok();
  }

 private:
  ParseOptions options_;
};

}  // namespace

namespace format_internal {
Result<std::unique_ptr<LineParser>> MakeBuiltinParser(const FormatConfig& config) {
  return std::unique_ptr<LineParser>(new BuiltinParser(config));
}
}  // namespace format_internal

Result<std::unique_ptr<LineParser>> MakeLineParser(const FormatConfig& config) {
  using namespace format_internal;
  Result<std::unique_ptr<LineParser>> p;
  switch (config.kind) {
    case FormatKind::kPattern:
      p = MakePatternParser(config);
      break;
    case FormatKind::kRegex:
      p = MakeRegexParser(config);
      break;
    case FormatKind::kJson:
      p = MakeJsonParser(config);
      break;
    case FormatKind::kLogfmt:
      p = MakeLogfmtParser(config);
      break;
    case FormatKind::kSyslog:
      p = MakeSyslogParser(config);
      break;
    case FormatKind::kIso:
    case FormatKind::kClassic:
    case FormatKind::kAuto:
      p = MakeBuiltinParser(config);
      break;
  }
  if (!p) return p;
  // The built-in default keeps the reasons it always gave; declared formats
  // are named in theirs.
  if (!(config.kind == FormatKind::kAuto && config.name.empty())) {
    (*p)->prefix_ =
        "format '" + config.name + "' (" + std::string(FormatKindName(config.kind)) + "): ";
  }
  return p;
}

Result<FormatSet> FormatSet::Make(const std::vector<FormatConfig>& formats,
                                  const FormatConfig& fallback) {
  FormatSet set;
  for (const FormatConfig& f : formats) {
    auto p = MakeLineParser(f);
    if (!p) return Err(p.error().WithContext("format '" + f.name + "'"));
    set.parsers_.push_back(std::move(*p));
  }
  ASSIGN_OR_RETURN(auto p, MakeLineParser(fallback));
  set.parsers_.push_back(std::move(p));
  return set;
}

LineParser& FormatSet::For(std::string_view key) {
  for (size_t i = 0; i + 1 < parsers_.size(); ++i) {
    const std::string& glob = parsers_[i]->config().match;
    if (glob.empty() || GlobMatch(glob, key)) return *parsers_[i];
  }
  return *parsers_.back();
}

bool GlobMatch(std::string_view glob, std::string_view key) {
  // ok[j]: glob[0, i) matches key[0, j); one row per glob position.
  const size_t n = key.size();
  std::vector<char> ok(n + 1, 0), next(n + 1, 0);
  ok[0] = 1;
  for (size_t i = 0; i < glob.size();) {
    std::fill(next.begin(), next.end(), 0);
    const char g = glob[i];
    if (g == '*') {
      const bool cross = i + 1 < glob.size() && glob[i + 1] == '*';
      const bool dirs = cross && i + 2 < glob.size() && glob[i + 2] == '/';
      for (size_t j = 0; j <= n; ++j) {
        if (!ok[j]) continue;
        next[j] = 1;
        if (dirs) {
          // "**/": zero or more whole path components.
          for (size_t k = j; k < n; ++k) {
            if (key[k] == '/') next[k + 1] = 1;
          }
        } else {
          for (size_t k = j; k < n && (cross || key[k] != '/'); ++k) next[k + 1] = 1;
        }
      }
      i += dirs ? 3 : cross ? 2 : 1;
    } else if (g == '[') {
      size_t close = glob.find(']', i + 2);
      if (close == std::string_view::npos) {  // a lone '[' matches itself
        for (size_t j = 0; j < n; ++j) next[j + 1] = ok[j] && key[j] == '[';
        ++i;
      } else {
        std::string_view set = glob.substr(i + 1, close - i - 1);
        const bool negate = !set.empty() && (set[0] == '!' || set[0] == '^');
        if (negate) set.remove_prefix(1);
        for (size_t j = 0; j < n; ++j) {
          if (!ok[j] || key[j] == '/') continue;
          bool in = false;
          for (size_t k = 0; k < set.size(); ++k) {
            if (k + 2 < set.size() && set[k + 1] == '-') {
              in |= key[j] >= set[k] && key[j] <= set[k + 2];
              k += 2;
            } else {
              in |= key[j] == set[k];
            }
          }
          next[j + 1] = in != negate;
        }
        i = close + 1;
      }
    } else {
      for (size_t j = 0; j < n; ++j) {
        next[j + 1] = ok[j] && (g == '?' ? key[j] != '/' : key[j] == g);
      }
      ++i;
    }
    ok.swap(next);
  }
  return ok[n];
}

}  // namespace logstream
