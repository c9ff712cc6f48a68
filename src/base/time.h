// Time helpers. Event times are milliseconds since the Unix epoch, UTC, in an
// int64_t. All functions here are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/base/status.h"

namespace logstream {

using TimeMs = int64_t;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};
CivilDate CivilFromDays(int64_t days);

// Number of days in a month of a year.
unsigned DaysInMonth(int64_t year, unsigned month);

// "2026-11-24T22:47:30.123Z".
std::string FormatRfc3339Ms(TimeMs t);
// Appends the same to *out (no allocation when out has capacity).
void AppendRfc3339Ms(TimeMs t, std::string* out);
// "2026-11-24".
std::string FormatDate(TimeMs t);

// Parses an RFC 3339 time: "2026-11-24T22:47:30Z", with optional fraction
// (more than 3 digits are truncated to ms) and "Z" or "+hh:mm"/"-hh:mm".
Result<TimeMs> ParseRfc3339(std::string_view s);

// Parses "YYYY-MM-DD" into the UTC midnight of that day.
Result<TimeMs> ParseDate(std::string_view s);

// Finds the first "YYYY-MM-DD" that is a valid date in s; returns its UTC
// midnight, or NotFound.
Result<TimeMs> FindDate(std::string_view s);

// Parses a duration: an integer or decimal followed by ms, s, m, h or d
// ("10s", "500ms", "1.5m", "0s"). A bare number is rejected.
Result<TimeMs> ParseDuration(std::string_view s);
// Formats ms as the shortest exact unit: 10000 -> "10s", 1500 -> "1500ms".
std::string FormatDuration(TimeMs ms);

// Wall clock in ms.
TimeMs NowMs();

// Floor division that rounds toward negative infinity.
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace logstream
