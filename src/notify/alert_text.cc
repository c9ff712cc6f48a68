#include "src/notify/alert_text.h"

#include <simdjson.h>

#include "src/base/time.h"

namespace logstream {

Result<AlertFields> ParseAlert(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element a;
  if (parser.parse(json.data(), json.size()).get(a)) {
    return Err(InvalidArgument("alert is not JSON"));
  }
  std::string_view id, rule, key, start, end;
  AlertFields f;
  if (a["id"].get(id) || a["rule"].get(rule) || a["key"].get(key) ||
      a["window_start"].get(start) || a["window_end"].get(end) || a["count"].get(f.count) ||
      a["threshold"].get(f.threshold)) {
    return Err(InvalidArgument("alert lacks id, rule, key, window_start, window_end, count or threshold"));
  }
  f.id = id;
  f.rule = rule;
  f.key = key;
  f.window_start = start;
  f.window_end = end;
  simdjson::dom::array samples;
  if (!a["samples"].get(samples)) {
    for (auto sample : samples) {
      std::string_view msg, object, time, level;
      AlertSampleFields s;
      if (sample["message"].get(msg) || sample["object"].get(object) ||
          sample["offset"].get(s.offset)) {
        continue;
      }
      s.message = msg;
      s.object = object;
      if (!sample["time"].get(time)) s.time = time;
      if (!sample["level"].get(level)) s.level = level;
      f.samples.push_back(std::move(s));
    }
  }
  return f;
}

std::string WindowText(const AlertFields& a) {
  std::string window = "[" + a.window_start;
  auto s = ParseRfc3339(a.window_start);
  auto e = ParseRfc3339(a.window_end);
  if (s && e) window += ", +" + FormatDuration(*e - *s);
  return window + ")";
}

std::string AlertToText(std::string_view json) {
  auto a = ParseAlert(json);
  if (!a) return std::string(json);
  std::string out = "ALERT " + a->rule + " " + a->key + " " + WindowText(*a) + ": " +
                    std::to_string(a->count) + " >= " + std::to_string(a->threshold);
  if (!a->samples.empty()) {  // one sample keeps the line readable
    const AlertSampleFields& s = a->samples[0];
    std::string m = s.message.substr(0, 60);
    for (char& c : m) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    out += "  e.g. " + s.object + "@" + std::to_string(s.offset) + ": " + m;
  }
  return out;
}

}  // namespace logstream
