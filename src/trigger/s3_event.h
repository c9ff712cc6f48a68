// AWS S3 event notifications: the JSON that S3 (and S3-compatible stores)
// send to webhooks, SQS, SNS and Lambda when an object changes, and the
// reverse, so that local sources and tests can produce the same messages.
//
// Accepted message shapes:
//   - {"Records":[{...}, ...]}: the S3 event notification. Every record's
//     eventName, eventTime, s3.bucket.name, s3.object.key (URL-encoded, '+' is
//     a space), s3.object.size and s3.object.eTag are read. Only records whose
//     eventName starts with "ObjectCreated:" become ObjectEvents; the others
//     (ObjectRemoved:*, ObjectRestore:*, ...) are skipped and counted. Fields
//     of skipped records are not required. Event names of S3-compatible stores
//     ("s3:ObjectCreated:Put", MinIO, versitygw) are accepted and reported
//     without the "s3:" prefix; an eTag of null (no etag known) becomes "".
//   - {"Service":"Amazon S3","Event":"s3:TestEvent",...}: the message S3 sends
//     when a notification is configured; recognised and ignored.
//   - {"Type":"Notification","Message":"<one of the above, as a string>"}: the
//     SNS envelope (also what SQS delivers for SNS-fanned-out events).
//   - {"source":"aws.s3","detail-type":"Object Created","time":...,"detail":
//     {"bucket":{"name":...},"object":{"key":...,"size":...,"etag":...},
//     "reason":...}}: an Amazon EventBridge event (to Lambda directly or
//     through SQS). Its key is not URL-encoded; size and etag may be absent;
//     the event name is "ObjectCreated:" + reason. Other detail-types of
//     aws.s3 (Object Deleted, ...) are skipped and counted.
// Anything else, malformed JSON, a wrong field type or an ObjectCreated record
// missing a required field is InvalidArgument with a message naming the
// record and the field; the caller reports it in dead-letter.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "src/base/status.h"
#include "src/trigger/event_source.h"

namespace logstream {

// What one notification message held.
struct S3EventMessage {
  std::vector<ObjectEvent> events;  // ObjectCreated:* records, in message order
  size_t skipped = 0;               // records of other event types
  bool test_event = false;          // the message was an s3:TestEvent

  bool operator==(const S3EventMessage&) const = default;
};

// Parses notification messages. Reuse one parser (it keeps its buffers); not
// thread-safe: one parser per thread.
class S3EventParser {
 public:
  Result<S3EventMessage> Parse(std::string_view json);

 private:
  Result<S3EventMessage> ParseDepth(std::string_view json, int depth);

  simdjson::ondemand::parser parser_;
  std::string buffer_;  // padded copy of the input
};

// One-shot convenience (allocates a parser per call).
Result<S3EventMessage> ParseS3EventMessage(std::string_view json);

// Decodes an S3 event key: "%XX" is the byte 0xXX (hex digits of either
// case), '+' is a space, everything else stands for itself. A '%' not
// followed by two hex digits is InvalidArgument.
Result<std::string> UrlDecodeKey(std::string_view encoded);

// Encodes a key as S3 does in events: A-Z a-z 0-9 - _ . ~ and '/' stay, a
// space becomes '+', every other byte becomes "%XX" (upper-case hex).
// UrlDecodeKey(UrlEncodeKey(k)) == k for every k.
std::string UrlEncodeKey(std::string_view key);

// The events as one S3 event notification message ({"Records":[...]}, event
// version 2.1, keys URL-encoded, times RFC 3339 with milliseconds). Parse of
// the result gives the events back.
std::string ObjectEventsToS3Json(const std::vector<ObjectEvent>& events);

}  // namespace logstream
