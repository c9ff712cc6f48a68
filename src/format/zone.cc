#include "src/format/zone.h"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "src/base/time.h"

namespace logstream {

struct Zone::Iana {
  cctz::time_zone tz;
};

namespace {

bool Digits2(std::string_view s, size_t pos, int* out) {
  if (pos + 2 > s.size() || s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' || s[pos + 1] > '9') {
    return false;
  }
  *out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// "+HH:MM", "+HHMM", "+HH" (or '-'); nullopt when it is none of those.
std::optional<int32_t> ParseOffset(std::string_view s) {
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  int hh = 0, mm = 0;
  if (!Digits2(s, 1, &hh)) return std::nullopt;
  if (s.size() == 6 && s[3] == ':') {
    if (!Digits2(s, 4, &mm)) return std::nullopt;
  } else if (s.size() == 5) {
    if (!Digits2(s, 3, &mm)) return std::nullopt;
  } else if (s.size() != 3) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59) return std::nullopt;
  return (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
}

int64_t Seconds(const cctz::time_point<cctz::seconds>& tp) {
  return std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count();
}

cctz::civil_second CivilOf(int64_t local_seconds) {
  const int64_t days = FloorDiv(local_seconds, 86400);
  const int64_t sod = local_seconds - days * 86400;
  const CivilDate d = CivilFromDays(days);
  return cctz::civil_second(d.year, d.month, d.day, sod / 3600, sod / 60 % 60, sod % 60);
}

}  // namespace

Zone Zone::Fixed(int32_t offset_seconds) {
  Zone z;
  z.offset_ = offset_seconds;
  if (offset_seconds != 0) {
    const int32_t a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%c%02d:%02d", offset_seconds < 0 ? '-' : '+', a / 3600,
                  a / 60 % 60);
    z.name_ = buf;
  }
  return z;
}

Result<Zone> Zone::Parse(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "Z" || name == "GMT" || name == "Etc/UTC") {
    return Zone();
  }
  if (auto off = ParseOffset(name)) return Fixed(*off);
  cctz::time_zone tz;
  if (name.find("..") != std::string_view::npos || name.starts_with("/") ||
      !cctz::load_time_zone(std::string(name), &tz)) {
    return Err(InvalidArgument("unknown time zone '" + std::string(name) +
                               "' (want UTC, an offset such as +05:30, or an IANA name such as "
                               "Europe/Paris)"));
  }
  Zone z;
  z.name_ = std::string(name);
  z.tz_ = std::make_shared<Iana>(Iana{tz});
  return z;
}

int64_t Zone::ToUtc(int64_t local_seconds) {
  if (tz_ == nullptr) return local_seconds - offset_;
  const int64_t day = FloorDiv(local_seconds, 86400);
  if (day == cache_day_) return local_seconds - cache_offset_;
  const cctz::time_zone& tz = tz_->tz;
  const auto lookup = tz.lookup(CivilOf(local_seconds));
  const int64_t utc = Seconds(lookup.pre);
  // Cache the day's offset when its start and its end have the same one.
  const auto start = tz.lookup(CivilOf(day * 86400));
  const auto end = tz.lookup(CivilOf(day * 86400 + 86399));
  if (start.kind == cctz::time_zone::civil_lookup::UNIQUE &&
      end.kind == cctz::time_zone::civil_lookup::UNIQUE &&
      day * 86400 - Seconds(start.pre) == day * 86400 + 86399 - Seconds(end.pre)) {
    cache_day_ = day;
    cache_offset_ = static_cast<int32_t>(day * 86400 - Seconds(start.pre));
  }
  return utc;
}

}  // namespace logstream
