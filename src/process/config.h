// ProcessorConfig: windows and rules of the stream processor, loaded from the
// [processor] table and the [[rules]] array of a TOML document.
//
// Other top-level tables ([generator], [ingest], [[sinks]], [kafka], ...) are
// owned and validated by other stages; this loader ignores them. Unknown keys
// inside [processor] and [[rules]] are errors naming the key, file and line.
// Plain values; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "src/base/options.h"
#include "src/base/status.h"
#include "src/base/time.h"
#include "src/record/log_record.h"

namespace logstream {

enum class RulePer { kSource, kAll };
// "source", "all".
std::string_view RulePerName(RulePer per);

// count: the records matching the rule in a window reach min_count.
// new_template: a log template first seen at WARN or above after `warmup`
// of event time (src/process/template_stage.h), once per template.
// template_spike: a template's count (WARN and above) in a closed window is
// at least min_count and at least `factor` times its mean over the
// `history` windows before.
enum class RuleKind { kCount, kNewTemplate, kTemplateSpike };
std::string_view RuleKindName(RuleKind kind);

struct RuleConfig {
  std::string name = "error-burst";
  RuleKind kind = RuleKind::kCount;
  std::vector<Level> levels = {Level::kError};  // empty: any level
  std::string pattern;                          // RE2 regex on the message (or the field); empty: none
  std::string field;                            // a record field the rule tests; empty: none
  std::optional<std::string> equals;            // the field's value must be this
  int64_t min_count = 20;                       // fires when the count reaches this
  RulePer per = RulePer::kSource;               // key = source, or "*" for all
  TimeMs cooldown = 0;                          // event time between alerts of one key
  std::vector<std::string> sinks;               // sink names; empty: every sink
  TimeMs warmup = 600000;                       // new_template: event time before it fires
  double factor = 10;                           // template_spike: times the mean
  int64_t history = 10;                         // template_spike: windows averaged

  bool operator==(const RuleConfig&) const = default;
};

struct ProcessorConfig {
  TimeMs window = 10000;        // window size
  TimeMs slide = 0;             // 0: tumbling; else sliding, window % slide == 0
  TimeMs lateness = 2000;       // allowed lateness behind a source's max event time
  TimeMs idle_timeout = 30000;  // processing time after which a silent source is idle
  TimeMs commit_interval = 100;     // commit at least this often while input flows...
  int64_t commit_records = 1000000; // ...or after this many records
  bool templates = true;            // mine log templates (template_stage.h)
  std::vector<RuleConfig> rules = {RuleConfig{}};  // default: the error-burst rule

  // The step between window starts: slide, or window when tumbling.
  TimeMs step() const { return slide == 0 ? window : slide; }
  bool operator==(const ProcessorConfig&) const = default;
};

// The declarations of [processor] and of one [[rules]] table.
const opt::Table<ProcessorConfig>& ProcessorTable();
const opt::Table<RuleConfig>& RulesTable();

// Reads [processor] and [[rules]] of a parsed document into *config, every
// problem into *problems ("FILE:LINE:COLUMN: ..."), then checks the
// cross-field rules.
void ReadProcessorConfig(const toml::table& doc, std::string_view file, ProcessorConfig* config,
                         opt::Problems* problems, opt::Provenance* provenance = nullptr);

// Reads [processor] and [[rules]] from a parsed document. `file` names the
// document in error messages. InvalidArgument on unknown keys or bad values.
Result<ProcessorConfig> LoadProcessorConfig(const toml::table& doc, std::string_view file);
// Parses TOML text (errors carry file:line:column), then LoadProcessorConfig.
Result<ProcessorConfig> ParseProcessorConfig(std::string_view toml_text, std::string_view file);
// Reads and parses a file.
Result<ProcessorConfig> LoadProcessorConfigFile(const std::string& path);

// Checks the cross-field rules (window/slide, min_count, regexes, names).
Status ValidateProcessorConfig(const ProcessorConfig& config);

// The effective configuration as TOML, every key spelled out (with the origin
// of each [processor] value when `provenance` is given); parsing it back
// yields an equal config.
std::string ProcessorConfigToToml(const ProcessorConfig& config,
                                  const opt::Provenance* provenance = nullptr);

// At most this many windows per record (window / slide): a finer slide makes
// every record touch thousands of windows.
inline constexpr int64_t kMaxWindowsPerRecord = 1000;

}  // namespace logstream
