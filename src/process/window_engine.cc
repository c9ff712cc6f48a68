#include "src/process/window_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "src/process/rule_matcher.h"
#include "src/process/window_state_codec.h"
#include "src/record/json.h"

namespace logstream {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct WindowEngine::Impl {
  ProcessorConfig config;
  EngineOptions options;
  TimeMs window = 0;
  TimeMs step = 0;
  StateLayout layout;  // window, step, lateness and rule names, as the state is saved
  const std::vector<RuleConfig>& rules = config.rules;  // RuleMatcher says which a record matches
  std::unique_ptr<RuleMatcher> matcher;  // which rules a record matches
  std::vector<uint32_t> source_rules;  // indexes of per = "source" rules
  std::vector<uint32_t> all_rules;     // indexes of per = "all" rules
  std::unique_ptr<TemplateStage> templates;  // options.templates
  std::vector<uint32_t> new_template_rules, spike_rules;
  int64_t max_history = 0;  // of the spike rules

  std::vector<SourceState> sources;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> index;
  uint32_t last_source = UINT32_MAX;
  std::vector<uint32_t> dirty_sources;

  std::vector<WindowCell> all_cells;  // per = "all" windows, sorted by start
  TimeMs all_mark = kNever;           // per = "all" windows ending at or before are final
  bool backlog = false;               // see SetBacklog: all_mark stays
  std::vector<TimeMs> all_last_fire;
  bool global_dirty = true;
  size_t global_chunks = 0;  // values the global entry took when last written

  std::vector<AllRulePartial> dropped_partials;  // of cells dropped before TakeAllPartials
  std::vector<WindowCell> spare_cells;  // recycled, to avoid allocations
  std::vector<uint32_t> matched;        // scratch: rules matching the current record
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

  WindowCell& FindOrAddCell(std::vector<WindowCell>& cells, TimeMs start) {
    size_t i = cells.size();
    while (i > 0 && cells[i - 1].start > start) --i;
    if (i > 0 && cells[i - 1].start == start) return cells[i - 1];
    WindowCell c;
    if (!spare_cells.empty()) {
      c = std::move(spare_cells.back());
      spare_cells.pop_back();
    }
    c.start = start;
    c.levels.fill(0);
    c.templates.clear();
    return *cells.insert(cells.begin() + static_cast<ptrdiff_t>(i), std::move(c));
  }

  // A cell's rule counts, made on its first match: with hundreds of rules
  // most cells have none, and a thousand sources' cells stay in the cache.
  RuleCell& RuleOf(WindowCell& c, uint32_t r) {
    if (c.rules.empty()) c.rules.resize(rules.size());
    return c.rules[r];
  }

  void Recycle(WindowCell&& c) {
    c.rules.clear();
    c.template_samples.clear();
    c.templates.clear();
    spare_cells.push_back(std::move(c));
  }

  // partial_all_rules: count and sample, the aggregator fires.
  void BumpPartial(RuleCell& rc, const LogRecordView& v) {
    if (rc.count == rc.exported || v.time > rc.max_time) rc.max_time = v.time;
    ++rc.count;
    if (static_cast<int>(rc.samples.size()) < options.max_samples) {
      rc.samples.push_back(SampleView::Of(v).Copy());
    }
  }

  // Appends the not yet handed out part of an all-sources cell to *out.
  void ExportCell(WindowCell& c, std::vector<AllRulePartial>* out) {
    if (c.rules.empty()) return;
    for (uint32_t r : all_rules) {
      RuleCell& rc = c.rules[r];
      if (rc.count == rc.exported) continue;
      AllRulePartial p;
      p.rule = rules[r].name;
      p.window_start = c.start;
      p.count = rc.count - rc.exported;
      p.max_time = rc.max_time;
      p.samples.assign(rc.samples.begin() + static_cast<ptrdiff_t>(rc.samples_exported), rc.samples.end());
      rc.exported = rc.count;
      rc.samples_exported = rc.samples.size();
      out->push_back(std::move(p));
    }
  }


  AlertTemplate TemplateOf(TemplateTally t, AlertSample sample) const {
    TemplateRef ref = templates->Find(t.id);
    return AlertTemplate{t.id, ref.text ? *ref.text : "", t.count, std::move(sample)};
  }

  // The cell's most frequent templates, for an alert.
  std::vector<AlertTemplate> TopTemplates(const WindowCell& c) const {
    std::vector<size_t> top(c.templates.size());
    for (size_t i = 0; i < top.size(); ++i) top[i] = i;
    const size_t n = std::min(top.size(), static_cast<size_t>(std::max(0, options.max_alert_templates)));
    std::partial_sort(top.begin(), top.begin() + static_cast<ptrdiff_t>(n), top.end(),
                      [&](size_t a, size_t b) { return c.templates[a].count > c.templates[b].count; });
    std::vector<AlertTemplate> out;
    for (size_t i = 0; i < n; ++i) out.push_back(TemplateOf(c.templates[top[i]], c.template_samples[top[i]].Copy()));
    return out;
  }

  // Counts the record's template in the cell; the first record of each is
  // its sample (kept apart: most records only bump a count).
  void CountTemplate(WindowCell& c, uint64_t id, const LogRecordView& v) {
    for (TemplateTally& t : c.templates) {
      if (t.id == id) {
        ++t.count;
        return;
      }
    }
    c.templates.push_back(TemplateTally{id, 1});
    c.template_samples.Add(SampleView::Of(v));
  }

  // A template rule's alert: key = the source; the id names the template.
  Alert TemplateAlert(const RuleConfig& rule, std::string_view source, TimeMs start, bool with_window,
                      TemplateTally t, AlertSample sample, int64_t threshold) {
    Alert a;
    a.id.append(rule.name).append("/").append(source).append("/");
    if (with_window) {
      AppendRfc3339Ms(start, &a.id);
      a.id.append("/");
    }
    a.id.append(TemplateIdHex(t.id));
    a.rule = rule.name;
    a.key = std::string(source);
    a.window_start = start;
    a.window_end = start + window;
    a.count = t.count;
    a.threshold = threshold;
    a.samples = {sample};
    a.templates = {TemplateOf(t, std::move(sample))};
    ++stats.alerts;
    return a;
  }

  // new_template: the record started a template, after the warm-up.
  void FireNewTemplate(const SourceState& s, const LogRecordView& v, uint64_t id) {
    for (uint32_t r : new_template_rules) {
      const RuleConfig& rule = rules[r];
      if (v.time < templates->first_time() + rule.warmup) continue;
      const TimeMs start = FloorDiv(v.time, step) * step;  // the latest window holding it
      out.alerts.push_back(TemplateAlert(rule, s.name, start, false, TemplateTally{id, 1}, SampleView::Of(v).Copy(), 1));
    }
  }

  // template_spike, as a source's window closes: each template's count
  // against its mean over the `history` windows before.
  void CheckSpikes(SourceState& s, const WindowCell& c) {
    for (size_t i = 0; i < c.templates.size(); ++i) {
      const TemplateTally t = c.templates[i];
      auto& history = s.template_history[t.id];  // (window start, count), oldest first
      for (uint32_t r : spike_rules) {
        const RuleConfig& rule = rules[r];
        const TimeMs from = c.start - rule.history * step;
        int64_t sum = 0;
        for (const auto& [start, n] : history) sum += start >= from && start < c.start ? n : 0;
        const double least = rule.factor * static_cast<double>(sum) / static_cast<double>(rule.history);
        if (t.count < rule.min_count || static_cast<double>(t.count) < least) continue;
        const auto threshold = std::max(rule.min_count, static_cast<int64_t>(std::ceil(least)));
        out.alerts.push_back(TemplateAlert(rule, s.name, c.start, true, t, c.template_samples[i].Copy(), threshold));
      }
      history.emplace_back(c.start, t.count);
    }
    // Only the last max_history windows count: older counts go, and so do
    // the templates that have none left (ids churn: the history stays bounded).
    const TimeMs keep = c.start - max_history * step;
    for (auto it = s.template_history.begin(); it != s.template_history.end();) {
      auto& history = it->second;
      history.erase(history.begin(), std::find_if(history.begin(), history.end(),
                                                  [&](const auto& h) { return h.first >= keep; }));
      it = history.empty() ? s.template_history.erase(it) : std::next(it);
    }
  }

  void Bump(RuleCell& rc, uint32_t r, std::string_view key, TimeMs start, const LogRecordView& v,
            TimeMs& last_fire, const WindowCell* cell) {
    ++rc.count;
    if (rc.fired) return;
    const RuleConfig& rule = rules[r];
    if (static_cast<int>(rc.samples.size()) < options.max_samples) {
      rc.samples.push_back(SampleView::Of(v).Copy());
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
    if (cell != nullptr && templates) a.templates = TopTemplates(*cell);
    rc.fired = true;
    last_fire = v.time;
    ++stats.alerts;
    out.alerts.push_back(std::move(a));
  }

  void EmitCell(SourceState& s, WindowCell& c) {
    for (int l = 0; l < kLevelCount; ++l) {
      if (c.levels[l] == 0) continue;
      out.aggregates.push_back(
          AggregateRow{c.start, c.start + window, s.name, static_cast<Level>(l), c.levels[l]});
    }
    if (!spike_rules.empty()) CheckSpikes(s, c);
    for (const TemplateTally& t : c.templates) {
      TemplateRef ref = templates->Find(t.id);
      out.templates.push_back(
          TemplateRow{c.start, c.start + window, s.name, t.id, std::move(ref.text), ref.first_seen, t.count});
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
    MinedTemplate mined;
    if (templates) {
      mined = templates->Mine(v);
      if (v.level < Level::kWarn) {
        mined.id = 0;  // counted at WARN and above
      } else if (mined.created) {
        FireNewTemplate(s, v, mined.id);
      }
    }
    matcher->Match(v, &matched);
    bool any_all = false;
    for (uint32_t r : matched) any_all |= rules[r].per == RulePer::kAll;
    const TimeMs first = (FloorDiv(v.time - window, step) + 1) * step;
    for (TimeMs start = first; start <= v.time; start += step) {
      WindowCell& c = FindOrAddCell(s.cells, start);
      ++c.levels[static_cast<int>(v.level)];
      if (mined.id != 0) CountTemplate(c, mined.id, v);
      for (uint32_t r : matched) {
        if (rules[r].per == RulePer::kSource) Bump(RuleOf(c, r), r, s.name, start, v, s.last_fire[r], &c);
      }
      if (any_all && start + window > all_mark) {
        WindowCell& ac = FindOrAddCell(all_cells, start);
        for (uint32_t r : matched) {
          if (rules[r].per != RulePer::kAll) continue;
          if (options.partial_all_rules) {
            BumpPartial(RuleOf(ac, r), v);
          } else {
            Bump(RuleOf(ac, r), r, "*", start, v, all_last_fire[r], nullptr);
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
    for (WindowCell& c : all_cells) ExportCell(c, &out.cells);
    out.has_mark = !sources.empty();
    out.mark = all_mark;
    return out;
  }

  // --- state (window_state_codec.h) ---

  std::string EncodeGlobal() const {
    return EncodeGlobalEntry(layout, all_mark, all_last_fire, all_cells);
  }

  Status Restore(const std::map<std::string, std::string>& state) {
    if (!state.contains(std::string(kGlobalKey))) {
      if (state.empty()) return Status::Ok();
      return DataLoss("processor state has source entries but no '" + std::string(kGlobalKey) +
                      "' entry; delete the state topic and the group's offsets to reprocess");
    }
    if (templates) RETURN_IF_ERROR(templates->Restore(state));
    StateDecoder decoder(layout);
    RETURN_IF_ERROR(decoder.DecodeGlobal(JoinChunks(state, kGlobalKey, &global_chunks), &all_mark,
                                         &all_last_fire, &all_cells));
    for (WindowCell& c : all_cells) {
      for (RuleCell& rc : c.rules) {  // saved after everything was handed out
        rc.exported = rc.count;
        rc.samples_exported = rc.samples.size();
      }
    }
    for (const auto& [key, value] : state) {
      if (!key.starts_with(kSourcePrefix)) continue;
      SourceState decoded;
      RETURN_IF_ERROR(decoder.DecodeSource(key, value, &decoded));
      SourceState& s = sources[Intern(decoded.name)];
      s.max_time = decoded.max_time;
      s.watermark = decoded.watermark;
      s.last_fire = std::move(decoded.last_fire);
      s.cells = std::move(decoded.cells);
      s.template_history = std::move(decoded.template_history);
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
  impl->layout = StateLayout{config.window, config.step(), config.lateness, {}};
  ASSIGN_OR_RETURN(impl->matcher, RuleMatcher::Compile(config.rules));
  for (const RuleConfig& rc : config.rules) impl->layout.rules.push_back(rc.name);
  impl->all_last_fire.assign(impl->rules.size(), kNever);
  for (uint32_t r = 0; r < impl->rules.size(); ++r) {
    const RuleConfig& rule = impl->rules[r];
    if (rule.kind == RuleKind::kNewTemplate) {
      impl->new_template_rules.push_back(r);
    } else if (rule.kind == RuleKind::kTemplateSpike) {
      impl->spike_rules.push_back(r);
      impl->max_history = std::max(impl->max_history, rule.history);
    } else {
      (rule.per == RulePer::kAll ? impl->all_rules : impl->source_rules).push_back(r);
    }
  }
  if (options.templates && options.templates->enabled) {
    ASSIGN_OR_RETURN(impl->templates, TemplateStage::Make(*options.templates));
  } else if (!impl->new_template_rules.empty() || !impl->spike_rules.empty()) {
    return Err(InvalidArgument("rule '" +
                               impl->rules[impl->new_template_rules.empty() ? impl->spike_rules[0]
                                                                            : impl->new_template_rules[0]]
                                   .name +
                               "' needs log templates, which are off"));
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

size_t WindowEngine::pending_outputs() const {
  const EngineOutputs& o = impl_->out;
  return o.aggregates.size() + o.alerts.size() + o.late.size() + o.templates.size();
}

AllPartials WindowEngine::TakeAllPartials() { return impl_->TakeAllPartials(); }

std::vector<std::pair<std::string, std::string>> WindowEngine::TakeStateChanges() {
  std::vector<std::pair<std::string, std::string>> changes;
  if (impl_->global_dirty) {
    changes = Chunks(kGlobalKey, impl_->EncodeGlobal());
    const size_t written = changes.size();
    EmptyChunks(kGlobalKey, written, impl_->global_chunks, &changes);
    impl_->global_chunks = written;
    impl_->global_dirty = false;
  }
  for (uint32_t id : impl_->dirty_sources) {
    SourceState& s = impl_->sources[id];
    s.dirty = false;
    changes.emplace_back(std::string(kSourcePrefix) + s.name, EncodeSourceEntry(s));
  }
  impl_->dirty_sources.clear();
  if (impl_->templates) {
    for (auto& kv : impl_->templates->TakeStateChanges()) changes.push_back(std::move(kv));
  }
  return changes;
}

std::map<std::string, std::string> WindowEngine::State() const {
  std::map<std::string, std::string> state;
  for (auto& [key, value] : Chunks(kGlobalKey, impl_->EncodeGlobal())) state.emplace(std::move(key), std::move(value));
  for (const SourceState& s : impl_->sources) {
    state.emplace(std::string(kSourcePrefix) + s.name, EncodeSourceEntry(s));
  }
  if (impl_->templates) state.merge(impl_->templates->State());
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

EngineGauges WindowEngine::gauges() const {
  EngineGauges g;
  g.sources = impl_->sources.size();
  g.open_windows = impl_->all_cells.size();
  bool any = false;
  for (const SourceState& s : impl_->sources) {
    g.open_windows += s.cells.size();
    if (s.watermark == kNever) continue;
    g.min_watermark = any ? std::min(g.min_watermark, s.watermark) : s.watermark;
    g.max_watermark = any ? std::max(g.max_watermark, s.watermark) : s.watermark;
    any = true;
  }
  return g;
}

}  // namespace logstream
