// S3 event notification JSON (src/trigger/s3_event.h): direct
// notifications ({"Records":[...]}, AWS and S3-compatible event names),
// s3:TestEvent, and the SNS envelope (what SQS delivers for SNS fan-out),
// as the webhook, SQS and Lambda sources receive them. (No EventBridge
// shape is parsed in src/trigger.)
// Input: the message.
// Invariants: a parser reused across messages answers as a fresh one; the
// events written back with ObjectEventsToS3Json parse to the same events;
// UrlDecodeKey(UrlEncodeKey(k)) == k for any bytes.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/trigger/s3_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  using fuzz::Check;
  const std::string_view json(reinterpret_cast<const char*>(data), size);

  static S3EventParser reused;  // as the sources keep theirs
  auto r = reused.Parse(json);
  auto fresh = ParseS3EventMessage(json);
  Check(r.has_value() == fresh.has_value(), "reused and fresh parser disagree");
  if (!r) {
    Check(r.error().message() == fresh.error().message(), "reused and fresh parser disagree on the error");
    Check(r.error().code() == StatusCode::kInvalidArgument, "parse error is not InvalidArgument");
  } else {
    Check(*r == *fresh, "reused and fresh parser disagree on the events");
    constexpr TimeMs kMin = DaysFromCivil(0, 1, 1) * 86400000, kMax = DaysFromCivil(10000, 1, 1) * 86400000;
    std::vector<ObjectEvent> round;
    for (const ObjectEvent& e : r->events) {
      Check(!e.key.empty() && !e.bucket.empty(), "event without key or bucket");
      Check(e.event_name.starts_with("ObjectCreated:"), "event that is not ObjectCreated", e.event_name);
      if (e.event_time < kMin || e.event_time >= kMax) continue;
      if (e.etag.size() >= 2 && e.etag.front() == '"' && e.etag.back() == '"') continue;  // unquoted once
      round.push_back(e);
    }
    if (!round.empty()) {
      const std::string written = ObjectEventsToS3Json(round);
      auto back = ParseS3EventMessage(written);
      Check(back.has_value(), "ObjectEventsToS3Json wrote a message Parse rejects",
            written + " <- " + (back ? "" : back.error().message()));
      Check(back->events == round && back->skipped == 0, "events changed through ObjectEventsToS3Json",
            written);
    }
  }

  const std::string encoded = UrlEncodeKey(json);
  auto decoded = UrlDecodeKey(encoded);
  Check(decoded.has_value() && *decoded == json, "UrlDecodeKey(UrlEncodeKey(k)) != k");
  (void)UrlDecodeKey(json);
  return 0;
}
