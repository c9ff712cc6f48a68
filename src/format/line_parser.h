// LineParser: turns the lines of one object into records, for one format
// (src/format/format_config.h declares them). Each kind (pattern, regex,
// json, logfmt, syslog, iso, classic, auto) implements it; MakeLineParser
// builds one from its configuration. A parser is used by one thread at a
// time; the views it returns stay valid until its next Parse.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "src/base/status.h"
#include "src/format/format_config.h"
#include "src/record/log_record.h"

namespace logstream {

// What a parser knows of the object whose lines it reads.
struct ObjectContext {
  std::string_view key;
  // The UTC midnight of the key's YYYY-MM-DD, else the object's
  // last-modified time, else -1: dates and years of lines that lack them.
  TimeMs reference = -1;
  TimeMs key_date = -1;          // the key's date alone (classic lines)
  bool source_from_key = false;  // the key names the host: a line's host goes to fields
};

class LineParser {
 public:
  virtual ~LineParser() = default;

  // Called before the lines of each object.
  virtual void StartObject(const ObjectContext& context) { context_ = context; }

  // Parses one line (without '\n'; a trailing '\r' is ignored). On error,
  // InvalidArgument names the format and says what failed where ("column
  // N"); *starts_record then tells whether the line still has the shape of a
  // record start (a dead letter) or not (it may continue the record above).
  Status Parse(std::string_view line, LogLine* out, bool* starts_record);

  // multiline = "auto": lines that do not start a record continue the one
  // above.
  bool multiline() const { return config_.multiline_auto(); }
  const FormatConfig& config() const { return config_; }

 protected:
  explicit LineParser(FormatConfig config) : config_(std::move(config)) {}
  // The kind's own parsing of a non-empty, valid UTF-8 line; errors without
  // the format's name (Parse adds it).
  virtual Status ParseLine(std::string_view line, LogLine* out, bool* starts_record) = 0;

  FormatConfig config_;
  ObjectContext context_;
  std::string prefix_;  // "format 'NAME' (KIND): "
  bool checks_own_line_ = false;  // ParseLine strips '\r' and checks size and UTF-8

  friend Result<std::unique_ptr<LineParser>> MakeLineParser(const FormatConfig& config);
};

// The parser of one format; InvalidArgument when its configuration is
// wrong (a pattern or regex that does not compile, an unknown time zone).
Result<std::unique_ptr<LineParser>> MakeLineParser(const FormatConfig& config);

// The formats of a configuration, each object parsed by the first whose
// `match` glob matches its key, else by the built-in `auto` (iso/classic).
class FormatSet {
 public:
  // InvalidArgument (the first format that does not compile).
  static Result<FormatSet> Make(const std::vector<FormatConfig>& formats,
                                const FormatConfig& fallback);
  // The parser for an object (owned by the set; one object at a time).
  LineParser& For(std::string_view key);

 private:
  std::vector<std::unique_ptr<LineParser>> parsers_;  // the fallback last
};

// True when the glob matches the key: '*' and '?' do not cross '/', '**'
// does, "[abc]" is a set of characters; everything else matches itself.
bool GlobMatch(std::string_view glob, std::string_view key);

}  // namespace logstream
