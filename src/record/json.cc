#include "src/record/json.h"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace logstream {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid.
size_t Utf8Len(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  auto cont = [&](size_t i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;
    if (c == 0xED && p[1] > 0x9F) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;
    if (c == 0xF4 && p[1] > 0x8F) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;  // start of bytes copied verbatim
  while (p < end) {
    // Skip 8 plain ASCII bytes at a time (no control, quote, backslash or
    // high byte among them).
    while (end - p >= 8) {
      uint64_t x;
      std::memcpy(&x, p, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL;
      constexpr uint64_t kHigh = 0x8080808080808080ULL;
      uint64_t special = ((x - kOnes * 0x20) | x) & kHigh;                // < 0x20 or >= 0x80
      uint64_t q = x ^ (kOnes * '"');
      uint64_t b = x ^ (kOnes * '\\');
      special |= (q - kOnes) & ~q & kHigh;
      special |= (b - kOnes) & ~b & kHigh;
      if (special != 0) break;
      p += 8;
    }
    if (p == end) break;
    unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      size_t n = Utf8Len(p, end);
      if (n > 0) {
        p += n;
        continue;
      }
    }
    out->append(reinterpret_cast<const char*>(run), p - run);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      case '\r': out->append("\\r"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (c < 0x20) {
          char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out->append(esc, 6);
        } else {
          out->append("\xEF\xBF\xBD");  // invalid UTF-8 byte -> U+FFFD
        }
    }
    ++p;
    run = p;
  }
  out->append(reinterpret_cast<const char*>(run), p - run);
  out->push_back('"');
}

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
  out->push_back('}');
}

void AppendRecordJson(std::string_view source, std::string_view object, uint64_t offset,
                      const LogLine& line, std::string* out) {
  AppendRecordJsonWithPrefix(RecordJsonPrefix(source, object), offset, line, out);
}

void AppendRecordJson(const LogRecord& r, std::string* out) {
  LogLine line{r.time, r.level, r.thread, r.logger, r.message};
  AppendRecordJson(r.source, r.object, r.offset, line, out);
}

std::string RecordToJson(const LogRecord& record) {
  std::string s;
  AppendRecordJson(record, &s);
  return s;
}

Result<LogRecordView> RecordDecoder::DecodeView(std::string_view json) {
  buffer_.assign(json);
  buffer_.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  auto bad = [](std::string_view what) {
    return Err(InvalidArgument("record JSON: " + std::string(what)));
  };
  simdjson::ondemand::document doc;
  if (parser_.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc)) {
    return bad("not valid JSON");
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return bad("not a JSON object");
  LogRecordView r;
  bool seen[8] = {};
  for (auto field : obj) {
    std::string_view k;
    if (field.unescaped_key().get(k)) return bad("bad key");
    auto str = [&](std::string_view* dst) -> bool {
      return !field.value().get_string().get(*dst);
    };
    std::string_view tmp;
    if (k == "source") {
      if (!str(&r.source)) return bad("source is not a string");
      seen[0] = true;
    } else if (k == "object") {
      if (!str(&r.object)) return bad("object is not a string");
      seen[1] = true;
    } else if (k == "offset") {
      uint64_t v;
      if (field.value().get_uint64().get(v)) return bad("offset is not an unsigned integer");
      r.offset = v;
      seen[2] = true;
    } else if (k == "time") {
      if (!str(&tmp)) return bad("time is not a string");
      auto t = ParseRfc3339(tmp);
      if (!t) return bad(t.error().message());
      r.time = *t;
      seen[3] = true;
    } else if (k == "level") {
      if (!str(&tmp)) return bad("level is not a string");
      auto l = ParseLevel(tmp);
      if (!l) return bad("unknown level '" + std::string(tmp) + "'");
      r.level = *l;
      seen[4] = true;
    } else if (k == "thread") {
      if (!str(&r.thread)) return bad("thread is not a string");
      seen[5] = true;
    } else if (k == "logger") {
      if (!str(&r.logger)) return bad("logger is not a string");
      seen[6] = true;
    } else if (k == "message") {
      if (!str(&r.message)) return bad("message is not a string");
      seen[7] = true;
    }
  }
  static constexpr const char* kNames[] = {"source", "object", "offset", "time",
                                           "level",  "thread", "logger", "message"};
  for (int i = 0; i < 8; ++i) {
    if (!seen[i]) return bad(std::string("missing field '") + kNames[i] + "'");
  }
  return r;
}

Result<LogRecord> RecordDecoder::Decode(std::string_view json) {
  ASSIGN_OR_RETURN(LogRecordView view, DecodeView(json));
  return ToRecord(view);
}

}  // namespace logstream
