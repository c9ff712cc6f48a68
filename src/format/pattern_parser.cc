// kind = "pattern": a PatternLayout scanner per format.
#include "src/format/kinds.h"
#include "src/format/pattern_layout.h"

namespace logstream::format_internal {
namespace {

using Slot = PatternLayout::Slot;

bool SameSecond(const TimeParts& a, const TimeParts& b) {
  return a.year == b.year && a.month == b.month && a.day == b.day && a.yday == b.yday && a.hour == b.hour &&
         a.minute == b.minute && a.second == b.second && a.ampm == b.ampm && a.has_offset == b.has_offset &&
         a.offset_seconds == b.offset_seconds && !a.epoch && !b.epoch;
}

class PatternParser final : public LineParser {
 public:
  PatternParser(const FormatConfig& config, PatternLayout layout, LevelMap levels, Zone zone)
      : LineParser(config),
        layout_(std::move(layout)),
        levels_(std::move(levels)),
        zone_(std::move(zone)) {
    const auto& es = layout_.elements();
    bool has_logger = false;
    for (const auto& e : es) has_logger |= e.slot == Slot::kLogger;
    for (size_t i = 0; i < es.size(); ++i) {
      const int idx = static_cast<int>(i);
      switch (es[i].slot) {
        case Slot::kLevel:
          if (level_ < 0) level_ = idx;
          break;
        case Slot::kThread:
          if (thread_ < 0) thread_ = idx;
          break;
        case Slot::kLogger:
          if (logger_ < 0) logger_ = idx;
          break;
        case Slot::kMessage:
          if (message_ < 0) message_ = idx;
          break;
        case Slot::kClass:
          if (!has_logger && logger_ < 0)
            logger_ = idx;
          else
            fields_of_.emplace_back(idx, "class");
          break;
        case Slot::kFile:
          fields_of_.emplace_back(idx, "file");
          break;
        case Slot::kLine:
          fields_of_.emplace_back(idx, "line");
          break;
        case Slot::kMethod:
          fields_of_.emplace_back(idx, "method");
          break;
        case Slot::kRelative:
          fields_of_.emplace_back(idx, "relative");
          break;
        case Slot::kMdc:
          fields_of_.emplace_back(idx, es[i].key);
          break;
        case Slot::kDate:
          if (date_ < 0) date_ = idx;
          break;
        default:
          break;
      }
    }
    fields_.resize(fields_of_.size());
  }

 void StartObject(const ObjectContext& context) override {
    LineParser::StartObject(context);
    last_time_ok_ = false;  // another reference year, another date
  }

 protected:
  Status ParseLine(std::string_view line, LogLine* out, bool* starts_record) override {
    // A line whose time reads has the shape of a record: if the rest does
    // not match, it is a dead letter, not a continuation line.
    if (!layout_.MatchLine(line, &match_, &error_, starts_record)) return InvalidArgument(error_);
    *starts_record = true;
    const auto& v = match_.values;
    // Lines of one second differ in their milliseconds at most: resolve
    // the second once.
    const TimeParts& t = match_.time;
    if (last_time_ok_ && SameSecond(t, last_parts_)) {
      out->time = last_second_ + t.millis;
    } else {
      last_time_ok_ = false;
      if (Status s = ResolveTime(t, context_.reference, zone_, &out->time); !s.ok()) {
        return InvalidArgument("column 1: " + layout_.elements()[date_].text + ": " + s.message());
      }
      last_second_ = out->time - t.millis;
      last_parts_ = t;
      last_time_ok_ = true;
    }
    if (level_ >= 0) {
      auto level = levels_.Find(v[level_]);
      if (!level) {
        return InvalidArgument("column " + std::to_string(v[level_].data() - line.data() + 1) +
                               ": unknown level '" + std::string(v[level_].substr(0, 32)) +
                               "' (not in the standard level map; add it to the format's levels)");
      }
      out->level = *level;
    }
    if (thread_ >= 0) out->thread = v[thread_];
    if (logger_ >= 0) out->logger = v[logger_];
    if (message_ >= 0) out->message = v[message_];
    if (!fields_of_.empty()) {
      for (size_t f = 0; f < fields_of_.size(); ++f) fields_[f] = {fields_of_[f].second, v[fields_of_[f].first]};
      out->fields = std::span<const FieldView>(fields_);
    }
    return Status::Ok();
  }

 private:
  PatternLayout layout_;
  LevelMap levels_;
  Zone zone_;
  int date_ = -1, level_ = -1, thread_ = -1, logger_ = -1, message_ = -1;
  std::vector<std::pair<int, std::string>> fields_of_;
  PatternLayout::Match match_;
  TimeParts last_parts_;    // the last time resolved afresh
  TimeMs last_second_ = 0;  // what last_parts_ resolved to, without its millis
  bool last_time_ok_ = false;  // of this object (its reference year)
  std::vector<FieldView> fields_;  // keys of fields_of_, the line's values (views into it)
  std::string error_;
};

}  // namespace

Result<std::unique_ptr<LineParser>> MakePatternParser(const FormatConfig& config) {
  ASSIGN_OR_RETURN(PatternLayout layout, PatternLayout::Compile(config.pattern));
  LevelMap levels;
  for (const auto& [w, l] : config.levels) RETURN_IF_ERROR(levels.Add(w, l));
  std::string zone_name = config.timezone;
  for (const auto& e : layout.elements()) {
    if (e.slot == Slot::kDate) {
      if (!e.date_zone.empty()) zone_name = e.date_zone;
      break;
    }
  }
  ASSIGN_OR_RETURN(Zone zone, Zone::Parse(zone_name));
  return std::unique_ptr<LineParser>(
      new PatternParser(config, std::move(layout), std::move(levels), std::move(zone)));
}

}  // namespace logstream::format_internal
