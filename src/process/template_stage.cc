#include "src/process/template_stage.h"

#include "src/base/varint.h"
#include "src/format/line_parser.h"
#include "src/process/window_state_codec.h"

namespace logstream {
namespace {

constexpr uint64_t kMetaVersion = 1;
constexpr std::string_view kMetaKey = "templates/meta";
constexpr std::string_view kFormatPrefix = "templates/f/";

}  // namespace

TemplateOptions TemplateOptionsFor(const std::vector<FormatConfig>& formats) {
  TemplateOptions options;
  for (const FormatConfig& f : formats) options.formats.push_back({f.name, f.match, f.templates});
  return options;
}

Result<std::unique_ptr<TemplateStage>> TemplateStage::Make(const TemplateOptions& options) {
  std::unique_ptr<TemplateStage> stage(new TemplateStage(options));
  for (Slot& slot : stage->slots_) {  // the settings are checked once, here
    if (Status s = stage->MakeMiner(slot); !s.ok()) {
      return Err(s.WithContext("templates of format '" + slot.format->name + "'"));
    }
    slot.miner.reset();
  }
  return stage;
}

TemplateStage::TemplateStage(TemplateOptions options) : options_(std::move(options)) {
  fallback_.name = "auto";
  fallback_.settings = options_.fallback;
  for (const TemplateFormat& f : options_.formats) slots_.push_back(Slot{&f, nullptr});
  slots_.push_back(Slot{&fallback_, nullptr});
  for (const Slot& slot : slots_) {
    for (Level l : slot.format->settings.levels) mined_levels_ |= 1u << static_cast<int>(l);
  }
}

Status TemplateStage::MakeMiner(Slot& slot) const {
  TemplateMinerOptions mo = slot.format->settings.MinerOptions();
  mo.max_templates = options_.max_templates;
  ASSIGN_OR_RETURN(TemplateMiner miner, TemplateMiner::Make(mo));
  slot.miner = std::make_unique<TemplateMiner>(std::move(miner));
  return Status::Ok();
}

std::string TemplateStage::KeyOf(const Slot& slot) const {
  return std::string(kFormatPrefix) + slot.format->name;
}

size_t TemplateStage::SlotOf(std::string_view object) {
  if (slots_.size() == 1) return 0;
  if (object == last_object_) return last_slot_;
  size_t i = 0;
  while (i + 1 < slots_.size()) {
    const std::string& glob = slots_[i].format->match;
    if (glob.empty() || GlobMatch(glob, object)) break;
    ++i;
  }
  last_object_.assign(object);
  last_slot_ = i;
  return i;
}

MinedTemplate TemplateStage::MineLevel(const LogRecordView& record) {
  Slot& slot = slots_[SlotOf(record.object)];
  if (!slot.format->settings.Mines(record.level)) return {};
  if (!slot.miner && !MakeMiner(slot).ok()) return {};  // checked in Make
  const TemplateMatch m = slot.miner->Add(record.message, record.time);
  slot.dirty = true;
  return MinedTemplate{m.id, m.created};
}

TemplateRef TemplateStage::Find(uint64_t id) const {
  for (const Slot& slot : slots_) {
    if (!slot.miner) continue;
    if (TemplateRef t = slot.miner->Ref(id); t.text) return t;
  }
  return {};
}

std::string TemplateStage::EncodeMeta() const {
  std::string meta;
  VarintWriter w(&meta);
  w.U(kMetaVersion);
  w.I(first_time_);
  return meta;
}

std::vector<std::pair<std::string, std::string>> TemplateStage::TakeStateChanges() {
  std::vector<std::pair<std::string, std::string>> changes;
  if (meta_dirty_) {
    changes.emplace_back(std::string(kMetaKey), EncodeMeta());
    meta_dirty_ = false;
  }
  for (Slot& slot : slots_) {
    if (!slot.dirty) continue;
    const std::string key = KeyOf(slot);
    auto chunks = Chunks(key, slot.miner->Encode());
    EmptyChunks(key, chunks.size(), slot.chunks, &chunks);
    slot.chunks = chunks.size();
    for (auto& kv : chunks) changes.push_back(std::move(kv));
    slot.dirty = false;
  }
  return changes;
}

std::map<std::string, std::string> TemplateStage::State() const {
  std::map<std::string, std::string> state;
  if (first_time_ != kNoTime) state.emplace(std::string(kMetaKey), EncodeMeta());
  for (const Slot& slot : slots_) {
    if (!slot.miner) continue;
    for (auto& [key, value] : Chunks(KeyOf(slot), slot.miner->Encode())) state.emplace(std::move(key), std::move(value));
  }
  return state;
}

Status TemplateStage::Restore(const std::map<std::string, std::string>& state) {
  if (auto it = state.find(std::string(kMetaKey)); it != state.end()) {
    VarintReader r(it->second);
    const uint64_t version = r.U();
    const TimeMs first = r.I();
    if (!r.ok() || version != kMetaVersion) return CorruptState(it->first);
    first_time_ = first;
  }
  for (Slot& slot : slots_) {
    const std::string key = KeyOf(slot);
    if (!state.contains(key)) continue;
    RETURN_IF_ERROR(MakeMiner(slot));
    if (Status s = slot.miner->Decode(JoinChunks(state, key, &slot.chunks)); !s.ok()) {
      return s.WithContext("processor state entry '" + key + "'");
    }
  }
  return Status::Ok();
}

}  // namespace logstream
