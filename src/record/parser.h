// Parser for the two line formats (see docs/record.md):
//   iso:     2026-11-24T22:47:30.123Z [thread] LEVEL logger - message
//   classic: 22:47:30.123 [thread] LEVEL logger - message   (logback
//            %d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg; the
//            time is UTC and the date comes from the object key)
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "src/base/status.h"
#include "src/record/log_record.h"

namespace logstream {

struct ParseOptions {
  LineFormat format = LineFormat::kAuto;  // auto: each line's own shape decides
  size_t max_line_bytes = 64 * 1024;      // longer lines are errors
  // UTC midnight of the day classic lines belong to (from the object key);
  // negative: classic lines are errors ("no date").
  TimeMs classic_date = -1;
};

// Parses one line (without its '\n'; one trailing '\r' is ignored). The views
// in the result point into `line`. On failure the Status (InvalidArgument)
// says why: impossible time, unknown level, invalid UTF-8, too long, ...
Result<LogLine> ParseLine(std::string_view line, const ParseOptions& options);

// True if the line begins with an iso or classic timestamp, i.e. it starts a
// record rather than continuing the one above (stack traces, dumps).
bool StartsRecord(std::string_view line);

// The date for classic lines of an object: the first YYYY-MM-DD in its key,
// or -1 if there is none.
TimeMs ClassicDateFromKey(std::string_view key);

}  // namespace logstream
