// WindowEngine: the pure core of the stream processor. Event-time tumbling or
// sliding windows aligned to the epoch, half-open [start, end); per-source
// watermarks; aggregates per (window, source, level); early-firing rules;
// late records. Semantics: DESIGN.md "Processing semantics".
//
// - A source's watermark is max(event time seen from it) - lateness. A record
//   older than its source's watermark is late: it is counted nowhere and comes
//   out as a LateRecord. Every window holding a non-late record is still open.
// - A (window, source) cell is final when the source's watermark reaches the
//   window end; its aggregate rows (one per non-empty level) are emitted then,
//   once.
// - A rule fires as soon as its count in an open window reaches min_count,
//   once per (rule, key, window), unless the key fired less than `cooldown`
//   of event time before (then the first matching record after the cooldown
//   fires it, with the count at that moment). Samples: the first 3 matching
//   records of the window.
// - per = "all" windows are final when every active source's watermark has
//   passed them; a source not fed for idle_timeout of processing time (see
//   AdvanceIdle) is not active. With EngineOptions::finite_input they stay open
//   until Finish() and AdvanceIdle does nothing.
// - Finish() (end of a finite input) closes every open window; the source
//   watermarks move to the end of their last window, so records fed later
//   that fall into emitted windows are late.
//
// The engine knows nothing about logs or clocks: processing time is passed to
// AdvanceIdle. Its state (open windows, watermarks, fired flags, cooldowns,
// samples) is saved as per-key entries for a compacted state topic.
//
// Not thread-safe; one thread owns an engine. Views passed to Feed need only
// live for the call.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/process/config.h"
#include "src/process/template_stage.h"
#include "src/record/log_record.h"

namespace logstream {

struct AggregateRow {
  TimeMs window_start = 0;
  TimeMs window_end = 0;
  std::string source;
  Level level = Level::kInfo;
  int64_t count = 0;
  bool operator==(const AggregateRow&) const = default;
};

struct AlertSample {
  std::string object;
  uint64_t offset = 0;
  TimeMs time = 0;
  Level level = Level::kInfo;
  std::string message;
  bool operator==(const AlertSample&) const = default;
};

// One of the templates an alert's window holds most of (WARN and above).
struct AlertTemplate {
  uint64_t id = 0;
  std::string text;
  int64_t count = 0;
  AlertSample sample;  // its first record in the window
  bool operator==(const AlertTemplate&) const = default;
};

struct Alert {
  std::string id;    // RULE/KEY/WINDOW_START
  std::string rule;
  std::string key;   // the source, or "*" for per = "all"
  TimeMs window_start = 0;
  TimeMs window_end = 0;
  int64_t count = 0;      // at firing time
  int64_t threshold = 0;  // the rule's min_count
  std::vector<AlertSample> samples;
  std::vector<AlertTemplate> templates;  // the window's top templates, most frequent first
  bool operator==(const Alert&) const = default;
};

// A template's count in one closed (window, source) cell: its records at
// WARN and above.
struct TemplateRow {
  TimeMs window_start = 0;
  TimeMs window_end = 0;
  std::string source;
  uint64_t id = 0;
  std::shared_ptr<const std::string> text;  // as the miner holds it when the window closes
  TimeMs first_seen = 0;  // the event time of its first record in the partition
  int64_t count = 0;
  bool operator==(const TemplateRow& o) const {
    return window_start == o.window_start && window_end == o.window_end && source == o.source && id == o.id &&
           (text && o.text ? *text == *o.text : text == o.text) && first_seen == o.first_seen && count == o.count;
  }
};

// Outputs accumulated since the last TakeOutputs, in the order they arose.
struct EngineOutputs {
  std::vector<AggregateRow> aggregates;
  std::vector<Alert> alerts;
  std::vector<LogRecord> late;
  std::vector<TemplateRow> templates;
  bool empty() const { return aggregates.empty() && alerts.empty() && late.empty() && templates.empty(); }
};

// {"window_start","window_end","source","level","count"}
void AppendAggregateJson(const AggregateRow& row, std::string* out);
// {"id","rule","key","window_start","window_end","count","threshold",
//  "samples":[{"object","offset","time","level","message"}...]}, and when it
// has them "templates":[{"id","template","count","sample":{...}}...]
void AppendAlertJson(const Alert& alert, std::string* out);
// {"window_start","window_end","source","template_id","template","first_seen","count"}
void AppendTemplateJson(const TemplateRow& row, std::string* out);

// Counts of per = "all" rules one engine added since the last
// TakeAllPartials: per (rule, window) the new matching records, the first
// ones of them as samples (at most max_samples per window in all), and the
// largest event time among them (for the rule's cooldown).
struct AllRulePartial {
  std::string rule;
  TimeMs window_start = 0;
  int64_t count = 0;
  TimeMs max_time = 0;
  std::vector<AlertSample> samples;
  bool operator==(const AllRulePartial&) const = default;
};
struct AllPartials {
  // The engine's per = "all" watermark: windows ending at or before it no
  // longer count records of this engine's sources (streaming only).
  // has_mark is false while the engine has no source.
  bool has_mark = false;
  TimeMs mark = 0;
  std::vector<AllRulePartial> cells;
  bool empty() const { return cells.empty(); }
};
// Versioned binary encoding of one partition's AllPartials (the value of a
// record on the internal partials topic).
std::string EncodeAllPartials(int partition, const AllPartials& partials);
// DataLoss if corrupt.
Result<std::pair<int, AllPartials>> DecodeAllPartials(std::string_view data);

// Totals since the engine was created (not restored from state).
struct EngineStats {
  int64_t records = 0;         // fed, late ones included
  int64_t late = 0;
  int64_t windows_closed = 0;  // (window, source) cells emitted
  int64_t alerts = 0;
};

// What the engine holds now, for metrics.
struct EngineGauges {
  size_t sources = 0;
  size_t open_windows = 0;  // (window, source) cells not yet emitted, per = "all" ones included
  TimeMs min_watermark = 0, max_watermark = 0;  // of the sources that have one (0: none has)
};

struct EngineOptions {
  // --exit-when-done: per = "all" windows stay open until Finish(), and
  // AdvanceIdle does nothing.
  bool finite_input = false;
  // per = "all" rules do not fire here: the engine counts only part of the
  // sources (one partition's) and hands its counts out as AllPartials
  // (TakeAllPartials) for an AllRulesAggregator (all_rules_aggregator.h) to
  // sum and fire.
  bool partial_all_rules = false;
  // Samples kept per alert.
  int max_samples = 3;
  // Log templates (template_stage.h): mined per record when set; counted per
  // (window, source) at WARN and above, in alerts (the top ones) and by the
  // new_template and template_spike rules.
  std::optional<TemplateOptions> templates;
  // Templates an alert carries.
  int max_alert_templates = 3;
};

class WindowEngine {
 public:
  // InvalidArgument if the config does not validate.
  static Result<std::unique_ptr<WindowEngine>> Create(const ProcessorConfig& config,
                                                      const EngineOptions& options = {});
  ~WindowEngine();
  WindowEngine(const WindowEngine&) = delete;
  WindowEngine& operator=(const WindowEngine&) = delete;

  void Feed(const LogRecordView& record);
  void Feed(const LogRecord& record) { Feed(ViewOf(record)); }

  // Processing-time tick, called periodically with the current time. Sources
  // fed since the last tick are active; a source not fed for idle_timeout
  // stops holding back per = "all" windows, and when `caught_up` (the input
  // has no backlog) its own open windows close too.
  void AdvanceIdle(TimeMs now, bool caught_up = true);

  // While the input has a backlog (records not read yet: a backfill, a
  // restart far behind), per = "all" windows stay open. Their finality goes
  // by the sources seen so far, so a host whose records come after the
  // others' (one host's files ingested before another's) would otherwise
  // miss every window the others have passed. Off by default; the processor
  // sets it from the partition's lag at each commit.
  void SetBacklog(bool backlog);

  // End of input: emits every open window.
  void Finish();

  // Moves out the outputs accumulated so far.
  EngineOutputs TakeOutputs();
  // How many rows TakeOutputs would move out now (O(1)).
  size_t pending_outputs() const;

  // With EngineOptions::partial_all_rules: the per = "all" counts added
  // since the last call. Call after TakeOutputs and before TakeStateChanges
  // (the state then records them as handed out).
  AllPartials TakeAllPartials();

  // State entries (key -> value) changed since the last call, for Put on a
  // compacted state topic. Written together with the outputs taken at the same
  // point, they let RestoreState resume exactly there.
  std::vector<std::pair<std::string, std::string>> TakeStateChanges();
  // Every state entry (what a compacted topic holds after all changes).
  std::map<std::string, std::string> State() const;
  // Restores a fresh engine from state entries. FailedPrecondition if they
  // were written with another window, slide or lateness; DataLoss if corrupt.
  // Rules are matched by name; state of rules no longer configured is dropped.
  Status RestoreState(const std::map<std::string, std::string>& state);

  const EngineStats& stats() const;
  size_t source_count() const;
  EngineGauges gauges() const;  // O(sources)

 private:
  struct Impl;
  explicit WindowEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstream
