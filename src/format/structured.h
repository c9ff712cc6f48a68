// Internal to src/format: what json and logfmt share, the mapping of keys to
// the record's time, level, message, thread and logger.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/format/kinds.h"

namespace logstream::format_internal {

// One key and value of a line.
struct Item {
  std::string_view key;
  std::string_view value;
  bool number = false;  // a JSON number (or logfmt digits), value holds its text
  double number_value = 0;
};

class KeyMapper {
 public:
  enum Role { kTime, kLevel, kMessage, kThread, kLogger, kRoles };

  explicit KeyMapper(const FormatConfig& config);

  // Fills the record from `items`: the mapped ones to their places, the
  // rest to *fields. InvalidArgument without a time, or with a time or
  // level that does not parse.
  Status Map(std::span<const Item> items, const ObjectContext& context, LogLine* out,
             FieldBuffer* fields);

  // The keys tried for the time ("time, timestamp, @timestamp, ts").
  std::string KeyList(Role role) const;

 private:
  std::vector<std::string> keys_[kRoles];
  std::optional<TimeFormat> time_format_;
  LevelMap levels_;
  Zone zone_;
  std::vector<int8_t> role_of_scratch_;
  friend Result<KeyMapper> MakeKeyMapper(const FormatConfig& config);
};

Result<KeyMapper> MakeKeyMapper(const FormatConfig& config);

}  // namespace logstream::format_internal
