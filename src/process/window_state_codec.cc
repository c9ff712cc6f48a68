#include "src/process/window_state_codec.h"

#include <algorithm>

namespace logstream {
namespace {

constexpr uint64_t kPartialsVersion = 1;
// Tagged sections at the end of a source entry.
constexpr uint64_t kTemplateCountsTag = 1, kTemplateHistoryTag = 2;
// Long values are stored in chunks of at most this size (Kafka's message
// limit is 1 MB by default).
constexpr size_t kChunkBytes = 256 << 10;

// `rules`: how many the engine has (a cell without a match has no counts).
void EncodeCell(const WindowCell& c, size_t rules, VarintWriter& w) {
  w.I(c.start);
  for (int64_t n : c.levels) w.U(static_cast<uint64_t>(n));
  static const RuleCell kNone;
  for (size_t r = 0; r < rules; ++r) EncodeRuleCount(c.rules.empty() ? kNone : c.rules[r], w);
}

// The end of the global and the source entries: cooldowns (per rule), windows.
void EncodeFiresAndCells(const std::vector<TimeMs>& last_fire,
                         const std::vector<WindowCell>& cells, VarintWriter& w) {
  for (TimeMs t : last_fire) w.I(t);
  w.U(cells.size());
  for (const WindowCell& c : cells) EncodeCell(c, last_fire.size(), w);
}

}  // namespace

Status CorruptState(std::string_view key) {
  return DataLoss("processor state entry '" + std::string(key) +
                  "' is corrupt; delete the state topic and the group's offsets to reprocess");
}

std::string ChunkKey(std::string_view base, size_t i) {
  return i == 0 ? std::string(base) : std::string(base) + "/" + std::to_string(i);
}

std::vector<std::pair<std::string, std::string>> Chunks(std::string_view base, const std::string& value) {
  std::vector<std::pair<std::string, std::string>> chunks;
  for (size_t pos = 0; pos == 0 || pos < value.size(); pos += kChunkBytes) {
    chunks.emplace_back(ChunkKey(base, chunks.size()), value.substr(pos, kChunkBytes));
  }
  return chunks;
}

std::string JoinChunks(const std::map<std::string, std::string>& state, std::string_view base, size_t* chunks) {
  std::string value = state.at(std::string(base));
  for (*chunks = 1;; ++*chunks) {
    auto chunk = state.find(ChunkKey(base, *chunks));
    if (chunk == state.end()) break;
    value += chunk->second;
  }
  return value;
}

void EmptyChunks(std::string_view base, size_t now, size_t before,
                 std::vector<std::pair<std::string, std::string>>* changes) {
  for (size_t i = now; i < before; ++i) changes->emplace_back(ChunkKey(base, i), "");
}

void EncodeSample(const SampleView& s, VarintWriter& w) {
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

void EncodeRuleCount(const RuleCount& rc, VarintWriter& w) {
  w.U(static_cast<uint64_t>(rc.count));
  w.U(rc.fired ? 1 : 0);
  w.U(rc.samples.size());
  for (const AlertSample& s : rc.samples) EncodeSample(s, w);
}

void DecodeRuleCount(VarintReader& r, RuleCount* rc) {
  rc->count = static_cast<int64_t>(r.U());
  rc->fired = r.U() != 0;
  uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && !r.failed(); ++i) rc->samples.push_back(DecodeSample(r));
}

std::string EncodeGlobalEntry(const StateLayout& layout, TimeMs all_mark,
                              const std::vector<TimeMs>& all_last_fire,
                              const std::vector<WindowCell>& all_cells) {
  std::string v;
  VarintWriter w(&v);
  w.U(kStateVersion);
  w.I(layout.window);
  w.I(layout.step);
  w.I(layout.lateness);
  w.U(layout.rules.size());
  for (const std::string& name : layout.rules) w.S(name);
  w.I(all_mark);
  EncodeFiresAndCells(all_last_fire, all_cells, w);
  return v;
}

std::string EncodeSourceEntry(const SourceState& s) {
  std::string v;
  VarintWriter w(&v);
  w.U(kStateVersion);
  w.S(s.name);
  w.I(s.max_time);
  w.I(s.watermark);
  EncodeFiresAndCells(s.last_fire, s.cells, w);
  if (std::ranges::any_of(s.cells, [](const WindowCell& c) { return !c.templates.empty(); })) {
    w.U(kTemplateCountsTag);
    for (const WindowCell& c : s.cells) {
      w.U(c.templates.size());
      for (size_t i = 0; i < c.templates.size(); ++i) {
        w.U(c.templates[i].id);
        w.I(c.templates[i].count);
        EncodeSample(c.template_samples[i], w);
      }
    }
  }
  if (!s.template_history.empty()) {
    w.U(kTemplateHistoryTag);
    w.U(s.template_history.size());
    for (const auto& [id, history] : s.template_history) {
      w.U(id);
      w.U(history.size());
      for (const auto& [start, n] : history) {
        w.I(start);
        w.I(n);
      }
    }
  }
  return v;
}

Status StateDecoder::DecodeGlobal(std::string_view value, TimeMs* all_mark,
                                  std::vector<TimeMs>* all_last_fire,
                                  std::vector<WindowCell>* all_cells) {
  VarintReader r(value);
  if (r.U() != kStateVersion) return CorruptState(kGlobalKey);
  TimeMs w = r.I(), st = r.I(), lateness = r.I();
  if (w != current_.window || st != current_.step || lateness != current_.lateness) {
    return FailedPrecondition(
        "processor state was written with window " + FormatDuration(w) + ", step " +
        FormatDuration(st) + ", lateness " + FormatDuration(lateness) +
        " but the configuration says window " + FormatDuration(current_.window) + ", step " +
        FormatDuration(current_.step) + ", lateness " + FormatDuration(current_.lateness) +
        "; restore the old [processor] settings, or delete the state topic and the group's "
        "offsets to reprocess");
  }
  uint64_t nrules = r.Count();
  rule_map_.clear();
  for (uint64_t i = 0; i < nrules && !r.failed(); ++i) {
    std::string_view name = r.S();
    int idx = -1;
    for (size_t j = 0; j < current_.rules.size(); ++j) {
      if (current_.rules[j] == name) idx = static_cast<int>(j);
    }
    rule_map_.push_back(idx);
  }
  *all_mark = r.I();
  DecodeFiresAndCells(r, all_last_fire, all_cells);
  if (!r.ok()) return CorruptState(kGlobalKey);
  return Status::Ok();
}

Status StateDecoder::DecodeSource(std::string_view key, std::string_view value,
                                  SourceState* s) const {
  VarintReader r(value);
  if (r.U() != kStateVersion) return CorruptState(key);
  s->name = std::string(r.S());
  s->max_time = r.I();
  s->watermark = r.I();
  s->last_fire.assign(current_.rules.size(), kNever);
  DecodeFiresAndCells(r, &s->last_fire, &s->cells);
  while (!r.failed() && !r.ok()) {  // tagged sections
    const uint64_t tag = r.U();
    if (tag == kTemplateCountsTag) {
      for (WindowCell& c : s->cells) {
        const uint64_t n = r.Count();
        for (uint64_t i = 0; i < n && !r.failed(); ++i) {
          TemplateTally t;
          t.id = r.U();
          t.count = r.I();
          c.templates.push_back(t);
          c.template_samples.Add(SampleView::Of(DecodeSample(r)));
        }
      }
    } else if (tag == kTemplateHistoryTag) {
      const uint64_t n = r.Count();
      for (uint64_t i = 0; i < n && !r.failed(); ++i) {
        auto& history = s->template_history[r.U()];
        const uint64_t m = r.Count();
        for (uint64_t j = 0; j < m && !r.failed(); ++j) {
          const TimeMs start = r.I();
          history.emplace_back(start, r.I());
        }
      }
    } else {
      return CorruptState(key);
    }
  }
  if (!r.ok()) return CorruptState(key);
  return Status::Ok();
}

void StateDecoder::DecodeCell(VarintReader& r, WindowCell* c) const {
  c->start = r.I();
  for (int64_t& n : c->levels) n = static_cast<int64_t>(r.U());
  c->rules.assign(current_.rules.size(), RuleCell{});
  for (int idx : rule_map_) {
    RuleCell rc;
    DecodeRuleCount(r, &rc);
    if (idx >= 0) c->rules[idx] = std::move(rc);
  }
}

void StateDecoder::DecodeFiresAndCells(VarintReader& r, std::vector<TimeMs>* last_fire,
                                       std::vector<WindowCell>* cells) const {
  for (int idx : rule_map_) {
    TimeMs t = r.I();
    if (idx >= 0) (*last_fire)[idx] = t;
  }
  uint64_t n = r.Count();
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    WindowCell c;
    DecodeCell(r, &c);
    cells->push_back(std::move(c));
  }
}

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

}  // namespace logstream
