#include "src/notify/alert_text.h"

#include <simdjson.h>

#include "src/base/time.h"

namespace logstream {

std::string AlertToText(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element a;
  if (parser.parse(json.data(), json.size()).get(a)) return std::string(json);
  std::string_view id, rule, key, start, end;
  int64_t count = 0, threshold = 0;
  if (a["id"].get(id) || a["rule"].get(rule) || a["key"].get(key) ||
      a["window_start"].get(start) || a["window_end"].get(end) || a["count"].get(count) ||
      a["threshold"].get(threshold)) {
    return std::string(json);
  }
  std::string window(start);
  auto s = ParseRfc3339(start);
  auto e = ParseRfc3339(end);
  if (s && e) window += ", +" + FormatDuration(*e - *s);
  std::string out = "ALERT " + std::string(rule) + " " + std::string(key) + " [" + window +
                    "): " + std::to_string(count) + " >= " + std::to_string(threshold);
  simdjson::dom::array samples;
  if (!a["samples"].get(samples)) {
    for (auto sample : samples) {
      std::string_view msg, object;
      uint64_t offset = 0;
      if (!sample["message"].get(msg) && !sample["object"].get(object) &&
          !sample["offset"].get(offset)) {
        std::string m(msg.substr(0, 60));
        for (char& c : m) {
          if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        }
        out += "  e.g. " + std::string(object) + "@" + std::to_string(offset) + ": " + m;
      }
      break;  // one sample keeps the line readable
    }
  }
  return out;
}

}  // namespace logstream
