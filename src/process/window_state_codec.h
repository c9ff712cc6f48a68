// The window state as the engine keeps it, and its codec: the entries of the
// processor's compacted state topic and the values of the per = "all"
// partials records (EncodeAllPartials in window_engine.h). Values start with
// a version and are written with src/base/varint.h.
//
// State topic keys: "global" (window settings, rule names and the per = "all"
// windows; split into "global", "global/1", ... when long), "source/NAME"
// (one per source), and the AllRulesAggregator's "all/meta" and "all/w/START".
//
// Internal to src/process. Value types and pure functions; a StateDecoder is
// used by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/base/varint.h"
#include "src/process/sample_list.h"
#include "src/process/window_engine.h"
#include "src/record/log_record.h"

namespace logstream {

constexpr TimeMs kNever = std::numeric_limits<int64_t>::min();
constexpr uint64_t kStateVersion = 1;
constexpr std::string_view kGlobalKey = "global";
constexpr std::string_view kSourcePrefix = "source/";
constexpr std::string_view kAllMetaKey = "all/meta";
constexpr std::string_view kAllWindowPrefix = "all/w/";

// DataLoss naming the corrupt entry.
Status CorruptState(std::string_view key);

// A value that can outgrow a broker's message limit (the global entry with
// many open per = "all" windows, a template miner) is stored as chunks of at
// most 256 KiB: "BASE", "BASE/1", "BASE/2", ...
std::string ChunkKey(std::string_view base, size_t i);
std::vector<std::pair<std::string, std::string>> Chunks(std::string_view base, const std::string& value);
// The value joined from the chunks of `base` in `state`, which holds `base`;
// *chunks gets their number.
std::string JoinChunks(const std::map<std::string, std::string>& state, std::string_view base, size_t* chunks);
// The chunks written before (`before`) beyond the `now` written this time,
// emptied.
void EmptyChunks(std::string_view base, size_t now, size_t before,
                 std::vector<std::pair<std::string, std::string>>* changes);

void EncodeSample(const SampleView& s, VarintWriter& w);
inline void EncodeSample(const AlertSample& s, VarintWriter& w) { EncodeSample(SampleView::Of(s), w); }
AlertSample DecodeSample(VarintReader& r);

// A rule's count in one window, as the engines and the aggregator keep it.
struct RuleCount {
  int64_t count = 0;
  bool fired = false;
  std::vector<AlertSample> samples;  // until fired
};
void EncodeRuleCount(const RuleCount& rc, VarintWriter& w);
void DecodeRuleCount(VarintReader& r, RuleCount* rc);

struct RuleCell : RuleCount {
  // partial_all_rules: how much of count and samples was handed out, and
  // the largest event time since then. Not saved: the state is written
  // after TakeAllPartials, when everything was handed out.
  int64_t exported = 0;
  size_t samples_exported = 0;
  TimeMs max_time = 0;
};

// A log template's count in one source window: its records at WARN and
// above.
struct TemplateTally {
  uint64_t id = 0;
  int64_t count = 0;
};

// Counts of one window: of one source (levels, per = "source" rules and
// templates), or of all sources (per = "all" rules). Rule cells are indexed
// by rule.
struct WindowCell {
  TimeMs start = 0;
  std::array<int64_t, kLevelCount> levels{};
  std::vector<RuleCell> rules;  // per rule; empty until one matches
  std::vector<TemplateTally> templates;        // in order of first record
  SampleList template_samples;  // [i]: the first record of templates[i]
};

// What the engine keeps of one log source (a host): its watermark, open
// windows and rule cooldowns.
struct SourceState {
  std::string name;
  TimeMs max_time = kNever;
  TimeMs watermark = kNever;
  std::vector<WindowCell> cells;  // open windows, sorted by start
  std::vector<TimeMs> last_fire;  // per rule, event time of the last alert
  // template_spike: per template, (window start, count) of its last windows.
  std::map<uint64_t, std::vector<std::pair<TimeMs, int64_t>>> template_history;
  TimeMs last_active = kNever;    // processing time of the last tick that saw it fed
  bool fed_since_tick = false;
  bool idle = false;
  bool dirty = false;
};

// What an engine's state is written with: it restores only into an engine
// with the same window, step and lateness; rules are matched by name.
struct StateLayout {
  TimeMs window = 0;
  TimeMs step = 0;
  TimeMs lateness = 0;
  std::vector<std::string> rules;  // names, in the order of the engine's rule vectors
};

// The global entry: the layout, then the per = "all" windows and cooldowns.
std::string EncodeGlobalEntry(const StateLayout& layout, TimeMs all_mark,
                              const std::vector<TimeMs>& all_last_fire,
                              const std::vector<WindowCell>& all_cells);
// A source's entry (the persistent fields of SourceState). The windows'
// template counts and the template history, when there are any, follow
// everything else as tagged sections, so entries written before templates
// existed still decode.
std::string EncodeSourceEntry(const SourceState& source);

// Decodes the entries into the rule order of the current layout; the rules
// of the state no longer configured are dropped.
class StateDecoder {
 public:
  explicit StateDecoder(const StateLayout& current) : current_(current) {}

  // The global entry's value (joined): sets *all_mark, the cooldowns of the
  // rules still configured and appends the windows. FailedPrecondition if it
  // was written with another window, step or lateness; DataLoss if corrupt.
  Status DecodeGlobal(std::string_view value, TimeMs* all_mark, std::vector<TimeMs>* all_last_fire,
                      std::vector<WindowCell>* all_cells);
  // A source entry, after DecodeGlobal: its name, times, cooldowns and
  // windows into *source. DataLoss naming `key` if corrupt.
  Status DecodeSource(std::string_view key, std::string_view value, SourceState* source) const;

 private:
  void DecodeCell(VarintReader& r, WindowCell* c) const;
  // Cooldowns into the rules still configured, then windows appended.
  void DecodeFiresAndCells(VarintReader& r, std::vector<TimeMs>* last_fire,
                           std::vector<WindowCell>* cells) const;

  const StateLayout& current_;
  std::vector<int> rule_map_;  // [i]: the current index of the state's rule i, or -1
};

}  // namespace logstream
