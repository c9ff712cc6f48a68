#include "src/trigger/s3_event.h"

#include <optional>
#include <utility>

#include "src/base/ascii.h"
#include "src/record/json.h"

namespace logstream {
namespace {

using simdjson::ondemand::value;

constexpr std::string_view kCreatedPrefix = "ObjectCreated:";

Status Bad(std::string_view what) {
  return InvalidArgument("S3 event notification: " + std::string(what));
}

// An error met while reading the value at path: a wrong type, or broken JSON.
Status ValueError(std::string_view path, std::string_view expected, simdjson::error_code e) {
  if (e == simdjson::INCORRECT_TYPE) {
    return Bad(std::string(path) + " is not " + std::string(expected));
  }
  return Bad("malformed JSON at " + std::string(path) + " (" + simdjson::error_message(e) + ")");
}

std::string Join(std::string_view path, std::string_view key) {
  std::string s(path);
  if (!s.empty()) s += '.';
  s += key;
  return s;
}

// Calls fn(key, value&) for each field of the object v (at path); stops at
// the first error.
template <typename Fn>
Status ForEachField(simdjson::ondemand::object& obj, std::string_view path, Fn&& fn) {
  for (auto f : obj) {
    simdjson::ondemand::field field;
    if (auto e = std::move(f).get(field)) return ValueError(path, "an object", e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return ValueError(path, "an object", e);
    RETURN_IF_ERROR(fn(key, field.value()));
  }
  return Status::Ok();
}

template <typename Fn>
Status ForEachField(value& v, std::string_view path, Fn&& fn) {
  simdjson::ondemand::object obj;
  if (auto e = v.get_object().get(obj)) return ValueError(path, "an object", e);
  return ForEachField(obj, path, std::forward<Fn>(fn));
}

Status GetString(value& v, std::string_view path, std::optional<std::string>* out) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return ValueError(path, "a string", e);
  *out = std::string(s);
  return Status::Ok();
}

// The fields of one record that matter here; each is absent until seen.
struct RecordFields {
  std::optional<std::string> event_name;
  std::optional<std::string> event_time;
  std::optional<std::string> bucket;
  std::optional<std::string> key;  // URL-encoded
  std::optional<uint64_t> size;
  std::optional<std::string> etag;
  std::optional<std::string> reason;  // EventBridge: PutObject, CompleteMultipartUpload, ...
};

Status ReadObjectFields(value& v, const std::string& path, RecordFields* r) {
  return ForEachField(v, path, [&](std::string_view k, value& f) -> Status {
    if (k == "key") return GetString(f, Join(path, k), &r->key);
    if (k == "eTag" || k == "etag") {  // EventBridge spells it "etag"
      // S3-compatible stores may send null when they have no etag.
      simdjson::ondemand::json_type type;
      if (f.type().get(type) == simdjson::SUCCESS && type == simdjson::ondemand::json_type::null) {
        r->etag = "";
        return Status::Ok();
      }
      return GetString(f, Join(path, k), &r->etag);
    }
    if (k == "size") {
      uint64_t n;
      if (auto e = f.get_uint64().get(n)) {
        return ValueError(Join(path, k), "a non-negative integer", e);
      }
      r->size = n;
    }
    return Status::Ok();
  });
}

Status ReadS3Fields(value& v, const std::string& path, RecordFields* r) {
  return ForEachField(v, path, [&](std::string_view k, value& f) -> Status {
    if (k == "bucket") {
      const std::string bucket_path = Join(path, k);
      return ForEachField(f, bucket_path, [&](std::string_view k2, value& f2) -> Status {
        return k2 == "name" ? GetString(f2, Join(bucket_path, k2), &r->bucket) : Status::Ok();
      });
    }
    if (k == "object") return ReadObjectFields(f, Join(path, k), r);
    if (k == "reason") return GetString(f, Join(path, k), &r->reason);
    return Status::Ok();
  });
}

// Parses Records[index] into out (an event, or a skipped count).
Status ParseRecord(value& v, size_t index, S3EventMessage* out) {
  const std::string path = "Records[" + std::to_string(index) + "]";
  RecordFields r;
  RETURN_IF_ERROR(ForEachField(v, path, [&](std::string_view k, value& f) -> Status {
    if (k == "eventName") return GetString(f, Join(path, k), &r.event_name);
    if (k == "eventTime") return GetString(f, Join(path, k), &r.event_time);
    if (k == "s3") return ReadS3Fields(f, Join(path, k), &r);
    return Status::Ok();
  }));

  if (!r.event_name) return Bad(path + ": missing eventName");
  // MinIO and versitygw write event names as in bucket configurations
  // ("s3:ObjectCreated:Put"); AWS writes "ObjectCreated:Put".
  if (r.event_name->starts_with("s3:")) r.event_name->erase(0, 3);
  if (!r.event_name->starts_with(kCreatedPrefix)) {
    ++out->skipped;
    return Status::Ok();
  }
  auto missing = [&](std::string_view field) {
    return Err(Bad(path + " (" + *r.event_name + "): missing " + std::string(field)));
  };
  if (!r.event_time) return missing("eventTime");
  if (!r.bucket) return missing("s3.bucket.name");
  if (!r.key) return missing("s3.object.key");
  if (!r.size) return missing("s3.object.size");
  if (!r.etag) return missing("s3.object.eTag");

  ObjectEvent event;
  event.event_name = std::move(*r.event_name);
  event.bucket = std::move(*r.bucket);
  if (event.bucket.empty()) return Bad(path + ".s3.bucket.name is empty");
  auto key = UrlDecodeKey(*r.key);
  if (!key) return Bad(path + ".s3.object.key: " + key.error().message());
  if (key->empty()) return Bad(path + ".s3.object.key is empty");
  event.key = std::move(*key);
  event.size = *r.size;
  std::string_view etag = *r.etag;
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  event.etag = std::string(etag);
  auto time = ParseRfc3339(*r.event_time);
  if (!time) return Bad(path + ".eventTime: " + time.error().message());
  event.event_time = *time;
  out->events.push_back(std::move(event));
  return Status::Ok();
}

// An EventBridge event of aws.s3, its detail read.
Result<S3EventMessage> EventBridgeEvent(const std::string& detail_type, const std::optional<std::string>& time,
                                        RecordFields detail) {
  S3EventMessage out;
  if (detail_type != "Object Created") {  // Object Deleted, Object Restore Completed, ...
    ++out.skipped;
    return out;
  }
  auto missing = [](std::string_view field) {
    return Err(Bad("EventBridge \"Object Created\" event: missing " + std::string(field)));
  };
  if (!time) return missing("time");
  if (!detail.bucket || detail.bucket->empty()) return missing("detail.bucket.name");
  if (!detail.key || detail.key->empty()) return missing("detail.object.key");
  ObjectEvent event;
  event.event_name = "ObjectCreated:" + detail.reason.value_or("Put");
  event.bucket = std::move(*detail.bucket);
  event.key = std::move(*detail.key);  // not URL-encoded in EventBridge events
  event.size = detail.size.value_or(0);
  event.etag = detail.etag.value_or("");
  auto t = ParseRfc3339(*time);
  if (!t) return Err(Bad("EventBridge event time: " + t.error().message()));
  event.event_time = *t;
  out.events.push_back(std::move(event));
  return out;
}

}  // namespace

Result<std::string> UrlDecodeKey(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int hi = i + 1 < encoded.size() ? AsciiHexValue(encoded[i + 1]) : -1;
      const int lo = i + 2 < encoded.size() ? AsciiHexValue(encoded[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Err(InvalidArgument("bad URL escape at byte " + std::to_string(i) + " of \"" +
                                   std::string(encoded.substr(0, 200)) +
                                   "\": '%' must be followed by two hex digits"));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

std::string UrlEncodeKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

Result<S3EventMessage> S3EventParser::Parse(std::string_view json) { return ParseDepth(json, 0); }

Result<S3EventMessage> S3EventParser::ParseDepth(std::string_view json, int depth) {
  buffer_.assign(json);
  buffer_.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (auto e = parser_.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc)) {
    return Err(Bad(std::string("not valid JSON (") + simdjson::error_message(e) + ")"));
  }
  simdjson::ondemand::object root;
  if (auto e = doc.get_object().get(root)) {
    if (e == simdjson::INCORRECT_TYPE) return Err(Bad("the message is not a JSON object"));
    return Err(Bad(std::string("not valid JSON (") + simdjson::error_message(e) + ")"));
  }

  S3EventMessage out;
  bool has_records = false, has_detail = false;
  std::optional<std::string> event, type, message, detail_type, source, time;
  RecordFields detail;
  RETURN_IF_ERROR(ForEachField(root, "message", [&](std::string_view k, value& f) -> Status {
    if (k == "Records") {
      has_records = true;
      simdjson::ondemand::array records;
      if (auto e = f.get_array().get(records)) return ValueError("Records", "an array", e);
      size_t index = 0;
      for (auto r : records) {
        value record;
        if (auto e = std::move(r).get(record)) {
          return ValueError("Records[" + std::to_string(index) + "]", "an object", e);
        }
        RETURN_IF_ERROR(ParseRecord(record, index++, &out));
      }
      return Status::Ok();
    }
    if (k == "Event") return GetString(f, k, &event);
    if (k == "detail-type") return GetString(f, k, &detail_type);
    if (k == "source") return GetString(f, k, &source);
    if (k == "time") return GetString(f, k, &time);
    if (k == "detail") {
      has_detail = true;
      return ReadS3Fields(f, "detail", &detail);
    }
    if (k == "Type") return GetString(f, k, &type);
    if (k == "Message") return GetString(f, k, &message);
    return Status::Ok();
  }));
  // The whole object was consumed: anything left is trailing garbage.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return Err(Bad("unexpected content after the JSON object"));
  }

  if (has_records) return out;
  if (source == "aws.s3" && detail_type && has_detail) return EventBridgeEvent(*detail_type, time, std::move(detail));
  if (event == "s3:TestEvent") {
    out.test_event = true;
    return out;
  }
  if (type == "Notification" && message && depth == 0) {
    auto inner = ParseDepth(*message, depth + 1);
    if (!inner) return Err(inner.error().WithContext("in the SNS envelope's Message"));
    return inner;
  }
  return Err(Bad("no \"Records\" array and not an s3:TestEvent: not an S3 event notification"));
}

Result<S3EventMessage> ParseS3EventMessage(std::string_view json) {
  S3EventParser parser;
  return parser.Parse(json);
}

std::string ObjectEventsToS3Json(const std::vector<ObjectEvent>& events) {
  std::string out = R"({"Records":[)";
  for (size_t i = 0; i < events.size(); ++i) {
    const ObjectEvent& e = events[i];
    if (i > 0) out += ',';
    out += R"({"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":")";
    AppendRfc3339Ms(e.event_time, &out);
    out += R"(","eventName":)";
    AppendJsonString(e.event_name.empty() ? "ObjectCreated:Put" : e.event_name, &out);
    out += R"(,"userIdentity":{"principalId":"logstream"},)"
           R"("requestParameters":{"sourceIPAddress":"127.0.0.1"},)"
           R"("responseElements":{"x-amz-request-id":"","x-amz-id-2":""},)"
           R"("s3":{"s3SchemaVersion":"1.0","configurationId":"logstream","bucket":{"name":)";
    AppendJsonString(e.bucket, &out);
    out += R"(,"ownerIdentity":{"principalId":"logstream"},"arn":)";
    AppendJsonString("arn:aws:s3:::" + e.bucket, &out);
    out += R"(},"object":{"key":)";
    AppendJsonString(UrlEncodeKey(e.key), &out);
    out += R"(,"size":)";
    out += std::to_string(e.size);
    out += R"(,"eTag":)";
    AppendJsonString(e.etag, &out);
    out += "}}}";
  }
  out += "]}";
  return out;
}

}  // namespace logstream
