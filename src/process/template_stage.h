// TemplateStage: the log templates of one partition's records, mined as they
// are processed (src/template/miner.h). Each record is mined by the miner of
// its format (the first [[formats]] entry whose `match` matches its object
// key, else the built-in format's), when its level is one of that format's
// template_levels; the miner is made on the first such record.
//
// Deterministic: ids depend only on the settings and the order of the
// partition's records, so a replay from the committed state gives the same
// ids. The state (every miner, and the first event time seen, which starts
// the new_template warm-up) is saved as entries "templates/meta" and
// "templates/f/FORMAT" (in chunks: "templates/f/FORMAT/1", ...) beside the
// window state, committed with it.
//
// Not thread-safe; one per WindowEngine.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/format/format_config.h"
#include "src/record/log_record.h"
#include "src/template/miner.h"
#include "src/template/template_settings.h"

namespace logstream {

// The template settings of each format, in [[formats]] order.
struct TemplateFormat {
  std::string name;
  std::string match;  // glob on the object key; empty: every object
  TemplateSettings settings;
};
struct TemplateOptions {
  bool enabled = true;
  std::vector<TemplateFormat> formats;
  TemplateSettings fallback = {};  // of records no format matches
  size_t max_templates = TemplateMinerOptions{}.max_templates;  // per format and partition
};

// The template settings of `formats` ([[formats]]).
TemplateOptions TemplateOptionsFor(const std::vector<FormatConfig>& formats);

struct MinedTemplate {
  uint64_t id = 0;       // 0: the record was not mined
  bool created = false;  // its first record
};

class TemplateStage {
 public:
  // InvalidArgument naming the format whose settings are wrong.
  static Result<std::unique_ptr<TemplateStage>> Make(const TemplateOptions& options);

  // Mines `record` when its format mines its level; every record counts
  // for first_time().
  MinedTemplate Mine(const LogRecordView& record) {
    if (first_time_ == kNoTime || record.time < first_time_) {
      first_time_ = record.time;
      meta_dirty_ = true;
    }
    if (!((mined_levels_ >> static_cast<int>(record.level)) & 1)) return {};  // no format mines it
    return MineLevel(record);
  }

  // The earliest event time mined or seen (kNoTime before any record).
  static constexpr TimeMs kNoTime = INT64_MIN;
  TimeMs first_time() const { return first_time_; }
  // The template `id` as one of the miners holds it (text nullptr: none does).
  TemplateRef Find(uint64_t id) const;

  // Entries changed since the last call (key -> value), and all of them.
  std::vector<std::pair<std::string, std::string>> TakeStateChanges();
  std::map<std::string, std::string> State() const;
  // Restores from the entries (others are ignored). DataLoss when corrupt;
  // InvalidArgument when a format's miner was saved with another depth.
  Status Restore(const std::map<std::string, std::string>& state);

  static constexpr std::string_view kPrefix = "templates/";

 private:
  struct Slot {
    const TemplateFormat* format;
    std::unique_ptr<TemplateMiner> miner;  // on its first record
    bool dirty = false;
    size_t chunks = 0;  // of its state entry, as last written
  };
  explicit TemplateStage(TemplateOptions options);
  size_t SlotOf(std::string_view object);
  MinedTemplate MineLevel(const LogRecordView& record);
  Status MakeMiner(Slot& slot) const;
  std::string KeyOf(const Slot& slot) const;
  std::string EncodeMeta() const;

  TemplateOptions options_;
  TemplateFormat fallback_;
  std::vector<Slot> slots_;  // formats, then the fallback
  std::string last_object_;
  size_t last_slot_ = 0;
  uint32_t mined_levels_ = 0;  // bit per level some format mines
  TimeMs first_time_ = kNoTime;
  bool meta_dirty_ = false;
};

}  // namespace logstream
