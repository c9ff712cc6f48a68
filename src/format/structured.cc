#include "src/format/structured.h"

#include <cmath>

namespace logstream::format_internal {

KeyMapper::KeyMapper(const FormatConfig& c) {
  auto set = [&](Role r, const std::string& given, const std::vector<std::string>& defaults) {
    keys_[r] = given.empty() ? defaults : std::vector<std::string>{given};
  };
  set(kTime, c.time_field, kTimeKeys);
  set(kLevel, c.level_field, kLevelKeys);
  set(kMessage, c.message_field, kMessageKeys);
  set(kThread, c.thread_field, kThreadKeys);
  set(kLogger, c.logger_field, kLoggerKeys);
}

Result<KeyMapper> MakeKeyMapper(const FormatConfig& config) {
  KeyMapper m(config);
  if (!config.time_format.empty()) {
    ASSIGN_OR_RETURN(m.time_format_, TimeFormat::FromStrftime(config.time_format));
  }
  for (const auto& [w, l] : config.levels) RETURN_IF_ERROR(m.levels_.Add(w, l));
  ASSIGN_OR_RETURN(m.zone_, Zone::Parse(config.timezone));
  return m;
}

std::string KeyMapper::KeyList(Role role) const {
  std::string s;
  for (const std::string& k : keys_[role]) s += (s.empty() ? "" : ", ") + k;
  return s;
}

namespace {
// pino / bunyan numeric levels.
std::optional<Level> NumericLevel(double v) {
  if (!(v >= 10 && v <= 60) || v != std::floor(v)) return std::nullopt;
  switch (static_cast<int>(v)) {
    case 10:
      return Level::kTrace;
    case 20:
      return Level::kDebug;
    case 30:
      return Level::kInfo;
    case 40:
      return Level::kWarn;
    case 50:
      return Level::kError;
    case 60:
      return Level::kFatal;
  }
  return std::nullopt;
}
}  // namespace

Status KeyMapper::Map(std::span<const Item> items, const ObjectContext& context, LogLine* out,
                      FieldBuffer* fields) {
  // For each role, the item of the most preferred key present.
  int chosen[kRoles];
  size_t rank[kRoles];
  for (int r = 0; r < kRoles; ++r) chosen[r] = -1, rank[r] = SIZE_MAX;
  std::vector<int8_t>& role_of = role_of_scratch_;
  role_of.assign(items.size(), -1);
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string_view k = items[i].key;
    for (int r = 0; r < kRoles; ++r) {
      const auto& keys = keys_[r];
      for (size_t j = 0; j < keys.size() && j < rank[r]; ++j) {
        if (keys[j].size() == k.size() && keys[j] == k) {
          chosen[r] = static_cast<int>(i);
          rank[r] = j;
          break;
        }
      }
    }
  }
  for (int r = 0; r < kRoles; ++r) {
    if (chosen[r] >= 0) role_of[static_cast<size_t>(chosen[r])] = static_cast<int8_t>(r);
  }
  if (chosen[kTime] < 0) return InvalidArgument("no time: none of the keys " + KeyList(kTime));
  const Item& t = items[static_cast<size_t>(chosen[kTime])];
  if (t.number) {
    const std::optional<TimeMs> ms = EpochToMs(t.number_value);
    if (!ms) return InvalidArgument("key '" + std::string(t.key) + "': not an epoch time");
    out->time = *ms;
  } else if (Status s = ParseTextTime(t.value, time_format_ ? &*time_format_ : nullptr,
                                      context.reference, zone_, &out->time);
             !s.ok()) {
    return InvalidArgument("key '" + std::string(t.key) + "': " + s.message());
  }
  if (chosen[kLevel] >= 0) {
    const Item& l = items[static_cast<size_t>(chosen[kLevel])];
    std::optional<Level> level = l.number ? NumericLevel(l.number_value) : levels_.Find(l.value);
    if (!level) {
      return InvalidArgument("key '" + std::string(l.key) + "': unknown level '" +
                             std::string(l.value.substr(0, 32)) +
                             "' (not in the standard level map; add it to the format's levels)");
    }
    out->level = *level;
  }
  if (chosen[kMessage] >= 0) out->message = items[static_cast<size_t>(chosen[kMessage])].value;
  if (chosen[kThread] >= 0) out->thread = items[static_cast<size_t>(chosen[kThread])].value;
  if (chosen[kLogger] >= 0) out->logger = items[static_cast<size_t>(chosen[kLogger])].value;
  fields->Clear();
  for (size_t i = 0; i < items.size(); ++i) {
    if (role_of[i] < 0) fields->Add(items[i].key, items[i].value);
  }
  if (!fields->empty()) out->fields = fields->Views();
  return Status::Ok();
}

}  // namespace logstream::format_internal
