// TimeFormat: a compiled time layout that reads the time at the start of
// some text, allocation-free. Two spellings compile to it:
//  - strftime letters (the regex kind's `time_format`): %Y %y %m %d %e %H %M
//    %S %b %B %a %A %j %z %p %I %T %F %%, plus %f = a decimal fraction of a
//    second of any length (".5" is 500 ms), %L = milliseconds as an integer
//    of 1 to 3 digits, %s = epoch seconds, %ms = epoch milliseconds;
//  - Java date letters (PatternLayout's %d{...}): yyyy yy MM MMM MMMM dd d
//    HH H hh h mm ss SSS (S.. = milliseconds, more than 3 = a fraction) EEE
//    EEEE a Z X XX XXX, 'quoted text', and the names ISO8601, ABSOLUTE, DATE,
//    DEFAULT, ISO8601_BASIC, COMPACT.
// Numeric fields accept fewer digits than their width when a non-digit
// follows (real logs print 22:16:0); days accept a leading space; a space in
// the layout matches one or more spaces. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/format/zone.h"

namespace logstream {

// The parts of a time as read from a line; what the layout lacks stays unset.
struct TimeParts {
  int64_t year = -1;  // -1: none in the layout
  int month = 0;      // 1..12; 0: none
  int day = 0;        // 1..31; 0: none
  int yday = 0;       // 1..366 (%j); 0: none
  int hour = 0, minute = 0, second = 0, millis = 0;
  int ampm = -1;               // 0 AM, 1 PM; -1: 24-hour clock
  bool has_offset = false;     // the text gave its UTC offset
  int32_t offset_seconds = 0;  // east of UTC
  bool epoch = false;          // %s / %ms: epoch_ms is the time
  TimeMs epoch_ms = 0;
};

// Why a time did not parse: where, and what was expected there (a static
// string, so that failing costs nothing while a scanner backtracks).
struct TimeError {
  const char* at = nullptr;
  const char* expected = "";
  char literal = 0;  // when a literal character was expected: it
};

class TimeFormat {
 public:
  TimeFormat() = default;
  static Result<TimeFormat> FromStrftime(std::string_view layout);
  static Result<TimeFormat> FromJava(std::string_view layout);

  // Reads a time at [p, end): the position after it, or nullptr with *error.
  // *by_shape (when given): whether the bytes read alone decided the time
  // (a fixed-width layout read by shape), not also a few after them.
  const char* Parse(const char* p, const char* end, TimeParts* out, TimeError* error,
                    bool* by_shape = nullptr) const;

  // For a layout read by shape whose last fields are its seconds (and
  // what follows them): the column of the seconds, so that the bytes before
  // it decide every other field; 0 otherwise.
  size_t seconds_at() const { return seconds_at_; }
  // Given *t read from a text whose first seconds_at() bytes are p's, reads
  // the rest of p's time (seconds, milliseconds) into it: the position
  // after the time, or nullptr when p's bytes from there lack the shape.
  const char* ParseSeconds(const char* p, const char* end, TimeParts* t) const;

  const std::string& layout() const { return layout_; }
  bool has_year() const { return has_year_; }
  bool has_date() const { return has_date_; }

  enum class Op : uint8_t {
    kLiteral,
    kSpaces,
    kYear4,
    kYear2,
    kMonth,
    kMonthName,
    kDay,
    kHour,
    kHour12,
    kMinute,
    kSecond,
    kFraction,
    kMillis,
    kFractionN,
    kWeekday,
    kYday,
    kOffset,
    kAmPm,
    kEpochSeconds,
    kEpochMillis
  };
  struct Step {
    Op op;
    char literal = 0;
    uint8_t width = 0;
  };

 private:
  // Layouts whose steps are fixed-width numbers and literals have a shape:
  // shape_ ('0' for a digit, else the literal), fields_ at known columns
  // (in the order of the text) and words_, shape_ eight bytes at a time.
  enum Slot : uint8_t {  // which part of TimeParts a field sets
    kYearSlot,
    kMonthSlot,
    kDaySlot,
    kYdaySlot,
    kHourSlot,
    kMinuteSlot,
    kSecondSlot,
    kMillisSlot
  };
  struct Field {
    Slot slot;
    int16_t min, max;  // the value's range
    int16_t add;       // added to it (two-digit years: 2000)
    uint8_t at = 0, width = 0;
  };
  struct ShapeWord {  // eight bytes of shape_, little-endian
    uint64_t digits = 0, literal_mask = 0, literal = 0;
  };
  // Reads the time at p by shape: nullptr when the text differs (fewer
  // digits, two spaces) or a field is out of range; then the steps read it
  // (and say what is wrong).
  const char* ParseFixed(const char* p, const char* end, TimeParts* out) const;
  // Reads fields_[from..] of the text at p into *out: false when one is
  // out of range.
  bool ReadFields(const char* p, size_t from, TimeParts* out) const;

  std::string layout_;
  std::vector<Step> steps_;
  std::string shape_;
  std::vector<Field> fields_;
  std::vector<ShapeWord> words_;
  size_t seconds_at_ = 0;     // see seconds_at()
  size_t seconds_field_ = 0;  // fields_[seconds_field_] is the seconds'
  bool has_year_ = false;
  bool has_date_ = false;
  friend class TimeFormatBuilder;
};

// The UTC milliseconds of `parts`: local times in `zone` unless the text had
// an offset. Times without a year take the year of `reference` (the object
// key's date, else its last-modified time), a year earlier when that would
// put the record more than a day after `reference`; times without a date
// take reference's date. InvalidArgument for impossible dates or when a
// year or date is needed and reference is negative.
Status ResolveTime(const TimeParts& parts, TimeMs reference, Zone& zone, TimeMs* out);

// Reads up to max_digits digits at p as a decimal fraction of a second into
// *ms (".5" is 500, ".675872" is 675); returns the end (p when no digit).
const char* ReadFractionMs(const char* p, const char* end, int max_digits, int* ms);

}  // namespace logstream
