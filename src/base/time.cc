#include "src/base/time.h"

#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>

namespace logstream {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

void Put2(unsigned v, char* p) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

void AppendRfc3339Ms(TimeMs t, std::string* out) {
  int64_t days = FloorDiv(t, 86400000);
  int64_t ms_of_day = t - days * 86400000;
  char buf[32];
  // Consecutive times are mostly on one day: keep that day's "YYYY-MM-DDT".
  thread_local int64_t cached_day = INT64_MIN;
  thread_local char cached_date[11];
  if (days != cached_day) {
    CivilDate d = CivilFromDays(days);
    int64_t y = d.year;
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;
    cached_date[0] = static_cast<char>('0' + y / 1000);
    cached_date[1] = static_cast<char>('0' + y / 100 % 10);
    cached_date[2] = static_cast<char>('0' + y / 10 % 10);
    cached_date[3] = static_cast<char>('0' + y % 10);
    cached_date[4] = '-';
    Put2(d.month, cached_date + 5);
    cached_date[7] = '-';
    Put2(d.day, cached_date + 8);
    cached_date[10] = 'T';
    cached_day = days;
  }
  std::memcpy(buf, cached_date, 11);
  unsigned secs = static_cast<unsigned>(ms_of_day / 1000);
  unsigned ms = static_cast<unsigned>(ms_of_day % 1000);
  Put2(secs / 3600, buf + 11);
  buf[13] = ':';
  Put2(secs / 60 % 60, buf + 14);
  buf[16] = ':';
  Put2(secs % 60, buf + 17);
  buf[19] = '.';
  buf[20] = static_cast<char>('0' + ms / 100);
  buf[21] = static_cast<char>('0' + ms / 10 % 10);
  buf[22] = static_cast<char>('0' + ms % 10);
  buf[23] = 'Z';
  out->append(buf, 24);
}

std::string FormatRfc3339Ms(TimeMs t) {
  std::string s;
  s.reserve(24);
  AppendRfc3339Ms(t, &s);
  return s;
}

std::string FormatDate(TimeMs t) { return FormatRfc3339Ms(t).substr(0, 10); }

Result<TimeMs> ParseDate(std::string_view s) {
  int64_t y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, &y) ||
      !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d) || m < 1 || m > 12 || d < 1 ||
      d > DaysInMonth(y, static_cast<unsigned>(m))) {
    return Err(InvalidArgument("not a date (want YYYY-MM-DD): '" + std::string(s) + "'"));
  }
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400000;
}

Result<TimeMs> FindDate(std::string_view s) {
  for (size_t i = 0; i + 10 <= s.size(); ++i) {
    if (s[i + 4] != '-' || s[i + 7] != '-') continue;
    if (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') continue;
    auto r = ParseDate(s.substr(i, 10));
    if (r) return r;
  }
  return Err(NotFound("no YYYY-MM-DD date in '" + std::string(s) + "'"));
}

Result<TimeMs> ParseRfc3339(std::string_view s) {
  auto bad = [&](const char* why) {
    return Err(InvalidArgument("not an RFC 3339 time (" + std::string(why) +
                               "), want e.g. 2026-11-24T00:00:00Z: '" + std::string(s) + "'"));
  };
  if (s.size() < 20) return bad("too short");
  auto date = ParseDate(s.substr(0, 10));
  if (!date) return bad("bad date");
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return bad("no T");
  int64_t hh, mm, ss;
  if (!Digits(s, 11, 2, &hh) || s[13] != ':' || !Digits(s, 14, 2, &mm) || s[16] != ':' ||
      !Digits(s, 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60) {
    return bad("bad time of day");
  }
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad("empty fraction");
    for (size_t i = digits; i < 3; ++i) ms *= 10;
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int64_t oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad("bad offset");
    }
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("no time zone (Z or +hh:mm)");
  }
  if (pos != s.size()) return bad("trailing characters");
  return *date + ((hh * 60 + mm - offset_min) * 60 + ss) * 1000 + ms;
}

Result<TimeMs> ParseDuration(std::string_view s) {
  auto bad = [&] {
    return Err(InvalidArgument("not a duration (want e.g. 10s, 500ms, 2m, 1h, 1d): '" +
                               std::string(s) + "'"));
  };
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  if (i == 0 || i == s.size()) return bad();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + i, v);
  if (ec != std::errc() || ptr != s.data() + i || v < 0) return bad();
  std::string_view unit = s.substr(i);
  double mul;
  if (unit == "ms") mul = 1;
  else if (unit == "s") mul = 1000;
  else if (unit == "m") mul = 60000;
  else if (unit == "h") mul = 3600000;
  else if (unit == "d") mul = 86400000;
  else return bad();
  double ms = v * mul;
  if (ms > 9.0e15 || ms != std::floor(ms)) return bad();
  return static_cast<TimeMs>(ms);
}

std::string FormatDuration(TimeMs ms) {
  if (ms != 0 && ms % 86400000 == 0) return std::to_string(ms / 86400000) + "d";
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

TimeMs NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace logstream
