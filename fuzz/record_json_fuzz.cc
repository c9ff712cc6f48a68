// Record JSON (src/record/json.h): RecordDecoder's Decode, DecodeView and
// DecodeInPlace (in-order fast path and any-order fallback), as the
// processor and `log tail` read records from a topic; and AppendJsonString.
// Input: the JSON.
// Invariants: the three decode calls agree, also with a decoder reused
// across inputs; a decoded record is what a plain JSON parser (simdjson DOM)
// reads from the same text (when it reads it); a decoded record written back with
// AppendRecordJson decodes to itself; AppendJsonString of any bytes is a
// valid JSON string that reads back as those bytes when they are UTF-8.
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "src/record/json.h"

namespace logstream {
namespace {

using fuzz::Check;

bool Same(const LogRecordView& a, const LogRecordView& b) {
  return a.source == b.source && a.object == b.object && a.offset == b.offset && a.time == b.time &&
         a.level == b.level && a.thread == b.thread && a.logger == b.logger && a.message == b.message;
}

// The record as simdjson's DOM reads it: the eight fields, each once.
bool DomRecord(std::string_view json, simdjson::dom::parser& parser, LogRecord* out, bool* unique) {
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return false;
  simdjson::dom::object obj;
  if (doc.get(obj)) return false;
  int seen[8] = {};
  static constexpr std::string_view kNames[] = {"source", "object", "offset", "time",
                                                "level",  "thread", "logger", "message"};
  for (auto [k, v] : obj) {
    for (int i = 0; i < 8; ++i) {
      if (k == kNames[i]) ++seen[i];
    }
  }
  *unique = true;
  for (int n : seen) *unique = *unique && n == 1;
  std::string_view s;
  if (obj["source"].get(s)) return false;
  out->source = s;
  if (obj["object"].get(s)) return false;
  out->object = s;
  if (obj["offset"].get(out->offset)) return false;
  if (obj["time"].get(s)) return false;
  auto t = ParseRfc3339(s);
  if (!t) return false;
  out->time = *t;
  if (obj["level"].get(s)) return false;
  auto level = ParseLevel(s);
  if (!level) return false;
  out->level = *level;
  if (obj["thread"].get(s)) return false;
  out->thread = s;
  if (obj["logger"].get(s)) return false;
  out->logger = s;
  if (obj["message"].get(s)) return false;
  out->message = s;
  return true;
}

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  const std::string_view json(reinterpret_cast<const char*>(data), size);

  static RecordDecoder reused;  // keeps the date of the previous input's time
  RecordDecoder fresh;
  auto a = fresh.Decode(json);
  auto b = reused.DecodeView(json);
  std::string padded(json);
  padded.resize(json.size() + RecordDecoder::kPadding, ' ');
  RecordDecoder in_place;
  LogRecordView c;
  Status cs =
      in_place.DecodeInPlace(std::string_view(padded.data(), json.size()), RecordDecoder::kPadding, &c);
  Check(a.has_value() == b.has_value() && a.has_value() == cs.ok(), "decode calls disagree");
  if (a) {
    Check(Same(ViewOf(*a), *b) && Same(ViewOf(*a), c), "decode calls disagree on the record");
    // On-Demand does not validate what it skips (fields it ignores, bytes
    // after the object), so only JSON that the DOM reads is compared.
    simdjson::dom::parser parser;
    LogRecord dom;
    bool unique = false;
    if (DomRecord(json, parser, &dom, &unique) && unique) {
      Check(dom == *a, "decoded record differs from the JSON's fields", json);
    }
    constexpr TimeMs kMin = DaysFromCivil(0, 1, 1) * 86400000, kMax = DaysFromCivil(10000, 1, 1) * 86400000;
    if (a->time >= kMin && a->time < kMax) {
      const std::string written = RecordToJson(*a);
      auto back = fresh.Decode(written);
      Check(back.has_value() && *back == *a, "record changed through RecordToJson", written);
    }
  }

  std::string literal;
  AppendJsonString(json, &literal);
  simdjson::dom::parser parser;
  std::string_view s;
  Check(parser.parse(literal).get(s) == simdjson::SUCCESS, "AppendJsonString wrote invalid JSON", literal);
  if (simdjson::validate_utf8(json.data(), json.size())) {
    Check(s == json, "AppendJsonString changed valid UTF-8");
  }
  return 0;
}
