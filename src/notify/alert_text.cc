#include "src/notify/alert_text.h"

#include <simdjson.h>

#include "src/base/time.h"

namespace logstream {

namespace {

bool ParseSample(simdjson::dom::element sample, AlertSampleFields* s) {
  std::string_view msg, object, time, level;
  if (sample["message"].get(msg) || sample["object"].get(object) || sample["offset"].get(s->offset)) {
    return false;
  }
  s->message = msg;
  s->object = object;
  if (!sample["time"].get(time)) s->time = time;
  if (!sample["level"].get(level)) s->level = level;
  return true;
}

// The first `n` bytes of `text` on one line (control characters as spaces).
std::string OneLine(std::string_view text, size_t n) {
  std::string out(text.substr(0, n));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

}  // namespace

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
      if (AlertSampleFields s; ParseSample(sample, &s)) f.samples.push_back(std::move(s));
    }
  }
  simdjson::dom::array templates;
  if (!a["templates"].get(templates)) {
    for (auto t : templates) {
      std::string_view id, text;
      AlertTemplateFields tf;
      simdjson::dom::element sample;
      if (t["id"].get(id) || t["template"].get(text) || t["count"].get(tf.count)) continue;
      tf.id = id;
      tf.text = text;
      if (!t["sample"].get(sample)) ParseSample(sample, &tf.sample);
      f.templates.push_back(std::move(tf));
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
  // One template or one sample keeps the line readable.
  if (!a->templates.empty()) {
    const AlertTemplateFields& t = a->templates[0];
    out += "  top: " + std::to_string(t.count) + "x \"" + OneLine(t.text, 80) + "\"";
    if (!t.sample.object.empty()) out += " e.g. " + t.sample.object + "@" + std::to_string(t.sample.offset);
  } else if (!a->samples.empty()) {
    const AlertSampleFields& s = a->samples[0];
    out += "  e.g. " + s.object + "@" + std::to_string(s.offset) + ": " + OneLine(s.message, 60);
  }
  return out;
}

}  // namespace logstream
