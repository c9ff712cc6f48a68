#include "src/format/time_format.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "src/base/ascii.h"

namespace logstream {

using Op = TimeFormat::Op;

class TimeFormatBuilder {
 public:
  // A step of a fixed number of digits: where its value goes, its range (as
  // the step checks it) and its width; width 0: not such a step.
  static TimeFormat::Field FixedField(Op op) {
    using F = TimeFormat;
    switch (op) {
      case Op::kYear4:
        return {F::kYearSlot, 0, 9999, 0, 0, 4};
      case Op::kYear2:
        return {F::kYearSlot, 0, 99, 2000, 0, 2};
      case Op::kMonth:
        return {F::kMonthSlot, 1, 12, 0, 0, 2};
      case Op::kDay:
        return {F::kDaySlot, 1, 31, 0, 0, 2};
      case Op::kYday:
        return {F::kYdaySlot, 1, 366, 0, 0, 3};
      case Op::kHour:
        return {F::kHourSlot, 0, 23, 0, 0, 2};
      case Op::kHour12:
        return {F::kHourSlot, 1, 12, 0, 0, 2};
      case Op::kMinute:
        return {F::kMinuteSlot, 0, 59, 0, 0, 2};
      case Op::kSecond:
        return {F::kSecondSlot, 0, 60, 0, 0, 2};
      case Op::kMillis:
        return {F::kMillisSlot, 0, 999, 0, 0, 3};
      default:
        return {F::kYearSlot, 0, 0, 0, 0, 0};
    }
  }
  explicit TimeFormatBuilder(std::string_view layout) { f_.layout_ = std::string(layout); }
  void Add(Op op, uint8_t width = 0) {
    f_.steps_.push_back({op, 0, width});
    if (op == Op::kYear4 || op == Op::kYear2 || op == Op::kEpochSeconds || op == Op::kEpochMillis) {
      f_.has_year_ = true;
    }
    if (op == Op::kMonth || op == Op::kMonthName || op == Op::kDay || op == Op::kYday ||
        op == Op::kEpochSeconds || op == Op::kEpochMillis) {
      f_.has_date_ = true;
    }
  }
  void Literal(char c) {
    if (c == ' ') {
      if (f_.steps_.empty() || f_.steps_.back().op != Op::kSpaces)
        f_.steps_.push_back({Op::kSpaces, ' ', 0});
      return;
    }
    f_.steps_.push_back({Op::kLiteral, c, 0});
  }
  Result<TimeFormat> Done() {
    if (f_.steps_.empty()) return Err(InvalidArgument("empty time layout"));
    bool any = false;
    for (const auto& s : f_.steps_) any |= s.op != Op::kLiteral && s.op != Op::kSpaces;
    if (!any) return Err(InvalidArgument("time layout '" + f_.layout_ + "' has no time field"));
    // Layouts of fixed-width numbers and single characters (ISO8601's) get
    // a shape for TimeFormat::ParseFixed: '0' where a digit stands.
    for (const auto& s : f_.steps_) {
      TimeFormat::Field field = FixedField(s.op);
      if (field.width == 0 && s.op != Op::kLiteral && s.op != Op::kSpaces) {
        f_.shape_.clear();
        break;
      }
      if (field.width > 0) {
        field.at = static_cast<uint8_t>(f_.shape_.size());
        f_.fields_.push_back(field);
        f_.shape_.append(field.width, '0');
      } else {
        f_.shape_.push_back(s.literal);
      }
    }
    if (f_.shape_.size() > 64) f_.shape_.clear();  // columns fit a byte; times are short
    if (f_.shape_.empty()) f_.fields_.clear();
    for (size_t at = 0; at < f_.shape_.size(); at += 8) {
      TimeFormat::ShapeWord w;
      for (size_t k = 0; k < 8 && at + k < f_.shape_.size(); ++k) {
        const uint64_t byte = 0xFFull << (8 * k);
        if (f_.shape_[at + k] == '0') {
          w.digits |= byte;
        } else {
          w.literal_mask |= byte;
          w.literal |= static_cast<uint64_t>(static_cast<uint8_t>(f_.shape_[at + k])) << (8 * k);
        }
      }
      f_.words_.push_back(w);
    }
    const auto& fields = f_.fields_;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].slot != TimeFormat::kSecondSlot) continue;
      bool last = true;
      for (size_t j = i + 1; j < fields.size(); ++j) last &= fields[j].slot == TimeFormat::kMillisSlot;
      if (last && fields[i].at > 0) f_.seconds_at_ = fields[i].at, f_.seconds_field_ = i;
      break;
    }
    return std::move(f_);
  }

 private:
  TimeFormat f_;
};

namespace {

constexpr const char* kMonths[] = {"january",   "february", "march",    "april",
                                   "may",       "june",     "july",     "august",
                                   "september", "october",  "november", "december"};
constexpr const char* kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                 "thursday", "friday", "saturday"};


// Up to `width` digits (at least one) at p: the position after them, or nullptr.
inline const char* Num(const char* p, const char* end, int width, int64_t* v) {
  const char* start = p;
  int64_t x = 0;
  while (p < end && p - start < width && IsAsciiDigit(*p)) x = x * 10 + (*p++ - '0');
  if (p == start) return nullptr;
  *v = x;
  return p;
}

// A name of `names` (its first three letters, or all of it), any case.
const char* Name(const char* p, const char* end, const char* const* names, int count, int* index) {
  if (end - p < 3) return nullptr;
  for (int i = 0; i < count; ++i) {
    const char* n = names[i];
    if (AsciiLower(p[0]) != n[0] || AsciiLower(p[1]) != n[1] || AsciiLower(p[2]) != n[2]) continue;
    const char* q = p + 3;
    const char* m = n + 3;
    while (*m != '\0' && q < end && AsciiLower(*q) == *m) ++q, ++m;
    *index = i;
    return *m == '\0' ? q : p + 3;
  }
  return nullptr;
}

// "Z", "+hh:mm", "+hhmm" or "+hh" (or '-'): the position after it, or nullptr.
const char* Offset(const char* p, const char* end, int32_t* seconds) {
  if (p < end && (*p == 'Z' || *p == 'z')) {
    *seconds = 0;
    return p + 1;
  }
  if (p >= end || (*p != '+' && *p != '-')) return nullptr;
  const int sign = *p == '-' ? -1 : 1;
  if (end - p < 3 || !IsAsciiDigit(p[1]) || !IsAsciiDigit(p[2])) return nullptr;
  const int hh = (p[1] - '0') * 10 + (p[2] - '0');
  const char* q = p + 3;
  int mm = 0;
  if (q < end && *q == ':') {
    if (end - q < 3 || !IsAsciiDigit(q[1]) || !IsAsciiDigit(q[2])) return nullptr;
    mm = (q[1] - '0') * 10 + (q[2] - '0');
    q += 3;
  } else if (end - q >= 2 && IsAsciiDigit(q[0]) && IsAsciiDigit(q[1])) {
    mm = (q[0] - '0') * 10 + (q[1] - '0');
    q += 2;
  }
  if (hh > 23 || mm > 59) return nullptr;
  *seconds = sign * (hh * 3600 + mm * 60);
  return q;
}

}  // namespace

Result<TimeFormat> TimeFormat::FromStrftime(std::string_view layout) {
  TimeFormatBuilder b(layout);
  for (size_t i = 0; i < layout.size(); ++i) {
    const char c = layout[i];
    if (c != '%') {
      b.Literal(c);
      continue;
    }
    if (++i >= layout.size()) return Err(InvalidArgument("time_format ends with a lone '%'"));
    switch (layout[i]) {
      case 'Y':
        b.Add(Op::kYear4, 4);
        break;
      case 'y':
        b.Add(Op::kYear2, 2);
        break;
      case 'm':
        if (i + 1 < layout.size() && layout[i + 1] == 's') {
          b.Add(Op::kEpochMillis, 19);
          ++i;
        } else {
          b.Add(Op::kMonth, 2);
        }
        break;
      case 'd':
      case 'e':
        b.Add(Op::kDay, 2);
        break;
      case 'H':
        b.Add(Op::kHour, 2);
        break;
      case 'I':
        b.Add(Op::kHour12, 2);
        break;
      case 'M':
        b.Add(Op::kMinute, 2);
        break;
      case 'S':
        b.Add(Op::kSecond, 2);
        break;
      case 'f':
        b.Add(Op::kFraction, 0);
        break;
      case 'L':
        b.Add(Op::kMillis, 3);
        break;
      case 'b':
      case 'B':
      case 'h':
        b.Add(Op::kMonthName);
        break;
      case 'a':
      case 'A':
        b.Add(Op::kWeekday);
        break;
      case 'j':
        b.Add(Op::kYday, 3);
        break;
      case 'z':
        b.Add(Op::kOffset);
        break;
      case 'p':
        b.Add(Op::kAmPm);
        break;
      case 's':
        b.Add(Op::kEpochSeconds, 12);
        break;
      case 'T':
        b.Add(Op::kHour, 2), b.Literal(':'), b.Add(Op::kMinute, 2), b.Literal(':'),
            b.Add(Op::kSecond, 2);
        break;
      case 'F':
        b.Add(Op::kYear4, 4), b.Literal('-'), b.Add(Op::kMonth, 2), b.Literal('-'),
            b.Add(Op::kDay, 2);
        break;
      case '%':
        b.Literal('%');
        break;
      default:
        return Err(InvalidArgument(
            "time_format '" + std::string(layout) + "': unknown directive '%" +
            std::string(1, layout[i]) + "' at column " + std::to_string(i) +
            " (want %Y %y %m %d %e %H %M %S %f %L %b %a %j %z %p %I %s %ms %T %F %%)"));
    }
  }
  return b.Done();
}

Result<TimeFormat> TimeFormat::FromJava(std::string_view layout) {
  std::string_view l = layout;
  if (l.empty() || l == "ISO8601" || l == "DEFAULT")
    l = "yyyy-MM-dd HH:mm:ss,SSS";
  else if (l == "ABSOLUTE")
    l = "HH:mm:ss,SSS";
  else if (l == "DATE")
    l = "dd MMM yyyy HH:mm:ss,SSS";
  else if (l == "ISO8601_BASIC")
    l = "yyyyMMdd'T'HHmmss,SSS";
  else if (l == "COMPACT")
    l = "yyyyMMddHHmmssSSS";
  TimeFormatBuilder b(layout);
  for (size_t i = 0; i < l.size();) {
    const char c = l[i];
    if (c == '\'') {  // quoted text; '' is a quote
      size_t j = i + 1;
      if (j < l.size() && l[j] == '\'') {
        b.Literal('\'');
        i = j + 1;
        continue;
      }
      while (j < l.size() && l[j] != '\'') b.Literal(l[j++]);
      if (j >= l.size())
        return Err(InvalidArgument("date layout '" + std::string(layout) + "': unclosed quote"));
      i = j + 1;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      b.Literal(c);
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < l.size() && l[i + n] == c) ++n;
    const uint8_t w = static_cast<uint8_t>(n < 2 ? 2 : n);
    switch (c) {
      case 'y':
      case 'u':
        b.Add(n == 2 ? Op::kYear2 : Op::kYear4, n == 2 ? 2 : 4);
        break;
      case 'M':
      case 'L':
        b.Add(n >= 3 ? Op::kMonthName : Op::kMonth, 2);
        break;
      case 'd':
        b.Add(Op::kDay, 2);
        break;
      case 'D':
        b.Add(Op::kYday, 3);
        break;
      case 'H':
      case 'k':
        b.Add(Op::kHour, 2);
        break;
      case 'h':
      case 'K':
        b.Add(Op::kHour12, 2);
        break;
      case 'm':
        b.Add(Op::kMinute, 2);
        break;
      case 's':
        b.Add(Op::kSecond, 2);
        break;
      case 'S':
        b.Add(n <= 3 ? Op::kMillis : Op::kFractionN, n <= 3 ? 3 : static_cast<uint8_t>(n));
        break;
      case 'E':
        b.Add(Op::kWeekday);
        break;
      case 'a':
        b.Add(Op::kAmPm);
        break;
      case 'Z':
      case 'X':
      case 'x':
        b.Add(Op::kOffset);
        break;
      default:
        return Err(InvalidArgument("date layout '" + std::string(layout) + "': unknown letter '" +
                                   std::string(1, c) + "' at column " + std::to_string(i) +
                                   " (want y M d H h m s S E a Z X, or 'quoted text')"));
    }
    (void)w;
    i += n;
  }
  return b.Done();
}

const char* TimeFormat::ParseFixed(const char* p, const char* end, TimeParts* t) const {
  // Eight bytes at a time (little-endian words): the literals are equal,
  // and the digits' bytes (others set to '0') are all in '0'..'9'.
  static_assert(std::endian::native == std::endian::little, "shape words are little-endian");
  constexpr uint64_t kZeros = 0x3030303030303030, kHigh = 0xF0F0F0F0F0F0F0F0, kSix = 0x0606060606060606,
                     kThrees = 0x3333333333333333;
  for (size_t i = 0; i < words_.size(); ++i) {
    const ShapeWord& sw = words_[i];
    uint64_t w = 0;
    if (p + 8 * i + 8 <= end) {
      std::memcpy(&w, p + 8 * i, 8);  // the bytes past the shape are masked off
    } else {
      std::memcpy(&w, p + 8 * i, std::min<size_t>(8, shape_.size() - 8 * i));
    }
    if ((w & sw.literal_mask) != sw.literal) return nullptr;
    const uint64_t d = (w & sw.digits) | (kZeros & ~sw.digits);
    if (((d & kHigh) | (((d + kSix) & kHigh) >> 4)) != kThrees) return nullptr;
  }
  *t = TimeParts{};
  return ReadFields(p, 0, t) ? p + shape_.size() : nullptr;
}

bool TimeFormat::ReadFields(const char* p, size_t from, TimeParts* t) const {
  for (size_t i = from; i < fields_.size(); ++i) {
    const Field& f = fields_[i];
    const char* d = p + f.at;
    int x = d[0] - '0';
    for (int k = 1; k < f.width; ++k) x = x * 10 + (d[k] - '0');
    if (x < f.min || x > f.max) return false;
    x += f.add;
    switch (f.slot) {
      case kYearSlot:
        t->year = x;
        break;
      case kMonthSlot:
        t->month = x;
        break;
      case kDaySlot:
        t->day = x;
        break;
      case kYdaySlot:
        t->yday = x;
        break;
      case kHourSlot:
        t->hour = x;
        break;
      case kMinuteSlot:
        t->minute = x;
        break;
      case kSecondSlot:
        t->second = x == 60 ? 59 : x;  // a leap second
        break;
      case kMillisSlot:
        t->millis = x;
        break;
    }
  }
  return true;
}

const char* TimeFormat::ParseSeconds(const char* p, const char* end, TimeParts* t) const {
  if (seconds_at_ == 0 || static_cast<size_t>(end - p) < shape_.size()) return nullptr;
  for (size_t i = seconds_at_; i < shape_.size(); ++i) {
    if (shape_[i] == '0' ? !IsAsciiDigit(p[i]) : p[i] != shape_[i]) return nullptr;
  }
  return ReadFields(p, seconds_field_, t) ? p + shape_.size() : nullptr;
}

const char* TimeFormat::Parse(const char* p, const char* end, TimeParts* t, TimeError* error,
                              bool* by_shape) const {
  // Every digit there: the steps would read what the shape says.
  if (!shape_.empty() && static_cast<size_t>(end - p) >= shape_.size()) {
    if (const char* q = ParseFixed(p, end, t)) {
      if (by_shape) *by_shape = true;
      return q;
    }
  }
  if (by_shape) *by_shape = false;
  *t = TimeParts{};
  int64_t v = 0;
  for (const Step& s : steps_) {
    const char* q = nullptr;
    switch (s.op) {
      case Op::kLiteral:
        if (p < end && *p == s.literal) q = p + 1;
        if (q == nullptr) error->expected = "", error->literal = s.literal;
        break;
      case Op::kSpaces:
        q = p;
        while (q < end && *q == ' ') ++q;
        if (q == p) q = nullptr, error->expected = "a space";
        break;
      case Op::kYear4:
        if ((q = Num(p, end, 4, &v)))
          t->year = v;
        else
          error->expected = "a year (digits)";
        break;
      case Op::kYear2:
        if ((q = Num(p, end, 2, &v)))
          t->year = 2000 + v;
        else
          error->expected = "a two-digit year";
        break;
      case Op::kMonth:
        if ((q = Num(p, end, 2, &v)) && v >= 1 && v <= 12)
          t->month = static_cast<int>(v);
        else
          q = nullptr, error->expected = "a month 01-12";
        break;
      case Op::kMonthName: {
        int i = 0;
        if ((q = Name(p, end, kMonths, 12, &i)))
          t->month = i + 1;
        else
          error->expected = "a month name (Jan..Dec)";
        break;
      }
      case Op::kDay: {
        const char* d = p;
        if (d < end && *d == ' ') ++d;
        if ((q = Num(d, end, 2, &v)) && v >= 1 && v <= 31)
          t->day = static_cast<int>(v);
        else
          q = nullptr, error->expected = "a day of the month 01-31";
        break;
      }
      case Op::kYday:
        if ((q = Num(p, end, 3, &v)) && v >= 1 && v <= 366)
          t->yday = static_cast<int>(v);
        else
          q = nullptr, error->expected = "a day of the year 001-366";
        break;
      case Op::kHour:
        if ((q = Num(p, end, 2, &v)) && v <= 23)
          t->hour = static_cast<int>(v);
        else
          q = nullptr, error->expected = "an hour 00-23";
        break;
      case Op::kHour12:
        if ((q = Num(p, end, 2, &v)) && v >= 1 && v <= 12)
          t->hour = static_cast<int>(v);
        else
          q = nullptr, error->expected = "an hour 01-12";
        break;
      case Op::kMinute:
        if ((q = Num(p, end, 2, &v)) && v <= 59)
          t->minute = static_cast<int>(v);
        else
          q = nullptr, error->expected = "minutes 00-59";
        break;
      case Op::kSecond:
        if ((q = Num(p, end, 2, &v)) && v <= 60)
          t->second = static_cast<int>(v == 60 ? 59 : v);
        else
          q = nullptr, error->expected = "seconds 00-59";
        break;
      case Op::kMillis:
        if ((q = Num(p, end, 3, &v)))
          t->millis = static_cast<int>(v);
        else
          error->expected = "milliseconds (digits)";
        break;
      case Op::kFraction:
      case Op::kFractionN: {
        int ms = 0;
        q = ReadFractionMs(p, end, s.op == Op::kFraction ? 1 << 30 : s.width, &ms);
        if (q == p) {
          q = nullptr, error->expected = "a fraction of a second (digits)";
          break;
        }
        t->millis = ms;
        break;
      }
      case Op::kWeekday: {
        int i = 0;
        q = Name(p, end, kDays, 7, &i);
        if (q == nullptr) error->expected = "a day name (Mon..Sun)";
        break;
      }
      case Op::kOffset:
        if ((q = Offset(p, end, &t->offset_seconds)))
          t->has_offset = true;
        else
          error->expected = "a UTC offset (Z, +hh:mm or +hhmm)";
        break;
      case Op::kAmPm:
        if (end - p >= 2 && (AsciiLower(p[1]) == 'm') && (AsciiLower(p[0]) == 'a' || AsciiLower(p[0]) == 'p')) {
          t->ampm = AsciiLower(p[0]) == 'p';
          q = p + 2;
        } else {
          error->expected = "AM or PM";
        }
        break;
      case Op::kEpochSeconds: {
        if ((q = Num(p, end, 12, &v))) {
          t->epoch = true;
          t->epoch_ms = v * 1000;
          if (q < end && *q == '.' && q + 1 < end && IsAsciiDigit(q[1])) {  // a fraction may follow
            int ms = 0;
            q = ReadFractionMs(q + 1, end, 1 << 30, &ms);
            t->epoch_ms += ms;
          }
        } else {
          error->expected = "epoch seconds (digits)";
        }
        break;
      }
      case Op::kEpochMillis:
        if ((q = Num(p, end, 15, &v)))
          t->epoch = true, t->epoch_ms = v;
        else
          error->expected = "epoch milliseconds (digits)";
        break;
    }
    if (q == nullptr) {
      if (s.op != Op::kLiteral) error->literal = 0;
      error->at = p;
      return nullptr;
    }
    p = q;
  }
  return p;
}

Status ResolveTime(const TimeParts& t, TimeMs reference, Zone& zone, TimeMs* out) {
  if (t.epoch) {
    *out = t.epoch_ms;
    return Status::Ok();
  }
  const bool no_date = t.month == 0 && t.day == 0 && t.yday == 0;
  int64_t year = t.year;
  int month = t.month, day = t.day;
  if (year < 0 || no_date) {
    if (reference < 0) {
      return InvalidArgument(
          std::string("the time has no ") + (no_date ? "date" : "year") +
          " and the object key has no YYYY-MM-DD date (nor a last-modified time)");
    }
    const CivilDate ref = CivilFromDays(FloorDiv(reference, 86400000));
    if (year < 0) year = ref.year;
    if (no_date) month = static_cast<int>(ref.month), day = static_cast<int>(ref.day);
  }
  if (month == 0) month = 1;
  if (day == 0 && t.yday == 0) day = 1;
  int hour = t.hour;
  if (t.ampm >= 0) hour = hour % 12 + (t.ampm == 1 ? 12 : 0);
  const int64_t tod = (hour * 3600 + t.minute * 60 + t.second);
  for (int attempt = 0; attempt < 2; ++attempt) {
    int64_t days;
    if (t.yday > 0) {
      const bool leap = DaysInMonth(year, 2) == 29;
      if (t.yday > (leap ? 366 : 365))
        return InvalidArgument("day of the year beyond the year's end");
      days = DaysFromCivil(year, 1, 1) + t.yday - 1;
    } else {
      if (static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month))) {
        return InvalidArgument("impossible date " + std::to_string(year) + "-" +
                               std::to_string(month) + "-" + std::to_string(day));
      }
      days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    }
    const int64_t local = days * 86400 + tod;
    const int64_t utc = t.has_offset ? local - t.offset_seconds : zone.ToUtc(local);
    *out = utc * 1000 + t.millis;
    // A year taken from the reference must not put the record more than a
    // day after it (December lines in an object dated January).
    if (t.year >= 0 || no_date || *out <= reference + 86400000) break;
    --year;
  }
  return Status::Ok();
}

const char* ReadFractionMs(const char* p, const char* end, int max_digits, int* ms) {
  int n = 0, v = 0;
  const char* q = p;
  while (q < end && n < max_digits && IsAsciiDigit(*q)) {
    if (n < 3) v = v * 10 + (*q - '0');
    ++n, ++q;
  }
  for (int i = n; i < 3; ++i) v *= 10;
  if (n > 0) *ms = v;
  return q;
}

}  // namespace logstream
