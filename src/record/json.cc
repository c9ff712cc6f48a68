#include "src/record/json.h"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace logstream {

std::string RecordJsonPrefix(std::string_view source, std::string_view object) {
  std::string out = "{\"source\":";
  AppendJsonString(source, &out);
  out.append(",\"object\":");
  AppendJsonString(object, &out);
  out.append(",\"offset\":");
  return out;
}

void AppendRecordJsonWithPrefix(std::string_view prefix, uint64_t offset, const LogLine& line,
                                std::string* out) {
  out->append(prefix);
  char num[24];
  auto r = std::to_chars(num, num + sizeof(num), offset);
  out->append(num, r.ptr - num);
  out->append(",\"time\":\"");
  AppendRfc3339Ms(line.time, out);
  out->append("\",\"level\":\"");
  out->append(LevelName(line.level));
  out->append("\",\"thread\":");
  AppendJsonString(line.thread, out);
  out->append(",\"logger\":");
  AppendJsonString(line.logger, out);
  out->append(",\"message\":");
  AppendJsonString(line.message, out);
  if (!line.fields.empty()) AppendFieldsJson(line.fields, out);
  out->push_back('}');
}

void AppendFieldsJson(const FieldsView& fields, std::string* out) {
  out->append(",\"fields\":{");
  bool first = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldView f = fields[i];
    bool seen = false;  // names are unique: the first of a name wins
    for (size_t j = 0; j < i && !seen; ++j) seen = fields[j].key == f.key;
    if (seen) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(f.key, out);
    out->push_back(':');
    AppendJsonString(f.value, out);
  }
  out->push_back('}');
}

void AppendRecordJson(std::string_view source, std::string_view object, uint64_t offset,
                      const LogLine& line, std::string* out) {
  AppendRecordJsonWithPrefix(RecordJsonPrefix(source, object), offset, line, out);
}

void AppendRecordJson(const LogRecord& r, std::string* out) {
  LogLine line{r.time, r.level, r.thread, r.logger, r.message, r.fields, {}};
  AppendRecordJson(r.source, r.object, r.offset, line, out);
}

std::string RecordToJson(const LogRecord& record) {
  std::string s;
  AppendRecordJson(record, &s);
  return s;
}

namespace {

Status BadRecord(std::string_view what) { return InvalidArgument("record JSON: " + std::string(what)); }

// The content of a JSON string value: viewed in the input when the document
// has no backslash before its end (then it has no escape), else unescaped by
// get_string. False if the value is not a string.
bool StringOf(simdjson::ondemand::value& v, const char* first_backslash, std::string_view* out) {
  std::string_view token = v.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return false;
  if (token.data() + token.size() <= first_backslash) {
    *out = token.substr(1, token.size() - 2);
    return true;
  }
  return !v.get_string().get(*out);
}

// Two digits at p; -1 if either is not a digit.
inline int Two(const char* p) {
  const unsigned a = static_cast<unsigned>(p[0] - '0'), b = static_cast<unsigned>(p[1] - '0');
  return a > 9 || b > 9 ? -1 : static_cast<int>(a * 10 + b);
}

std::optional<Level> LevelOf(std::string_view s) {
  switch (s.size()) {
    case 4:
      if (s == "INFO") return Level::kInfo;
      if (s == "WARN") return Level::kWarn;
      return std::nullopt;
    case 5:
      if (s == "ERROR") return Level::kError;
      if (s == "DEBUG") return Level::kDebug;
      if (s == "TRACE") return Level::kTrace;
      if (s == "FATAL") return Level::kFatal;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

// YYYY-MM-DDTHH:MM:SS.mmmZ (what AppendRfc3339Ms writes) with the date of the
// previous record parsed only once; anything else through ParseRfc3339.
bool RecordDecoder::ParseTime(std::string_view s, TimeMs* out) {
  if (s.size() == 24 && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z') {
    if (std::memcmp(s.data(), day_text_, 10) != 0) {
      auto day = ParseDate(s.substr(0, 10));
      if (!day) return false;
      std::memcpy(day_text_, s.data(), 10);
      day_ms_ = *day;
    }
    const int hh = Two(s.data() + 11), mm = Two(s.data() + 14), ss = Two(s.data() + 17);
    const int ms1 = Two(s.data() + 20), ms2 = Two(s.data() + 21);
    if (hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59 && ss >= 0 && ss <= 60 && ms1 >= 0 && ms2 >= 0) {
      *out = day_ms_ + ((hh * 60 + mm) * 60 + ss) * 1000 + ms1 * 10 + ms2 % 10;
      return true;
    }
  }
  auto t = ParseRfc3339(s);
  if (!t) return false;
  *out = *t;
  return true;
}

// The fields in the order AppendRecordJson writes them: each found by one
// forward step (find_field), strings viewed in place when unescaped.
bool RecordDecoder::ParseInOrder(simdjson::ondemand::object& obj, LogRecordView* r) {
  simdjson::ondemand::value v;
  std::string_view tmp;
  uint64_t offset;
  if (obj.find_field("source").get(v) || !StringOf(v, first_backslash_, &r->source)) return false;
  if (obj.find_field("object").get(v) || !StringOf(v, first_backslash_, &r->object)) return false;
  if (obj.find_field("offset").get(v) || v.get_uint64().get(offset)) return false;
  r->offset = offset;
  if (obj.find_field("time").get(v) || !StringOf(v, first_backslash_, &tmp) || !ParseTime(tmp, &r->time)) return false;
  if (obj.find_field("level").get(v) || !StringOf(v, first_backslash_, &tmp)) return false;
  auto level = LevelOf(tmp);
  if (!level) return false;
  r->level = *level;
  if (obj.find_field("thread").get(v) || !StringOf(v, first_backslash_, &r->thread)) return false;
  if (obj.find_field("logger").get(v) || !StringOf(v, first_backslash_, &r->logger)) return false;
  if (obj.find_field("message").get(v) || !StringOf(v, first_backslash_, &r->message)) return false;
  // "fields" follows when there are any, and ignored fields may follow:
  // one search for "fields" walks to the end of the object.
  fields_.clear();
  r->fields = {};
  simdjson::error_code e = obj.find_field("fields").get(v);
  if (e == simdjson::SUCCESS) {
    if (!ParseFields(v)) return false;
    r->fields = std::span<const FieldView>(fields_);
    while ((e = obj.find_field("").error()) == simdjson::SUCCESS) {
    }
  }
  return e == simdjson::NO_SUCH_FIELD;
}

bool RecordDecoder::ParseFields(simdjson::ondemand::value& v) {
  simdjson::ondemand::object fields;
  if (v.get_object().get(fields)) return false;
  for (auto field : fields) {
    FieldView f;
    simdjson::ondemand::value fv;
    if (field.unescaped_key().get(f.key) || field.value().get(fv) ||
        !StringOf(fv, first_backslash_, &f.value)) {
      return false;
    }
    fields_.push_back(f);
  }
  return true;
}

// Any field order, unknown fields ignored; the error names the field.
Status RecordDecoder::ParseAnyOrder(simdjson::ondemand::object& obj, LogRecordView* r) {
  bool seen[8] = {};
  fields_.clear();
  r->fields = {};
  for (auto field : obj) {
    std::string_view k;
    if (field.unescaped_key().get(k)) return BadRecord("bad key");
    simdjson::ondemand::value v;
    if (field.value().get(v)) return BadRecord("bad value of '" + std::string(k) + "'");
    std::string_view tmp;
    if (k == "source") {
      if (!StringOf(v, first_backslash_, &r->source)) return BadRecord("source is not a string");
      seen[0] = true;
    } else if (k == "object") {
      if (!StringOf(v, first_backslash_, &r->object)) return BadRecord("object is not a string");
      seen[1] = true;
    } else if (k == "offset") {
      uint64_t n;
      if (v.get_uint64().get(n)) return BadRecord("offset is not an unsigned integer");
      r->offset = n;
      seen[2] = true;
    } else if (k == "time") {
      if (!StringOf(v, first_backslash_, &tmp)) return BadRecord("time is not a string");
      auto t = ParseRfc3339(tmp);
      if (!t) return BadRecord(t.error().message());
      r->time = *t;
      seen[3] = true;
    } else if (k == "level") {
      if (!StringOf(v, first_backslash_, &tmp)) return BadRecord("level is not a string");
      auto l = ParseLevel(tmp);
      if (!l) return BadRecord("unknown level '" + std::string(tmp) + "'");
      r->level = *l;
      seen[4] = true;
    } else if (k == "thread") {
      if (!StringOf(v, first_backslash_, &r->thread)) return BadRecord("thread is not a string");
      seen[5] = true;
    } else if (k == "logger") {
      if (!StringOf(v, first_backslash_, &r->logger)) return BadRecord("logger is not a string");
      seen[6] = true;
    } else if (k == "message") {
      if (!StringOf(v, first_backslash_, &r->message)) return BadRecord("message is not a string");
      seen[7] = true;
    } else if (k == "fields") {
      fields_.clear();
      if (!ParseFields(v)) return BadRecord("fields is not an object of strings");
      r->fields = std::span<const FieldView>(fields_);
    }
  }
  static constexpr const char* kNames[] = {"source", "object", "offset", "time",
                                           "level",  "thread", "logger", "message"};
  for (int i = 0; i < 8; ++i) {
    if (!seen[i]) return BadRecord(std::string("missing field '") + kNames[i] + "'");
  }
  return Status::Ok();
}

Status RecordDecoder::Parse(const char* json, size_t size, size_t capacity, LogRecordView* r) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser_.iterate(json, size, capacity).get(doc)) return BadRecord("not valid JSON");
  const void* backslash = std::memchr(json, '\\', size);
  first_backslash_ = backslash ? static_cast<const char*>(backslash) : json + size;
  if (doc.get_object().get(obj)) return BadRecord("not a JSON object");
  if (ParseInOrder(obj, r)) return Status::Ok();
  // Another field order, or an error to name: start over. A document whose
  // iteration hit malformed JSON cannot be rewound (simdjson dropped its
  // parser): iterate it again.
  if (doc.is_alive()) {
    doc.rewind();
  } else if (parser_.iterate(json, size, capacity).get(doc)) {
    return BadRecord("not valid JSON");
  }
  if (doc.get_object().get(obj)) return BadRecord("not a JSON object");
  return ParseAnyOrder(obj, r);
}

Status RecordDecoder::DecodeInPlace(std::string_view json, size_t readable_after, LogRecordView* out) {
  if (readable_after >= kPadding) return Parse(json.data(), json.size(), json.size() + readable_after, out);
  buffer_.assign(json);
  buffer_.reserve(json.size() + kPadding);
  return Parse(buffer_.data(), buffer_.size(), buffer_.capacity(), out);
}

Result<LogRecordView> RecordDecoder::DecodeView(std::string_view json) {
  LogRecordView r;
  RETURN_IF_ERROR(DecodeInPlace(json, 0, &r));
  return r;
}

Result<LogRecord> RecordDecoder::Decode(std::string_view json) {
  ASSIGN_OR_RETURN(LogRecordView view, DecodeView(json));
  return ToRecord(view);
}

}  // namespace logstream
