// The line parsers of every [[formats]] kind (src/format/line_parser.h):
// json, logfmt, syslog, a regex, a pattern, iso, classic and auto, on any
// line, and the record JSON of what they parse.
// Input: one option byte (bits 0-2: the kind; bit 3: the key names the host;
// bit 4: the object has a date; bit 5: multiline off), then lines separated
// by '\n'.
// Invariants: a parsed level is a Level; the record JSON of a parsed line
// (AppendRecordJsonWithPrefix) decodes (RecordDecoder) to the same time,
// level, thread, logger, message and fields (the first of each name); a
// line's source is empty when the key names the host.
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/format/line_parser.h"
#include "src/record/json.h"

namespace logstream {
namespace {

std::unique_ptr<LineParser> Make(FormatKind kind, bool multiline_off) {
  FormatConfig c;
  c.name = "fuzz";
  c.kind = kind;
  c.levels = {{"FAILURE", "ERROR"}, {"ok", "info"}};
  c.multiline = multiline_off ? Multiline::kOff : Multiline::kDefault;
  c.max_line_bytes = 4096;
  switch (kind) {
    case FormatKind::kPattern: c.pattern = "%d{ISO8601} - %-5p [%t:%C{1}@%L] - %X{req} %m%n"; break;
    case FormatKind::kRegex:
      c.regex = R"(^(?P<time>\S+ \S+) +(?P<pid>\d+) +(?P<thread>\d+) (?P<level>\w+) (?P<logger>.*?): (?P<message>.*)$)";
      c.time_format = "%m-%d %H:%M:%S.%f";
      break;
    case FormatKind::kJson: c.time_field = ""; break;
    default: break;
  }
  auto p = MakeLineParser(c);
  fuzz::Check(p.has_value(), "a fixed format does not compile");
  return std::move(*p);
}

constexpr FormatKind kKinds[] = {FormatKind::kJson,    FormatKind::kLogfmt, FormatKind::kSyslog, FormatKind::kRegex,
                                 FormatKind::kPattern, FormatKind::kIso,    FormatKind::kClassic, FormatKind::kAuto};

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  fuzz::Input in(data, size);
  const uint8_t flags = in.Byte();
  static std::unique_ptr<LineParser> parsers[2][8];
  const bool off = flags & 0x20;
  std::unique_ptr<LineParser>& parser = parsers[off][flags & 7];
  if (!parser) parser = Make(kKinds[flags & 7], off);
  ObjectContext context;
  context.key = "h/2017-12-31/x.log";
  context.reference = context.key_date = (flags & 0x10) ? 1514678400000 : -1;
  context.source_from_key = flags & 8;
  parser->StartObject(context);
  RecordDecoder decoder;
  std::string json;
  while (!in.empty()) {
    const std::string_view line = in.Until('\n');
    LogLine l;
    bool starts = false;
    const Status s = parser->Parse(line, &l, &starts);
    if (!s.ok()) {
      fuzz::Check(!s.message().empty(), "an error without a reason");
      continue;
    }
    fuzz::Check(static_cast<unsigned>(l.level) < static_cast<unsigned>(kLevelCount), "bad level");
    if (context.source_from_key) fuzz::Check(l.source.empty(), "a line source though the key names the host");
    json.clear();
    AppendRecordJsonWithPrefix(RecordJsonPrefix(l.source.empty() ? "h" : l.source, context.key), 7, l, &json);
    auto back = decoder.Decode(json);
    fuzz::Check(back.has_value(), "record JSON that does not decode", json);
    // AppendJsonString writes invalid UTF-8 as U+FFFD; the lines are valid
    // UTF-8 (checked before parsing) and so are the values.
    fuzz::Check(back->time == l.time && back->level == l.level && back->thread == l.thread &&
                    back->logger == l.logger && back->message == l.message,
                "record JSON changed a value", json);
    Fields first;
    for (size_t i = 0; i < l.fields.size(); ++i) {
      const FieldView f = l.fields[i];
      bool seen = false;
      for (const auto& [k, v] : first) seen |= k == f.key;
      if (!seen) first.emplace_back(std::string(f.key), std::string(f.value));
    }
    fuzz::Check(back->fields == first, "record JSON changed the fields", json);
  }
  return 0;
}
