// ParseLine (src/record/parser.h) on one line in each format (iso, classic,
// auto), StartsRecord, and ClassicDateFromKey on an object key.
// Input: one option byte, the object key up to '\n', then the line.
// Invariants: views point into the line; auto agrees with iso or classic;
// a parsed line written back with AppendLine parses to the same fields.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/record/parser.h"

namespace logstream {
namespace {

using fuzz::Check;

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

bool SameFields(const LogLine& a, const LogLine& b) {
  return a.time == b.time && a.level == b.level && a.thread == b.thread && a.logger == b.logger &&
         a.message == b.message;
}

// Years 0000..9999, the times AppendLine can write.
constexpr TimeMs kMinTime = DaysFromCivil(0, 1, 1) * 86400000;
constexpr TimeMs kMaxTime = DaysFromCivil(10000, 1, 1) * 86400000;

void CheckParsed(const LogLine& l, std::string_view line) {
  Check(Inside(l.thread, line) && Inside(l.logger, line) && Inside(l.message, line),
        "parsed fields outside the line", line);
  Check(static_cast<unsigned>(l.level) < static_cast<unsigned>(kLevelCount), "bad level");
  Check(l.thread.find(']') == std::string_view::npos, "thread holds ']'", line);
  Check(l.logger.find(" - ") == std::string_view::npos, "logger holds ' - '", line);
  if (l.time < kMinTime || l.time >= kMaxTime) return;
  if (!l.message.empty() && l.message.back() == '\r') return;  // ParseLine drops one '\r'
  ParseOptions any;
  any.max_line_bytes = SIZE_MAX;
  for (LineFormat f : {LineFormat::kIso, LineFormat::kClassic}) {
    if (f == LineFormat::kClassic && l.time < 0) continue;  // classic dates start in 1970 (negative: none)
    std::string written;
    AppendLine(f, l.time, l.thread, l.level, l.logger, l.message, &written);
    any.format = f;
    any.classic_date = FloorDiv(l.time, 86400000) * 86400000;
    auto again = ParseLine(written, any);
    Check(again.has_value(), "AppendLine wrote a line ParseLine rejects",
          written + " <- " + (again ? "" : again.error().message()));
    Check(SameFields(*again, l), "AppendLine + ParseLine changed the fields", written);
  }
}

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  fuzz::Input in(data, size);
  const uint8_t flags = in.Byte();
  const std::string_view key = in.Until('\n');
  const std::string_view line = in.Rest();

  const TimeMs date = ClassicDateFromKey(key);
  if (date >= 0) {
    const std::string day = FormatDate(date);
    Check(key.find(day) != std::string_view::npos, "ClassicDateFromKey found a date not in the key",
          std::string(key) + " -> " + day);
  }

  ParseOptions options;
  options.classic_date = date;
  if (flags & 1) options.max_line_bytes = flags >> 1;  // short limits too
  Result<LogLine> by_format[3] = {Err(Internal("")), Err(Internal("")), Err(Internal(""))};
  const LineFormat formats[3] = {LineFormat::kIso, LineFormat::kClassic, LineFormat::kAuto};
  for (int i = 0; i < 3; ++i) {
    options.format = formats[i];
    by_format[i] = ParseLine(line, options);
    if (by_format[i]) CheckParsed(*by_format[i], line);
  }
  const Result<LogLine>& iso = by_format[0];
  const Result<LogLine>& classic = by_format[1];
  const Result<LogLine>& automatic = by_format[2];
  if (automatic) {
    Check(StartsRecord(line), "auto parsed a line that does not start a record");
    Check((iso && SameFields(*automatic, *iso)) || (classic && SameFields(*automatic, *classic)),
          "auto parsed what neither iso nor classic parses the same way", line);
  }
  return 0;
}
