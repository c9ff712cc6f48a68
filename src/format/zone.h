// Zone: the time zone of a format's local times, UTC, a fixed offset
// ("+05:30", "-0800") or an IANA name ("Europe/Paris", read through cctz
// from the system's zoneinfo). Copyable; a copy is used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "src/base/status.h"

namespace logstream {

class Zone {
 public:
  Zone() = default;  // UTC

  // "UTC", "Z", "+HH:MM", "-HHMM", "+HH" or an IANA name; InvalidArgument
  // saying what is allowed otherwise.
  static Result<Zone> Parse(std::string_view name);
  // A fixed offset east of UTC.
  static Zone Fixed(int32_t offset_seconds);

  // The UTC seconds of a local time given as seconds since 1970-01-01T00:00
  // local. A local time that a DST change repeats takes its first instant;
  // one it skips is read with the offset before the change.
  int64_t ToUtc(int64_t local_seconds);

  bool utc() const { return tz_ == nullptr && offset_ == 0; }
  const std::string& name() const { return name_; }

 private:
  struct Iana;
  std::string name_ = "UTC";
  int32_t offset_ = 0;        // fixed zones
  std::shared_ptr<Iana> tz_;  // IANA zones
  // The offset of local day cache_day_ when the whole day has one offset.
  int64_t cache_day_ = INT64_MIN;
  int32_t cache_offset_ = 0;
};

}  // namespace logstream
