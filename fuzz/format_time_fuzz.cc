// TimeFormat (src/format/time_format.h): strftime and Java layouts compiled
// from any text, the times they read, ResolveTime with years and dates from a
// reference, in UTC, fixed offsets and IANA zones; Zone::Parse on any name.
// Input: one option byte (bit 0: Java letters; bits 1-2: reference none,
// 2017-12-31, 1970-01-01, 9999-12-31; bits 3-4: zone UTC, -08:00,
// America/New_York, the name in the input), a zone name up to '\n' (used when
// bits 3-4 are 3), the layout up to '\n', then the text.
// Invariants: reading stops inside the text; an error points inside it;
// reading the same text twice gives the same parts and time.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/format/time_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  fuzz::Input in(data, size);
  const uint8_t flags = in.Byte();
  const std::string_view zone_name = in.Until('\n');
  const std::string_view layout = in.Until('\n');
  const std::string_view text = in.Rest();
  auto zone_parsed = Zone::Parse(zone_name);  // any name: no crash, no file outside zoneinfo
  auto format = (flags & 1) ? TimeFormat::FromJava(layout) : TimeFormat::FromStrftime(layout);
  if (!format) return 0;
  constexpr TimeMs kReferences[] = {-1, 1514678400000, 0, 253402214400000};
  const TimeMs reference = kReferences[(flags >> 1) & 3];
  Zone zone;
  switch ((flags >> 3) & 3) {
    case 1: zone = Zone::Fixed(-8 * 3600); break;
    case 2: zone = *Zone::Parse("America/New_York"); break;
    case 3: if (zone_parsed) zone = *zone_parsed; break;
  }
  const char* end = text.data() + text.size();
  for (int round = 0; round < 2; ++round) {
    TimeParts parts;
    TimeError error;
    const char* q = format->Parse(text.data(), end, &parts, &error);
    if (q == nullptr) {
      fuzz::Check(error.at >= text.data() && error.at <= end, "an error outside the text");
      return 0;
    }
    fuzz::Check(q >= text.data() && q <= end, "read past the text");
    TimeMs t1 = 0, t2 = 0;
    const bool ok1 = ResolveTime(parts, reference, zone, &t1).ok();
    const bool ok2 = ResolveTime(parts, reference, zone, &t2).ok();
    fuzz::Check(ok1 == ok2 && (!ok1 || t1 == t2), "ResolveTime differs on the same parts");
  }
  return 0;
}
