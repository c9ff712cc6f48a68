// PatternLayout: a logback / log4j PatternLayout ("%d{ISO8601} %-5p [%t]
// %c: %m%n") compiled once into a scanner that reads lines of that layout
// without a regex engine: literal text is found with memchr-based search,
// %d with a compiled TimeFormat, and a value followed by literal text ends
// at an occurrence of that text (the leftmost one whose value fits the
// conversion: a level or logger has no space, a class or method no ':', a
// line number is digits), trying the next occurrence when the rest of the
// line does not match (bounded: a line costs at most kMaxSteps attempts).
//
// Conversions: %d/%date{layout}{zone} (Java date letters or ISO8601,
// ABSOLUTE, DATE), %p/%le/%level, %t/%thread, %c/%lo/%logger{n},
// %C/%class, %F/%file, %L/%line, %M/%method, %X{key}/%mdc{key}, %m/%msg/
// %message, %r/%relative, %n (the end of the line), %ex/%throwable (nothing
// on the line itself) and %%. Padding and truncation (%-5p, %.30c) and {n}
// precisions only shape the width: padding spaces are skipped.
// Immutable after Compile; Match is thread-compatible (the result).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/format/time_format.h"

namespace logstream {

class PatternLayout {
 public:
  static constexpr int kMaxSteps = 4096;

  enum class Slot : uint8_t {
    kLiteral,
    kDate,
    kLevel,
    kThread,
    kLogger,
    kClass,
    kFile,
    kLine,
    kMethod,
    kMdc,
    kMessage,
    kRelative,
    kNothing
  };

  struct Element {
    Slot slot = Slot::kLiteral;
    std::string text;  // literal text; else the conversion as written ("%-5p")
    std::string key;   // %X{key}: the field name
    int min_width = 0;
    bool left_align = false;
    TimeFormat date;        // %d
    std::string date_zone;  // %d{...}{zone}; empty: the format's
    // A value that may hold anything, followed by a one-character literal,
    // a name (%C %F %M %L %r, no padding) that cannot hold that character,
    // and a literal ("%t:%C{1}@%L"): of the occurrences of the character
    // before the first occurrence of the second literal, only the last can
    // end this value, so the scan starts there (Compile sets it).
    bool skip_to_last = false;
    // A value followed by a literal: the characters that end its run (the
    // literal's first one, and those its conversion does not hold).
    std::array<bool, 256> run_stops{};
  };

  // What a line matched: one value per element (literals: empty), the time
  // parts of the first %d.
  struct Match {
    std::vector<std::string_view> values;
    TimeParts time;
    // The text of the last time read and what it gave (the bytes the
    // reading looked at: its own when read by shape, else a few past its end).
    struct TimeCache {
      size_t element = SIZE_MAX;
      ptrdiff_t begin = -1;  // its column
      size_t consumed = 0, looked = 0;
      bool ended = false;     // the line ended within `looked`
      bool by_shape = false;  // read by shape (TimeFormat::seconds_at applies)
      char text[64];
      TimeParts parts;
    } cache;
  };

  // InvalidArgument naming the column of the pattern that is wrong.
  static Result<PatternLayout> Compile(std::string_view pattern);

  // Matches a whole line. On failure, *error says which element failed at
  // which column (1-based) of the line, and *time_read whether the line's
  // time (the first %d) was read: then the line has the shape of a record.
  bool MatchLine(std::string_view line, Match* out, std::string* error,
                 bool* time_read = nullptr) const;

  const std::vector<Element>& elements() const { return elements_; }
  const std::string& pattern() const { return pattern_; }

 private:
  struct Scan;
  std::string pattern_;
  std::vector<Element> elements_;
};

}  // namespace logstream
