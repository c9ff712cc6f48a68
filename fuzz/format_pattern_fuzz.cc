// PatternLayout (src/format/pattern_layout.h): the pattern compiler on any
// text, and the scanner of what compiles on lines, through the pattern
// kind's LineParser too.
// Input: one option byte (bit 0: the object has a date; bit 1: the key names
// the host; bits 2-3: time zone UTC, +05:30, America/New_York, Europe/Paris),
// the pattern up to '\n', then lines separated by '\n'.
// Invariants: matched values lie inside the line, a failing line has an
// error naming a column inside it (or its end), the scan is bounded; a
// parser reused line after line (its time cache) gives what a fresh parser
// gives for each line.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/format/line_parser.h"
#include "src/format/pattern_layout.h"

namespace logstream {
namespace {

using fuzz::Check;

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

constexpr const char* kZones[] = {"UTC", "+05:30", "America/New_York", "Europe/Paris"};

struct Out {
  Status status;
  bool starts = false;
  LogRecord r;
};

Out Parse(LineParser& p, std::string_view line) {
  Out o;
  LogLine l;
  o.status = p.Parse(line, &l, &o.starts);
  if (o.status.ok()) {
    o.r.time = l.time, o.r.level = l.level, o.r.thread = l.thread, o.r.logger = l.logger;
    o.r.message = l.message, o.r.fields = l.fields.ToFields();
  }
  return o;
}

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  fuzz::Input in(data, size);
  const uint8_t flags = in.Byte();
  const std::string_view pattern = in.Until('\n');
  auto layout = PatternLayout::Compile(pattern);
  if (!layout) {
    Check(!layout.error().message().empty(), "a compile error without a message");
    return 0;
  }
  FormatConfig config;
  config.name = "fuzz";
  config.kind = FormatKind::kPattern;
  config.pattern = std::string(pattern);
  config.timezone = kZones[(flags >> 2) & 3];
  auto reused = MakeLineParser(config);
  if (!reused) return 0;  // e.g. a %d{...}{zone} that is no zone
  ObjectContext context;
  context.key = "k";
  context.reference = context.key_date = (flags & 1) ? 1514678400000 : -1;
  context.source_from_key = flags & 2;
  (*reused)->StartObject(context);
  PatternLayout::Match match;
  while (!in.empty()) {
    const std::string_view line = in.Until('\n');
    std::string error;
    bool time_read = false;
    if (layout->MatchLine(line, &match, &error, &time_read)) {
      Check(match.values.size() == layout->elements().size(), "a value per element");
      for (std::string_view v : match.values) Check(Inside(v, line), "a value outside the line", line);
    } else {
      const size_t at = error.find("column ");
      if (at != std::string::npos) {
        const size_t column = std::strtoull(error.c_str() + at + 7, nullptr, 10);
        Check(column >= 1 && column <= line.size() + 1, "an error column outside the line", error);
      }
    }
    auto fresh = MakeLineParser(config);
    Check(fresh.has_value(), "a format that compiled once does not compile again");
    (*fresh)->StartObject(context);
    const Out a = Parse(**reused, line), b = Parse(**fresh, line);
    Check(a.status.ok() == b.status.ok() && a.starts == b.starts, "a reused parser disagrees with a fresh one",
          line);
    if (a.status.ok()) Check(a.r == b.r, "a reused parser read other values than a fresh one", line);
  }
  return 0;
}
