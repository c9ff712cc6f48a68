#include "src/format/format_config.h"

#include <set>

#include "src/base/toml_errors.h"
#include "src/format/level_map.h"
#include "src/format/line_parser.h"
#include "src/format/zone.h"

namespace logstream {
namespace {

using F = FormatConfig;

constexpr std::pair<const char*, FormatKind> kKinds[] = {
    {"pattern", FormatKind::kPattern}, {"regex", FormatKind::kRegex},   {"json", FormatKind::kJson},
    {"logfmt", FormatKind::kLogfmt},   {"syslog", FormatKind::kSyslog}, {"iso", FormatKind::kIso},
    {"classic", FormatKind::kClassic}};

// The kinds a key belongs to (keys not listed belong to every kind).
struct KindKeys {
  const char* key;
  std::vector<FormatKind> kinds;
};
const std::vector<KindKeys>& KeysOfKinds() {
  static const std::vector<KindKeys> keys = {
      {"pattern", {FormatKind::kPattern}},
      {"regex", {FormatKind::kRegex}},
      {"time_format", {FormatKind::kRegex, FormatKind::kJson, FormatKind::kLogfmt}},
      {"time_field", {FormatKind::kJson, FormatKind::kLogfmt}},
      {"level_field", {FormatKind::kJson, FormatKind::kLogfmt}},
      {"message_field", {FormatKind::kJson, FormatKind::kLogfmt}},
      {"thread_field", {FormatKind::kJson, FormatKind::kLogfmt}},
      {"logger_field", {FormatKind::kJson, FormatKind::kLogfmt}},
  };
  return keys;
}

std::string KindList(const std::vector<FormatKind>& kinds) {
  std::string s;
  for (FormatKind k : kinds)
    s += (s.empty() ? "" : " or ") + std::string("\"") + std::string(FormatKindName(k)) + "\"";
  return s;
}

// The TOML node of the key whose value makes the format fail to compile.
const toml::node* CulpritNode(const toml::table& t, FormatKind kind) {
  for (const char* key : {kind == FormatKind::kPattern ? "pattern" : "regex", "time_format",
                          "timezone", "levels", "kind"}) {
    if (const toml::node* n = t.get(key)) return n;
  }
  return nullptr;
}

}  // namespace

std::string_view FormatKindName(FormatKind kind) {
  if (kind == FormatKind::kAuto) return "auto";
  for (const auto& [name, k] : kKinds) {
    if (k == kind) return name;
  }
  return "?";
}

const opt::Table<FormatConfig>& FormatsTable() {
  static const opt::Table<F> table = [] {
    opt::Table<F> t(
        "formats",
        "How the lines of objects become records (docs/formats.md). Each object is parsed "
        "by the first format whose `match` glob matches its key; objects no format matches "
        "use [ingest] format (auto: iso or classic).",
        /*array=*/true);
    t.CheckedString("name", &F::name, "unique; named in dead letters", opt::CheckNonEmpty);
    t.String("match", &F::match,
             "glob on the object key ('*' within a path component, '**' across '/'); empty: every "
             "object");
    std::vector<std::pair<std::string, FormatKind>> kinds;
    for (const auto& [name, k] : kKinds) kinds.emplace_back(name, k);
    t.Enum("kind", &F::kind, "how a line is read", kinds);
    t.String("pattern", &F::pattern,
             "kind = \"pattern\": a logback / log4j PatternLayout, e.g. \"%d{ISO8601} %-5p [%t] "
             "%c: %m%n\"");
    t.String(
        "regex", &F::regex,
        "kind = \"regex\": RE2 with named groups time, level, thread, logger, message, source; "
        "other groups become fields");
    t.String("time_format", &F::time_format,
             "regex, json, logfmt: strftime letters (%Y %m %d %H %M %S %f %L %b %z %s %ms ...); "
             "empty: ISO 8601 / RFC 3339 (json, logfmt: also epoch numbers)");
    t.CheckedString("timezone", &F::timezone,
                    "of times without an offset: UTC, +HH:MM or an IANA name",
                    [](const std::string& zone) -> Status {
                      if (auto parsed = Zone::Parse(zone); !parsed) return parsed.error();
                      return Status::Ok();
                    });
    t.Custom(
        "multiline", opt::Type::kString,
        "auto: a line that does not start a record continues the one above; off: every line alone "
        "(default: auto for pattern, regex, iso, classic; off for json, logfmt, syslog)",
        [](F& f, const opt::Value& v) -> Status {
          f.multiline = v.text == "auto" ? Multiline::kAuto : Multiline::kOff;
          return Status::Ok();
        },
        [](const F& f) {
          return opt::Value{f.multiline_auto() ? "auto" : "off", {}};
        },
        {}, {"auto", "off"});
    t.Custom(
        "default_level", opt::Type::kString, "level of records whose line has none",
        [](F& f, const opt::Value& v) -> Status {
          auto l = ParseLevel(v.text);
          if (!l) l = LevelMap::Standard(v.text);
          if (!l)
            return InvalidArgument("unknown level '" + v.text +
                                   "' (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL)");
          f.default_level = *l;
          return Status::Ok();
        },
        [](const F& f) {
          return opt::Value{std::string(LevelName(f.default_level)), {}};
        });
    t.Custom(
        "levels", opt::Type::kMap,
        "extra level words (any case) and their level, on top of the standard map, e.g. "
        "{ FAILURE = \"ERROR\" }",
        [](F& f, const opt::Value& v) -> Status {
          LevelMap check;
          f.levels.clear();
          for (const std::string& item : v.items) {
            const size_t eq = item.find('=');
            const std::string word = item.substr(0, eq), level = item.substr(eq + 1);
            RETURN_IF_ERROR(check.Add(word, level));
            f.levels.emplace_back(word, level);
          }
          return Status::Ok();
        },
        [](const F& f) {
          opt::Value v;
          for (const auto& [w, l] : f.levels) v.items.push_back(w + "=" + l);
          return v;
        });
    t.String("time_field", &F::time_field,
             "json, logfmt: key (dotted path) of the time; empty: the first of time, timestamp, "
             "@timestamp, ts");
    t.String("level_field", &F::level_field,
             "json, logfmt: key of the level; empty: the first of level, severity, log.level, lvl");
    t.String("message_field", &F::message_field,
             "json, logfmt: key of the message; empty: the first of message, msg");
    t.String("thread_field", &F::thread_field,
             "json, logfmt: key of the thread; empty: the first of thread, thread_name, "
             "process.thread.name");
    t.String(
        "logger_field", &F::logger_field,
        "json, logfmt: key of the logger; empty: the first of logger, logger_name, log.logger");
    AddTemplateOptions(t, [](F& f) -> TemplateSettings& { return f.templates; });
    return t;
  }();
  return table;
}

void ReadFormats(const toml::table& doc, std::string_view file, std::vector<FormatConfig>* formats,
                 opt::Problems* problems) {
  const toml::node* n = doc.get("formats");
  if (n == nullptr) return;
  if (!n->is_array_of_tables()) {
    problems->Add(TomlError(file, *n, "'formats' must be an array of tables ([[formats]])"));
    return;
  }
  formats->clear();
  std::set<std::string> names;
  const toml::array& list = *n->as_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const toml::table& t = *list[i].as_table();
    FormatConfig f;
    const size_t before = problems->list().size();
    FormatsTable().Read(t, file, &f, problems);
    const std::string label = "format #" + std::to_string(i + 1);
    for (const char* key : {"name", "kind"}) {
      if (!t.contains(key)) {
        problems->Add(InvalidArgument(TomlWhere(file, t.source()) + ": " + label + " needs '" +
                                      key + "' (" + FormatsTable().Find(key)->info.help + ")"));
      }
    }
    if (t.contains("name") && !f.name.empty() && !names.insert(f.name).second) {
      problems->Add(TomlError(file, *t.get("name"),
                              "duplicate format name '" + f.name + "': names must be unique"));
    }
    for (const KindKeys& k : KeysOfKinds()) {
      const toml::node* v = t.get(k.key);
      if (v == nullptr || !t.contains("kind")) continue;
      bool fits = false;
      for (FormatKind kind : k.kinds) fits |= kind == f.kind;
      if (!fits) {
        problems->Add(TomlError(file, *v,
                                "formats." + std::string(k.key) +
                                    ": only for kind = " + KindList(k.kinds) + ", not \"" +
                                    std::string(FormatKindName(f.kind)) + "\""));
      }
    }
    if (t.contains("kind") && f.kind == FormatKind::kPattern && f.pattern.empty()) {
      problems->Add(TomlError(file, *t.get("kind"),
                              "format '" + f.name + "': kind = \"pattern\" needs 'pattern'"));
    } else if (t.contains("kind") && f.kind == FormatKind::kRegex && f.regex.empty()) {
      problems->Add(TomlError(file, *t.get("kind"),
                              "format '" + f.name + "': kind = \"regex\" needs 'regex'"));
    } else if (problems->list().size() == before) {
      auto parser = MakeLineParser(f);
      if (!parser) {
        const toml::node* culprit = CulpritNode(t, f.kind);
        const std::string what = "format '" + f.name + "': " + parser.error().message();
        problems->Add(culprit ? TomlError(file, *culprit, what)
                              : InvalidArgument(TomlWhere(file, t.source()) + ": " + what));
      }
    }
    formats->push_back(std::move(f));
  }
}

std::string FormatsToToml(const std::vector<FormatConfig>& formats) {
  std::string out;
  for (const FormatConfig& f : formats) {
    out += "\n[[formats]]\n";
    // Keys left empty are left out: the output reads back (a key of another
    // kind is an error).
    const std::string shown = FormatsTable().Show(f);
    size_t pos = 0;
    while (pos < shown.size()) {
      size_t nl = shown.find('\n', pos);
      if (nl == std::string::npos) nl = shown.size();
      std::string_view line(shown.data() + pos, nl - pos);
      if (!line.ends_with(" = \"\"") && !line.ends_with(" = {}")) out.append(line).push_back('\n');
      pos = nl + 1;
    }
  }
  return out;
}

}  // namespace logstream
