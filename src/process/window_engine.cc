#include "src/process/window_engine.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <set>

#include <re2/re2.h>

#include "src/base/varint.h"
#include "src/record/json.h"

namespace logstream {
namespace {

constexpr TimeMs kNever = std::numeric_limits<int64_t>::min();
constexpr uint64_t kStateVersion = 1;
constexpr std::string_view kGlobalKey = "global";
constexpr std::string_view kSourcePrefix = "source/";
// The global entry is stored in values of at most this size ("global",
// "global/1", "global/2", ...): with many open per = "all" windows it can
// outgrow a broker's message limit (Kafka: 1 MB by default).
constexpr size_t kGlobalChunkBytes = 256 << 10;

std::string GlobalChunkKey(size_t i) {
  return i == 0 ? std::string(kGlobalKey) : std::string(kGlobalKey) + "/" + std::to_string(i);
}

struct RuleCell {
  int64_t count = 0;
  bool fired = false;
  std::vector<AlertSample> samples;  // until fired
  // partial_all_rules: how much of count and samples was handed out, and
  // the largest event time since then. Not saved: the state is written
  // after TakeAllPartials, when everything was handed out.
  int64_t exported = 0;
  size_t samples_exported = 0;
  TimeMs max_time = 0;
};

// Counts of one window: of one source (levels and per = "source" rules), or of
// all sources (per = "all" rules). Rule cells are indexed by rule.
struct Cell {
  TimeMs start = 0;
  std::array<int64_t, kLevelCount> levels{};
  std::vector<RuleCell> rules;
};

// What the engine keeps of one log source (a host): its watermark, open
// windows and rule cooldowns.
struct SourceState {
  std::string name;
  TimeMs max_time = kNever;
  TimeMs watermark = kNever;
  std::vector<Cell> cells;         // open windows, sorted by start
  std::vector<TimeMs> last_fire;   // per rule, event time of the last alert
  TimeMs last_active = kNever;     // processing time of the last tick that saw it fed
  bool fed_since_tick = false;
  bool idle = false;
  bool dirty = false;
};

struct CompiledRule {
  RuleConfig config;
  uint8_t level_mask = 0;
  std::unique_ptr<RE2> re;  // null: no pattern
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr - buf);
}

void AppendTimeField(std::string_view name, TimeMs t, std::string* out) {
  out->append("\"");
  out->append(name);
  out->append("\":\"");
  AppendRfc3339Ms(t, out);
  out->append("\"");
}

// State encoding: varints (zigzag for signed) and length-prefixed strings.
void EncodeSample(const AlertSample& s, VarintWriter& w) {
  w.S(s.object);
  w.U(s.offset);
  w.I(s.time);
  w.U(static_cast<uint64_t>(s.level));
  w.S(s.message);
}

AlertSample DecodeSample(VarintReader& r) {
  AlertSample s;
  s.object = std::string(r.S());
  s.offset = r.U();
  s.time = r.I();
  uint64_t level = r.U();
  s.level = level < kLevelCount ? static_cast<Level>(level) : Level::kInfo;
  s.message = std::string(r.S());
  return s;
}

// A rule's count in one window as stored, by the engines and the aggregator.
void EncodeRuleCount(int64_t count, bool fired, const std::vector<AlertSample>& samples, VarintWriter& w) {
  w.U(static_cast<uint64_t>(count));
  w.U(fired ? 1 : 0);
  w.U(samples.size());
  for (const AlertSample& s : samples) EncodeSample(s, w);
}

void DecodeRuleCount(VarintReader& r, int64_t* count, bool* fired, std::vector<AlertSample>* samples) {
  *count = static_cast<int64_t>(r.U());
  *fired = r.U() != 0;
  uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && !r.failed(); ++i) samples->push_back(DecodeSample(r));
}
Status CorruptState(std::string_view key) {
  return DataLoss("processor state entry '" + std::string(key) +
                  "' is corrupt; delete the state topic and the group's offsets to reprocess");
}

}  // namespace

void AppendAggregateJson(const AggregateRow& row, std::string* out) {
  out->append("{");
  AppendTimeField("window_start", row.window_start, out);
  out->append(",");
  AppendTimeField("window_end", row.window_end, out);
  out->append(",\"source\":");
  AppendJsonString(row.source, out);
  out->append(",\"level\":\"");
  out->append(LevelName(row.level));
  out->append("\",\"count\":");
  AppendInt(row.count, out);
  out->append("}");
}

void AppendAlertJson(const Alert& a, std::string* out) {
  out->append("{\"id\":");
  AppendJsonString(a.id, out);
  out->append(",\"rule\":");
  AppendJsonString(a.rule, out);
  out->append(",\"key\":");
  AppendJsonString(a.key, out);
  out->append(",");
  AppendTimeField("window_start", a.window_start, out);
  out->append(",");
  AppendTimeField("window_end", a.window_end, out);
  out->append(",\"count\":");
  AppendInt(a.count, out);
  out->append(",\"threshold\":");
  AppendInt(a.threshold, out);
  out->append(",\"samples\":[");
  for (size_t i = 0; i < a.samples.size(); ++i) {
    const AlertSample& s = a.samples[i];
    out->append(i ? ",{\"object\":" : "{\"object\":");
    AppendJsonString(s.object, out);
    out->append(",\"offset\":");
    AppendInt(static_cast<int64_t>(s.offset), out);
    out->append(",");
    AppendTimeField("time", s.time, out);
    out->append(",\"level\":\"");
    out->append(LevelName(s.level));
    out->append("\",\"message\":");
    AppendJsonString(s.message, out);
    out->append("}");
  }
  out->append("]}");
}

struct WindowEngine::Impl {
  ProcessorConfig config;
  EngineOptions options;
  TimeMs window = 0;
  TimeMs step = 0;
  std::vector<CompiledRule> rules;
  std::vector<uint32_t> source_rules;  // indexes of per = "source" rules
  std::vector<uint32_t> all_rules;     // indexes of per = "all" rules

  std::vector<SourceState> sources;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> index;
  uint32_t last_source = UINT32_MAX;
  std::vector<uint32_t> dirty_sources;

  std::vector<Cell> all_cells;  // per = "all" windows, sorted by start
  TimeMs all_mark = kNever;     // per = "all" windows ending at or before are final
  bool backlog = false;         // see SetBacklog: all_mark stays
  std::vector<TimeMs> all_last_fire;
  bool global_dirty = true;
  size_t global_chunks = 0;  // values the global entry took when last written

  std::vector<AllRulePartial> dropped_partials;  // of cells dropped before TakeAllPartials
  std::vector<Cell> spare_cells;  // recycled, to avoid allocations
  std::vector<uint32_t> matched;  // scratch: rules matching the current record
  EngineOutputs out;
  EngineStats stats;

  uint32_t Intern(std::string_view name) {
    if (last_source < sources.size() && sources[last_source].name == name) return last_source;
    auto it = index.find(name);
    if (it != index.end()) return last_source = it->second;
    auto id = static_cast<uint32_t>(sources.size());
    SourceState s;
    s.name = std::string(name);
    s.last_fire.assign(rules.size(), kNever);
    sources.push_back(std::move(s));
    index.emplace(std::string(name), id);
    return last_source = id;
  }

  void MarkDirty(uint32_t id) {
    if (!sources[id].dirty) {
      sources[id].dirty = true;
      dirty_sources.push_back(id);
    }
  }

  Cell& FindOrAddCell(std::vector<Cell>& cells, TimeMs start) {
    size_t i = cells.size();
    while (i > 0 && cells[i - 1].start > start) --i;
    if (i > 0 && cells[i - 1].start == start) return cells[i - 1];
    Cell c;
    if (!spare_cells.empty()) {
      c = std::move(spare_cells.back());
      spare_cells.pop_back();
    }
    c.start = start;
    c.levels.fill(0);
    c.rules.resize(rules.size());
    return *cells.insert(cells.begin() + static_cast<ptrdiff_t>(i), std::move(c));
  }

  void Recycle(Cell&& c) {
    for (RuleCell& rc : c.rules) rc = RuleCell{};
    spare_cells.push_back(std::move(c));
  }

  // partial_all_rules: count and sample, the aggregator fires.
  void BumpPartial(RuleCell& rc, const LogRecordView& v) {
    if (rc.count == rc.exported || v.time > rc.max_time) rc.max_time = v.time;
    ++rc.count;
    if (static_cast<int>(rc.samples.size()) < options.max_samples) {
      rc.samples.push_back(AlertSample{std::string(v.object), v.offset, v.time, v.level,
                                       std::string(v.message)});
    }
  }

  // Appends the not yet handed out part of an all-sources cell to *out.
  void ExportCell(Cell& c, std::vector<AllRulePartial>* out) {
    for (uint32_t r : all_rules) {
      RuleCell& rc = c.rules[r];
      if (rc.count == rc.exported) continue;
      AllRulePartial p;
      p.rule = rules[r].config.name;
      p.window_start = c.start;
      p.count = rc.count - rc.exported;
      p.max_time = rc.max_time;
      p.samples.assign(rc.samples.begin() + static_cast<ptrdiff_t>(rc.samples_exported), rc.samples.end());
      rc.exported = rc.count;
      rc.samples_exported = rc.samples.size();
      out->push_back(std::move(p));
    }
  }

  void Bump(RuleCell& rc, uint32_t r, std::string_view key, TimeMs start, const LogRecordView& v,
            TimeMs& last_fire) {
    ++rc.count;
    if (rc.fired) return;
    const RuleConfig& rule = rules[r].config;
    if (static_cast<int>(rc.samples.size()) < options.max_samples) {
      rc.samples.push_back(AlertSample{std::string(v.object), v.offset, v.time, v.level,
                                       std::string(v.message)});
    }
    if (rc.count < rule.min_count) return;
    if (rule.cooldown > 0 && last_fire != kNever && v.time > last_fire - rule.cooldown &&
        v.time < last_fire + rule.cooldown) {
      return;
    }
    Alert a;
    a.id.reserve(rule.name.size() + key.size() + 26);
    a.id.append(rule.name).append("/").append(key).append("/");
    AppendRfc3339Ms(start, &a.id);
    a.rule = rule.name;
    a.key = std::string(key);
    a.window_start = start;
    a.window_end = start + window;
    a.count = rc.count;
    a.threshold = rule.min_count;
    a.samples = std::move(rc.samples);
    rc.samples = {};
    rc.fired = true;
    last_fire = v.time;
    ++stats.alerts;
    out.alerts.push_back(std::move(a));
  }

  void EmitCell(const SourceState& s, Cell& c) {
    for (int l = 0; l < kLevelCount; ++l) {
      if (c.levels[l] == 0) continue;
      out.aggregates.push_back(
          AggregateRow{c.start, c.start + window, s.name, static_cast<Level>(l), c.levels[l]});
    }
    ++stats.windows_closed;
  }

  // Emits and drops the source's cells that end at or before `mark`.
  void CloseCells(SourceState& s, TimeMs mark) {
    size_t n = 0;
    while (n < s.cells.size() && s.cells[n].start + window <= mark) EmitCell(s, s.cells[n++]);
    if (n == 0) return;
    for (size_t i = 0; i < n; ++i) Recycle(std::move(s.cells[i]));
    s.cells.erase(s.cells.begin(), s.cells.begin() + static_cast<ptrdiff_t>(n));
  }

  // Closes every open window of a source; its watermark moves to their end.
  void CloseAll(uint32_t id) {
    SourceState& s = sources[id];
    if (s.cells.empty()) return;
    s.watermark = std::max(s.watermark, s.cells.back().start + window);
    CloseCells(s, s.watermark);
    MarkDirty(id);
  }

  void DropAllCells(TimeMs mark) {
    if (mark <= all_mark) return;
    all_mark = mark;
    size_t n = 0;
    while (n < all_cells.size() && all_cells[n].start + window <= mark) ++n;
    for (size_t i = 0; i < n; ++i) {
      if (options.partial_all_rules) ExportCell(all_cells[i], &dropped_partials);
      Recycle(std::move(all_cells[i]));
    }
    all_cells.erase(all_cells.begin(), all_cells.begin() + static_cast<ptrdiff_t>(n));
    global_dirty = true;
  }

  // per = "all" windows behind every active source's watermark are final.
  void UpdateAllMark() {
    if (all_rules.empty() || options.finite_input || backlog || sources.empty()) return;
    TimeMs low = std::numeric_limits<int64_t>::max();
    TimeMs high = kNever;
    bool any_active = false;
    for (const SourceState& s : sources) {
      high = std::max(high, s.watermark);
      if (s.idle) continue;
      any_active = true;
      low = std::min(low, s.watermark);
    }
    DropAllCells(any_active ? low : high);
  }

  void Feed(const LogRecordView& v) {
    ++stats.records;
    uint32_t id = Intern(v.source);
    SourceState& s = sources[id];
    s.fed_since_tick = true;
    s.idle = false;
    if (v.time < s.watermark) {
      ++stats.late;
      out.late.push_back(ToRecord(v));
      return;
    }
    MarkDirty(id);
    matched.clear();
    bool any_all = false;
    const uint8_t level_bit = static_cast<uint8_t>(1u << static_cast<int>(v.level));
    for (uint32_t r = 0; r < rules.size(); ++r) {
      const CompiledRule& rule = rules[r];
      if (!(rule.level_mask & level_bit)) continue;
      if (rule.re && !RE2::PartialMatch(re2::StringPiece(v.message.data(), v.message.size()), *rule.re)) {
        continue;
      }
      matched.push_back(r);
      any_all |= rule.config.per == RulePer::kAll;
    }
    const TimeMs first = (FloorDiv(v.time - window, step) + 1) * step;
    for (TimeMs start = first; start <= v.time; start += step) {
      Cell& c = FindOrAddCell(s.cells, start);
      ++c.levels[static_cast<int>(v.level)];
      for (uint32_t r : matched) {
        if (rules[r].config.per == RulePer::kSource) Bump(c.rules[r], r, s.name, start, v, s.last_fire[r]);
      }
      if (any_all && start + window > all_mark) {
        Cell& ac = FindOrAddCell(all_cells, start);
        for (uint32_t r : matched) {
          if (rules[r].config.per != RulePer::kAll) continue;
          if (options.partial_all_rules) {
            BumpPartial(ac.rules[r], v);
          } else {
            Bump(ac.rules[r], r, "*", start, v, all_last_fire[r]);
          }
        }
        global_dirty = true;
      }
    }
    if (v.time > s.max_time) {
      s.max_time = v.time;
      TimeMs wm = v.time - config.lateness;
      if (wm > s.watermark) {
        s.watermark = wm;
        if (!s.cells.empty() && s.cells.front().start + window <= wm) CloseCells(s, wm);
      }
    }
  }

  void AdvanceIdle(TimeMs now, bool caught_up) {
    if (options.finite_input) return;
    for (uint32_t id = 0; id < sources.size(); ++id) {
      SourceState& s = sources[id];
      if (s.fed_since_tick || s.last_active == kNever) {
        s.last_active = now;
        s.fed_since_tick = false;
        s.idle = false;
        continue;
      }
      if (now - s.last_active < config.idle_timeout) continue;
      s.idle = true;
      if (caught_up) CloseAll(id);
    }
    UpdateAllMark();
  }

  void Finish() {
    size_t first = out.aggregates.size();
    for (uint32_t id = 0; id < sources.size(); ++id) CloseAll(id);
    std::sort(out.aggregates.begin() + static_cast<ptrdiff_t>(first), out.aggregates.end(),
              [](const AggregateRow& a, const AggregateRow& b) {
                return std::tie(a.window_start, a.source, a.level) <
                       std::tie(b.window_start, b.source, b.level);
              });
    if (!all_cells.empty()) DropAllCells(all_cells.back().start + window);
  }

  AllPartials TakeAllPartials() {
    AllPartials out;
    out.cells = std::move(dropped_partials);
    dropped_partials.clear();
    for (Cell& c : all_cells) ExportCell(c, &out.cells);
    out.has_mark = !sources.empty();
    out.mark = all_mark;
    return out;
  }

  // --- state ---

  void EncodeCell(const Cell& c, VarintWriter& w) const {
    w.I(c.start);
    for (int64_t n : c.levels) w.U(static_cast<uint64_t>(n));
    for (const RuleCell& rc : c.rules) EncodeRuleCount(rc.count, rc.fired, rc.samples, w);
  }

  // rule_map[i]: the current rule index of the state's rule i, or -1.
  void DecodeCell(VarintReader& r, const std::vector<int>& rule_map, Cell* c) const {
    c->start = r.I();
    for (int64_t& n : c->levels) n = static_cast<int64_t>(r.U());
    c->rules.assign(rules.size(), RuleCell{});
    for (int idx : rule_map) {
      RuleCell rc;
      DecodeRuleCount(r, &rc.count, &rc.fired, &rc.samples);
      if (idx >= 0) c->rules[idx] = std::move(rc);
    }
  }

  std::string EncodeGlobal() const {
    std::string v;
    VarintWriter w(&v);
    w.U(kStateVersion);
    w.I(window);
    w.I(step);
    w.I(config.lateness);
    w.U(rules.size());
    for (const CompiledRule& r : rules) w.S(r.config.name);
    w.I(all_mark);
    for (TimeMs t : all_last_fire) w.I(t);
    w.U(all_cells.size());
    for (const Cell& c : all_cells) EncodeCell(c, w);
    return v;
  }

  std::string EncodeSource(const SourceState& s) const {
    std::string v;
    VarintWriter w(&v);
    w.U(kStateVersion);
    w.S(s.name);
    w.I(s.max_time);
    w.I(s.watermark);
    for (TimeMs t : s.last_fire) w.I(t);
    w.U(s.cells.size());
    for (const Cell& c : s.cells) EncodeCell(c, w);
    return v;
  }

  Status Restore(const std::map<std::string, std::string>& state) {
    auto global = state.find(std::string(kGlobalKey));
    if (global == state.end()) {
      if (state.empty()) return Status::Ok();
      return DataLoss("processor state has source entries but no '" + std::string(kGlobalKey) +
                      "' entry; delete the state topic and the group's offsets to reprocess");
    }
    auto corrupt = CorruptState;
    std::string global_value = global->second;
    for (global_chunks = 1;; ++global_chunks) {
      auto chunk = state.find(GlobalChunkKey(global_chunks));
      if (chunk == state.end()) break;
      global_value += chunk->second;
    }
    VarintReader r(global_value);
    if (r.U() != kStateVersion) return corrupt(kGlobalKey);
    TimeMs w = r.I(), st = r.I(), lateness = r.I();
    if (w != window || st != step || lateness != config.lateness) {
      return FailedPrecondition(
          "processor state was written with window " + FormatDuration(w) + ", step " +
          FormatDuration(st) + ", lateness " + FormatDuration(lateness) +
          " but the configuration says window " + FormatDuration(window) + ", step " +
          FormatDuration(step) + ", lateness " + FormatDuration(config.lateness) +
          "; restore the old [processor] settings, or delete the state topic and the group's "
          "offsets to reprocess");
    }
    uint64_t nrules = r.Count();
    std::vector<int> rule_map;
    for (uint64_t i = 0; i < nrules && !r.failed(); ++i) {
      std::string_view name = r.S();
      int idx = -1;
      for (size_t j = 0; j < rules.size(); ++j) {
        if (rules[j].config.name == name) idx = static_cast<int>(j);
      }
      rule_map.push_back(idx);
    }
    auto read_fires = [&](VarintReader& in, std::vector<TimeMs>& dst) {
      for (int idx : rule_map) {
        TimeMs t = in.I();
        if (idx >= 0) dst[idx] = t;
      }
    };
    all_mark = r.I();
    read_fires(r, all_last_fire);
    uint64_t ncells = r.Count();
    for (uint64_t i = 0; i < ncells && !r.failed(); ++i) {
      Cell c;
      DecodeCell(r, rule_map, &c);
      for (RuleCell& rc : c.rules) {  // saved after everything was handed out
        rc.exported = rc.count;
        rc.samples_exported = rc.samples.size();
      }
      all_cells.push_back(std::move(c));
    }
    if (!r.ok()) return corrupt(kGlobalKey);
    for (const auto& [key, value] : state) {
      if (!key.starts_with(kSourcePrefix)) continue;
      VarintReader sr(value);
      if (sr.U() != kStateVersion) return corrupt(key);
      SourceState& s = sources[Intern(sr.S())];
      s.max_time = sr.I();
      s.watermark = sr.I();
      read_fires(sr, s.last_fire);
      uint64_t n = sr.Count();
      for (uint64_t i = 0; i < n && !sr.failed(); ++i) {
        Cell c;
        DecodeCell(sr, rule_map, &c);
        s.cells.push_back(std::move(c));
      }
      if (!sr.ok()) return corrupt(key);
    }
    global_dirty = false;
    return Status::Ok();
  }
};

Result<std::unique_ptr<WindowEngine>> WindowEngine::Create(const ProcessorConfig& config,
                                                           const EngineOptions& options) {
  RETURN_IF_ERROR(ValidateProcessorConfig(config));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = options;
  impl->window = config.window;
  impl->step = config.step();
  for (const RuleConfig& rc : config.rules) {
    CompiledRule rule;
    rule.config = rc;
    if (rc.levels.empty()) {
      rule.level_mask = (1u << kLevelCount) - 1;
    } else {
      for (Level l : rc.levels) rule.level_mask |= static_cast<uint8_t>(1u << static_cast<int>(l));
    }
    if (!rc.pattern.empty()) {
      RE2::Options opts;
      opts.set_log_errors(false);
      rule.re = std::make_unique<RE2>(rc.pattern, opts);
      if (!rule.re->ok()) return Err(InvalidArgument("rule '" + rc.name + "': bad regex"));
    }
    impl->rules.push_back(std::move(rule));
  }
  impl->all_last_fire.assign(impl->rules.size(), kNever);
  for (uint32_t r = 0; r < impl->rules.size(); ++r) {
    (impl->rules[r].config.per == RulePer::kAll ? impl->all_rules : impl->source_rules).push_back(r);
  }
  return std::unique_ptr<WindowEngine>(new WindowEngine(std::move(impl)));
}

WindowEngine::WindowEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WindowEngine::~WindowEngine() = default;

void WindowEngine::Feed(const LogRecordView& record) { impl_->Feed(record); }
void WindowEngine::AdvanceIdle(TimeMs now, bool caught_up) { impl_->AdvanceIdle(now, caught_up); }
void WindowEngine::Finish() { impl_->Finish(); }
void WindowEngine::SetBacklog(bool backlog) { impl_->backlog = backlog; }

EngineOutputs WindowEngine::TakeOutputs() {
  impl_->UpdateAllMark();
  EngineOutputs out = std::move(impl_->out);
  impl_->out = EngineOutputs{};
  return out;
}

AllPartials WindowEngine::TakeAllPartials() { return impl_->TakeAllPartials(); }

// The global entry as its chunks: "global", "global/1", ...
static std::vector<std::pair<std::string, std::string>> GlobalChunks(const std::string& value) {
  std::vector<std::pair<std::string, std::string>> chunks;
  for (size_t pos = 0; pos == 0 || pos < value.size(); pos += kGlobalChunkBytes) {
    chunks.emplace_back(GlobalChunkKey(chunks.size()), value.substr(pos, kGlobalChunkBytes));
  }
  return chunks;
}

std::vector<std::pair<std::string, std::string>> WindowEngine::TakeStateChanges() {
  std::vector<std::pair<std::string, std::string>> changes;
  if (impl_->global_dirty) {
    changes = GlobalChunks(impl_->EncodeGlobal());
    const size_t written = changes.size();
    for (size_t i = written; i < impl_->global_chunks; ++i) changes.emplace_back(GlobalChunkKey(i), "");
    impl_->global_chunks = written;
    impl_->global_dirty = false;
  }
  for (uint32_t id : impl_->dirty_sources) {
    SourceState& s = impl_->sources[id];
    s.dirty = false;
    changes.emplace_back(std::string(kSourcePrefix) + s.name, impl_->EncodeSource(s));
  }
  impl_->dirty_sources.clear();
  return changes;
}

std::map<std::string, std::string> WindowEngine::State() const {
  std::map<std::string, std::string> state;
  for (auto& [key, value] : GlobalChunks(impl_->EncodeGlobal())) state.emplace(std::move(key), std::move(value));
  for (const SourceState& s : impl_->sources) {
    state.emplace(std::string(kSourcePrefix) + s.name, impl_->EncodeSource(s));
  }
  return state;
}

Status WindowEngine::RestoreState(const std::map<std::string, std::string>& state) {
  if (!impl_->sources.empty() || impl_->stats.records > 0) {
    return FailedPrecondition("RestoreState needs a fresh engine");
  }
  Status s = impl_->Restore(state);
  if (!s.ok()) {
    impl_->sources.clear();
    impl_->index.clear();
    impl_->all_cells.clear();
  }
  return s;
}

const EngineStats& WindowEngine::stats() const { return impl_->stats; }
size_t WindowEngine::source_count() const { return impl_->sources.size(); }

// --- per = "all" partials and their aggregator ---

namespace {
constexpr uint64_t kPartialsVersion = 1;
constexpr std::string_view kAllMetaKey = "all/meta";
constexpr std::string_view kAllWindowPrefix = "all/w/";
}  // namespace

std::string EncodeAllPartials(int partition, const AllPartials& partials) {
  std::string v;
  VarintWriter w(&v);
  w.U(kPartialsVersion);
  w.U(static_cast<uint64_t>(partition));
  w.U(partials.has_mark ? 1 : 0);
  w.I(partials.mark);
  w.U(partials.cells.size());
  for (const AllRulePartial& c : partials.cells) {
    w.S(c.rule);
    w.I(c.window_start);
    w.U(static_cast<uint64_t>(c.count));
    w.I(c.max_time);
    w.U(c.samples.size());
    for (const AlertSample& s : c.samples) EncodeSample(s, w);
  }
  return v;
}

Result<std::pair<int, AllPartials>> DecodeAllPartials(std::string_view data) {
  VarintReader r(data);
  if (r.U() != kPartialsVersion) return Err(DataLoss("per-all partials: unknown version"));
  const auto partition = static_cast<int>(r.U());
  AllPartials p;
  p.has_mark = r.U() != 0;
  p.mark = r.I();
  uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    AllRulePartial c;
    c.rule = std::string(r.S());
    c.window_start = r.I();
    c.count = static_cast<int64_t>(r.U());
    c.max_time = r.I();
    uint64_t m = r.Count();
    for (uint64_t j = 0; j < m && !r.failed(); ++j) c.samples.push_back(DecodeSample(r));
    p.cells.push_back(std::move(c));
  }
  if (!r.ok()) return Err(DataLoss("per-all partials record is corrupt"));
  return std::pair{partition, std::move(p)};
}

struct AllRulesAggregator::Impl {
  struct WindowCell {
    int64_t count = 0;
    bool fired = false;
    std::vector<AlertSample> samples;  // until fired
  };
  ProcessorConfig config;
  EngineOptions options;
  std::vector<const RuleConfig*> rules;  // per = "all" rules
  std::map<std::string, size_t, std::less<>> rule_index;
  // Open windows: start -> one cell per rule of `rules`.
  std::map<TimeMs, std::vector<WindowCell>> windows;
  std::vector<TimeMs> last_fire;      // per rule
  std::map<int, TimeMs> marks;        // per partition that reported one
  TimeMs mark = kNever;               // windows ending at or before are dropped
  std::set<TimeMs> dirty;             // windows changed or dropped
  bool meta_dirty = false;
  std::vector<Alert> alerts;
  int64_t fired = 0;

  static std::string WindowKey(TimeMs start) {
    std::string k(kAllWindowPrefix);
    AppendInt(start, &k);
    return k;
  }

  void Add(int partition, const AllPartials& p) {
    for (const AllRulePartial& c : p.cells) {
      auto it = rule_index.find(c.rule);
      if (it == rule_index.end() || c.window_start + config.window <= mark) continue;
      const size_t r = it->second;
      const RuleConfig& rule = *rules[r];
      auto& cells = windows[c.window_start];
      cells.resize(rules.size());
      WindowCell& cell = cells[r];
      dirty.insert(c.window_start);
      const int64_t before = cell.count;
      cell.count += c.count;
      if (cell.fired) continue;
      for (const AlertSample& s : c.samples) {
        if (static_cast<int>(cell.samples.size()) < options.max_samples) cell.samples.push_back(s);
      }
      if (cell.count < rule.min_count) continue;
      const TimeMs t = c.max_time;
      if (rule.cooldown > 0 && last_fire[r] != kNever && t > last_fire[r] - rule.cooldown &&
          t < last_fire[r] + rule.cooldown) {
        continue;
      }
      Alert a;
      a.id = rule.name + "/*/";
      AppendRfc3339Ms(c.window_start, &a.id);
      a.rule = rule.name;
      a.key = "*";
      a.window_start = c.window_start;
      a.window_end = c.window_start + config.window;
      a.count = std::max(rule.min_count, before + 1);
      a.threshold = rule.min_count;
      a.samples = std::move(cell.samples);
      cell.samples = {};
      cell.fired = true;
      last_fire[r] = t;
      meta_dirty = true;
      ++fired;
      alerts.push_back(std::move(a));
    }
    if (options.finite_input || !p.has_mark) return;
    auto& m = marks[partition];
    if (m == p.mark) return;
    m = p.mark;
    meta_dirty = true;
  }

  // Drops the windows every reporting partition is past. Called when the
  // state is taken (at commit), not per Add: the partials of several
  // partitions committed together all count before any of their marks.
  void AdvanceMark() {
    if (marks.empty()) return;
    TimeMs low = std::numeric_limits<int64_t>::max();
    for (const auto& [part, pm] : marks) low = std::min(low, pm);
    if (low <= mark) return;
    mark = low;
    meta_dirty = true;
    while (!windows.empty() && windows.begin()->first + config.window <= mark) {
      dirty.insert(windows.begin()->first);
      windows.erase(windows.begin());
    }
  }

  std::string EncodeMeta() const {
    std::string v;
    VarintWriter w(&v);
    w.U(kStateVersion);
    w.I(config.window);
    w.U(rules.size());
    for (size_t r = 0; r < rules.size(); ++r) {
      w.S(rules[r]->name);
      w.I(last_fire[r]);
    }
    w.I(mark);
    w.U(marks.size());
    for (const auto& [part, m] : marks) {
      w.U(static_cast<uint64_t>(part));
      w.I(m);
    }
    return v;
  }

  std::string EncodeWindow(const std::vector<WindowCell>& cells) const {
    std::string v;
    VarintWriter w(&v);
    w.U(kStateVersion);
    w.U(cells.size());
    for (size_t r = 0; r < cells.size(); ++r) {
      w.S(rules[r]->name);
      EncodeRuleCount(cells[r].count, cells[r].fired, cells[r].samples, w);
    }
    return v;
  }

  Status Restore(const std::map<std::string, std::string>& state) {
    auto corrupt = CorruptState;
    auto meta = state.find(std::string(kAllMetaKey));
    if (meta != state.end()) {
      VarintReader r(meta->second);
      if (r.U() != kStateVersion) return corrupt(kAllMetaKey);
      if (r.I() != config.window) {
        return FailedPrecondition("per-all rule state was written with another window size; restore the "
                                  "old [processor] settings, or delete the state topic and the group's "
                                  "offsets to reprocess");
      }
      uint64_t n = r.Count();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) {
        std::string_view name = r.S();
        TimeMs t = r.I();
        auto it = rule_index.find(name);
        if (it != rule_index.end()) last_fire[it->second] = t;
      }
      mark = r.I();
      uint64_t m = r.Count();
      for (uint64_t i = 0; i < m && !r.failed(); ++i) {
        auto part = static_cast<int>(r.U());
        marks[part] = r.I();
      }
      if (!r.ok()) return corrupt(kAllMetaKey);
    }
    for (auto it = state.lower_bound(std::string(kAllWindowPrefix));
         it != state.end() && it->first.starts_with(kAllWindowPrefix); ++it) {
      TimeMs start = 0;
      std::string_view digits = std::string_view(it->first).substr(kAllWindowPrefix.size());
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), start);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) return corrupt(it->first);
      VarintReader r(it->second);
      if (r.U() != kStateVersion) return corrupt(it->first);
      std::vector<WindowCell> cells(rules.size());
      uint64_t n = r.Count();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) {
        std::string_view name = r.S();
        WindowCell cell;
        DecodeRuleCount(r, &cell.count, &cell.fired, &cell.samples);
        auto rule = rule_index.find(name);
        if (rule != rule_index.end()) cells[rule->second] = std::move(cell);
      }
      if (!r.ok()) return corrupt(it->first);
      windows[start] = std::move(cells);
    }
    return Status::Ok();
  }
};

Result<std::unique_ptr<AllRulesAggregator>> AllRulesAggregator::Create(const ProcessorConfig& config,
                                                                       const EngineOptions& options) {
  RETURN_IF_ERROR(ValidateProcessorConfig(config));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = options;
  for (const RuleConfig& rule : impl->config.rules) {
    if (rule.per != RulePer::kAll) continue;
    impl->rule_index.emplace(rule.name, impl->rules.size());
    impl->rules.push_back(&rule);
  }
  impl->last_fire.assign(impl->rules.size(), kNever);
  return std::unique_ptr<AllRulesAggregator>(new AllRulesAggregator(std::move(impl)));
}

AllRulesAggregator::AllRulesAggregator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AllRulesAggregator::~AllRulesAggregator() = default;

void AllRulesAggregator::Add(int partition, const AllPartials& partials) { impl_->Add(partition, partials); }

std::vector<Alert> AllRulesAggregator::TakeAlerts() {
  std::vector<Alert> out = std::move(impl_->alerts);
  impl_->alerts.clear();
  return out;
}

std::vector<std::pair<std::string, std::string>> AllRulesAggregator::TakeStateChanges() {
  impl_->AdvanceMark();
  std::vector<std::pair<std::string, std::string>> changes;
  if (impl_->meta_dirty) {
    changes.emplace_back(std::string(kAllMetaKey), impl_->EncodeMeta());
    impl_->meta_dirty = false;
  }
  for (TimeMs start : impl_->dirty) {
    auto it = impl_->windows.find(start);
    changes.emplace_back(Impl::WindowKey(start), it == impl_->windows.end() ? "" : impl_->EncodeWindow(it->second));
  }
  impl_->dirty.clear();
  return changes;
}

Status AllRulesAggregator::RestoreState(const std::map<std::string, std::string>& state) {
  if (!impl_->windows.empty() || impl_->fired > 0) return FailedPrecondition("RestoreState needs a fresh aggregator");
  Status s = impl_->Restore(state);
  if (!s.ok()) {
    impl_->windows.clear();
    impl_->marks.clear();
  }
  return s;
}

int64_t AllRulesAggregator::alerts() const { return impl_->fired; }

}  // namespace logstream
