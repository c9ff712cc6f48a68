// FormatConfig: one [[formats]] table, how the lines of the objects whose
// key matches `match` become records (docs/formats.md):
//
//   [[formats]]
//   name = "hadoop"
//   match = "hadoop/**"
//   kind = "pattern"      # pattern | regex | json | logfmt | syslog | iso | classic
//   pattern = "%d{yyyy-MM-dd HH:mm:ss,SSS} %p [%t] %c: %m%n"
//   timezone = "UTC"
//   multiline = "auto"
//   default_level = "INFO"
//   levels = { FAILURE = "ERROR" }
//   template_similarity = 0.5   # log template mining (src/template/template_settings.h)
//
// Declared once (FormatsTable); read by ReadFormats, called from the CLI's
// settings like every other table. Plain values; thread-compatible.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/options.h"
#include "src/record/log_record.h"
#include "src/template/template_settings.h"

namespace logstream {

enum class FormatKind { kPattern, kRegex, kJson, kLogfmt, kSyslog, kIso, kClassic, kAuto };
// "pattern", "regex", "json", "logfmt", "syslog", "iso", "classic", "auto".
std::string_view FormatKindName(FormatKind kind);

enum class Multiline { kDefault, kAuto, kOff };

struct FormatConfig {
  std::string name;
  std::string match;  // glob on the object key; empty: every object
  FormatKind kind = FormatKind::kPattern;
  std::string pattern;      // kind = pattern: a logback / log4j PatternLayout
  std::string regex;        // kind = regex: RE2 with named groups
  std::string time_format;  // regex, json, logfmt: strftime letters; empty: RFC 3339 / ISO 8601
  std::string timezone = "UTC";  // of times without an offset
  Multiline multiline =
      Multiline::kDefault;             // auto for pattern, regex, iso, classic; off otherwise
  Level default_level = Level::kInfo;  // of records whose line has no level
  std::vector<std::pair<std::string, std::string>> levels;  // extra words -> level names
  // json and logfmt: the keys (dotted paths) of the mapped values; empty:
  // the first present of the defaults.
  std::string time_field, level_field, message_field, thread_field, logger_field;
  size_t max_line_bytes = 64 * 1024;  // set by ingest ([ingest] max_line_bytes)
  TemplateSettings templates = {};     // template_similarity, _depth, _masks, _levels

  bool multiline_auto() const {
    if (multiline != Multiline::kDefault) return multiline == Multiline::kAuto;
    return kind == FormatKind::kPattern || kind == FormatKind::kRegex || kind == FormatKind::kIso ||
           kind == FormatKind::kClassic || kind == FormatKind::kAuto;
  }
};

// The declarations of one [[formats]] table.
const opt::Table<FormatConfig>& FormatsTable();

// Reads the [[formats]] array of a parsed document into *formats (replacing
// them), every problem into *problems ("FILE:LINE:COLUMN: ..."), each format
// compiled to check it.
void ReadFormats(const toml::table& doc, std::string_view file, std::vector<FormatConfig>* formats,
                 opt::Problems* problems);

// [[formats]] tables as TOML, for `config check`.
std::string FormatsToToml(const std::vector<FormatConfig>& formats);

}  // namespace logstream
