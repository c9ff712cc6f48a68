// The JSON of the engine's outputs (window_engine.h): aggregate rows,
// alerts and template rows, as the topics and the file sinks carry them.
#include <charconv>

#include "src/process/window_engine.h"
#include "src/record/json.h"

namespace logstream {
namespace {

// The members of one JSON object, appended in order: {"a":1,"b":"x"}.
class JsonObject {
 public:
  explicit JsonObject(std::string* out) : out_(out) { out_->push_back('{'); }
  JsonObject& Str(std::string_view name, std::string_view value) {
    Name(name);
    AppendJsonString(value, out_);
    return *this;
  }
  JsonObject& Int(std::string_view name, int64_t value) {
    Name(name);
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), value);
    out_->append(buf, r.ptr - buf);
    return *this;
  }
  JsonObject& Time(std::string_view name, TimeMs t) {
    Name(name);
    out_->push_back('"');
    AppendRfc3339Ms(t, out_);
    out_->push_back('"');
    return *this;
  }
  JsonObject& Window(TimeMs start, TimeMs end) { return Time("window_start", start).Time("window_end", end); }
  // A member whose value the caller appends next.
  std::string* Member(std::string_view name) {
    Name(name);
    return out_;
  }
  void End() { out_->push_back('}'); }

 private:
  void Name(std::string_view name) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->push_back('"');
    out_->append(name);
    out_->append("\":");
  }
  std::string* out_;
  bool first_ = true;
};

// {"object","offset","time","level","message"}
void AppendSampleJson(const AlertSample& s, std::string* out) {
  JsonObject(out)
      .Str("object", s.object)
      .Int("offset", static_cast<int64_t>(s.offset))
      .Time("time", s.time)
      .Str("level", LevelName(s.level))
      .Str("message", s.message)
      .End();
}

// [item, ...], each written by `append`.
template <typename T, typename F>
void AppendArray(const std::vector<T>& items, std::string* out, F append) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out->push_back(',');
    append(items[i], out);
  }
  out->push_back(']');
}

}  // namespace

void AppendAggregateJson(const AggregateRow& row, std::string* out) {
  out->reserve(out->size() + 128 + row.source.size());  // its names, times and count: one allocation
  JsonObject(out)
      .Window(row.window_start, row.window_end)
      .Str("source", row.source)
      .Str("level", LevelName(row.level))
      .Int("count", row.count)
      .End();
}

void AppendAlertJson(const Alert& a, std::string* out) {
  JsonObject o(out);
  o.Str("id", a.id).Str("rule", a.rule).Str("key", a.key).Window(a.window_start, a.window_end);
  o.Int("count", a.count).Int("threshold", a.threshold);
  AppendArray(a.samples, o.Member("samples"), AppendSampleJson);
  if (!a.templates.empty()) {
    AppendArray(a.templates, o.Member("templates"), [](const AlertTemplate& t, std::string* out) {
      JsonObject x(out);
      x.Str("id", TemplateIdHex(t.id)).Str("template", t.text).Int("count", t.count);
      AppendSampleJson(t.sample, x.Member("sample"));
      x.End();
    });
  }
  o.End();
}

void AppendTemplateJson(const TemplateRow& row, std::string* out) {
  const std::string_view text = row.text ? std::string_view(*row.text) : std::string_view();
  out->reserve(out->size() + 192 + row.source.size() + text.size());  // one allocation, unless escaped
  JsonObject(out)
      .Window(row.window_start, row.window_end)
      .Str("source", row.source)
      .Str("template_id", TemplateIdHex(row.id))
      .Str("template", text)
      .Time("first_seen", row.first_seen)
      .Int("count", row.count)
      .End();
}

}  // namespace logstream
