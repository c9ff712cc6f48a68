#include "src/process/all_rules_aggregator.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "src/process/window_state_codec.h"

namespace logstream {

struct AllRulesAggregator::Impl {
  ProcessorConfig config;
  EngineOptions options;
  std::vector<const RuleConfig*> rules;  // per = "all" rules
  std::map<std::string, size_t, std::less<>> rule_index;
  // Open windows: start -> one cell per rule of `rules`.
  std::map<TimeMs, std::vector<RuleCount>> windows;
  std::vector<TimeMs> last_fire;  // per rule
  std::map<int, TimeMs> marks;    // per partition that reported one
  TimeMs mark = kNever;           // windows ending at or before are dropped
  std::set<TimeMs> dirty;         // windows changed or dropped
  bool meta_dirty = false;
  std::vector<Alert> alerts;
  int64_t fired = 0;

  static std::string WindowKey(TimeMs start) {
    return std::string(kAllWindowPrefix) + std::to_string(start);
  }

  void Add(int partition, const AllPartials& p) {
    for (const AllRulePartial& c : p.cells) {
      auto it = rule_index.find(c.rule);
      if (it == rule_index.end() || c.window_start + config.window <= mark) continue;
      const size_t r = it->second;
      const RuleConfig& rule = *rules[r];
      auto& cells = windows[c.window_start];
      cells.resize(rules.size());
      RuleCount& cell = cells[r];
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

  std::string EncodeWindow(const std::vector<RuleCount>& cells) const {
    std::string v;
    VarintWriter w(&v);
    w.U(kStateVersion);
    w.U(cells.size());
    for (size_t r = 0; r < cells.size(); ++r) {
      w.S(rules[r]->name);
      EncodeRuleCount(cells[r], w);
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
        return FailedPrecondition(
            "per-all rule state was written with another window size; restore the "
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
      std::vector<RuleCount> cells(rules.size());
      uint64_t n = r.Count();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) {
        std::string_view name = r.S();
        RuleCount cell;
        DecodeRuleCount(r, &cell);
        auto rule = rule_index.find(name);
        if (rule != rule_index.end()) cells[rule->second] = std::move(cell);
      }
      if (!r.ok()) return corrupt(it->first);
      windows[start] = std::move(cells);
    }
    return Status::Ok();
  }
};

Result<std::unique_ptr<AllRulesAggregator>> AllRulesAggregator::Create(
    const ProcessorConfig& config, const EngineOptions& options) {
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

void AllRulesAggregator::Add(int partition, const AllPartials& partials) {
  impl_->Add(partition, partials);
}

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
    changes.emplace_back(Impl::WindowKey(start),
                         it == impl_->windows.end() ? "" : impl_->EncodeWindow(it->second));
  }
  impl_->dirty.clear();
  return changes;
}

Status AllRulesAggregator::RestoreState(const std::map<std::string, std::string>& state) {
  if (!impl_->windows.empty() || impl_->fired > 0) {
    return FailedPrecondition("RestoreState needs a fresh aggregator");
  }
  Status s = impl_->Restore(state);
  if (!s.ok()) {
    impl_->windows.clear();
    impl_->marks.clear();
  }
  return s;
}

int64_t AllRulesAggregator::alerts() const { return impl_->fired; }

}  // namespace logstream
