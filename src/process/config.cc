#include "src/process/config.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <re2/re2.h>

#include "src/base/toml_errors.h"

namespace logstream {
namespace {

// Rejects keys of `table` not in `allowed`.
Status CheckKeys(const toml::table& table, std::string_view table_name, std::string_view file,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, node] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return InvalidArgument(TomlWhere(file, key.source()) + ": unknown key '" + std::string(key.str()) +
                           "' in " + std::string(table_name) + " (allowed: " + list + ")");
  }
  return Status::Ok();
}

Result<std::string> GetString(const toml::table& t, std::string_view key, std::string_view file) {
  const toml::node* n = t.get(key);
  if (!n->is_string()) {
    return Err(TomlError(file, *n, "'" + std::string(key) + "' must be a string"));
  }
  return std::string(n->as_string()->get());
}

Result<TimeMs> GetDuration(const toml::table& t, std::string_view key, std::string_view file) {
  ASSIGN_OR_RETURN(std::string s, GetString(t, key, file));
  auto d = ParseDuration(s);
  if (!d) return Err(TomlError(file, *t.get(key), "'" + std::string(key) + "': " + d.error().message()));
  return *d;
}

Result<Level> GetLevel(const toml::node& n, std::string_view key, std::string_view file) {
  if (!n.is_string()) return Err(TomlError(file, n, "'" + std::string(key) + "' must be a string"));
  const std::string& s = n.as_string()->get();
  auto level = ParseLevel(s);
  if (!level) {
    return Err(TomlError(file, n, "'" + std::string(key) + "': unknown level '" + s +
                                   "' (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL)"));
  }
  return *level;
}

Result<RuleConfig> LoadRule(const toml::table& t, size_t index, std::string_view file) {
  RETURN_IF_ERROR(CheckKeys(t, "[[rules]]", file,
                            {"name", "level", "levels", "pattern", "min_count", "per", "cooldown",
                             "sinks"}));
  RuleConfig rule;
  rule.levels.clear();
  if (!t.contains("name")) {
    return Err(InvalidArgument(TomlWhere(file, t.source()) + ": rule #" + std::to_string(index + 1) +
                               " has no 'name'"));
  }
  ASSIGN_OR_RETURN(rule.name, GetString(t, "name", file));
  if (rule.name.empty() || rule.name.find('/') != std::string::npos) {
    return Err(TomlError(file, *t.get("name"), "rule name must be non-empty and contain no '/'"));
  }
  if (t.contains("level") && t.contains("levels")) {
    return Err(TomlError(file, *t.get("levels"), "rule '" + rule.name +
                                                  "': give either 'level' or 'levels', not both"));
  }
  if (const toml::node* n = t.get("level")) {
    ASSIGN_OR_RETURN(Level l, GetLevel(*n, "level", file));
    rule.levels.push_back(l);
  }
  if (const toml::node* n = t.get("levels")) {
    if (!n->is_array()) return Err(TomlError(file, *n, "'levels' must be an array of level names"));
    for (const toml::node& e : *n->as_array()) {
      ASSIGN_OR_RETURN(Level l, GetLevel(e, "levels", file));
      if (std::find(rule.levels.begin(), rule.levels.end(), l) == rule.levels.end()) {
        rule.levels.push_back(l);
      }
    }
    std::sort(rule.levels.begin(), rule.levels.end());
  }
  if (t.contains("pattern")) {
    ASSIGN_OR_RETURN(rule.pattern, GetString(t, "pattern", file));
    RE2 re(rule.pattern, RE2::Quiet);
    if (!re.ok()) {
      return Err(TomlError(file, *t.get("pattern"), "rule '" + rule.name + "': bad regex '" +
                                                     rule.pattern + "': " + re.error()));
    }
  }
  if (const toml::node* n = t.get("min_count")) {
    if (!n->is_integer()) return Err(TomlError(file, *n, "'min_count' must be an integer"));
    rule.min_count = n->as_integer()->get();
    if (rule.min_count < 1) {
      return Err(TomlError(file, *n, "rule '" + rule.name + "': min_count must be at least 1"));
    }
  }
  if (t.contains("per")) {
    ASSIGN_OR_RETURN(std::string per, GetString(t, "per", file));
    if (per == "source") {
      rule.per = RulePer::kSource;
    } else if (per == "all") {
      rule.per = RulePer::kAll;
    } else {
      return Err(TomlError(file, *t.get("per"), "'per' must be \"source\" or \"all\", not '" + per + "'"));
    }
  }
  if (t.contains("cooldown")) {
    ASSIGN_OR_RETURN(rule.cooldown, GetDuration(t, "cooldown", file));
  }
  if (const toml::node* n = t.get("sinks")) {
    if (!n->is_array()) return Err(TomlError(file, *n, "'sinks' must be an array of sink names"));
    for (const toml::node& e : *n->as_array()) {
      if (!e.is_string()) return Err(TomlError(file, e, "'sinks' must be an array of sink names"));
      rule.sinks.push_back(e.as_string()->get());
    }
  }
  return rule;
}

void AppendTomlString(std::string_view s, std::ostringstream& out) {
  out << toml::value<std::string>(std::string(s));
}

}  // namespace

std::string_view RulePerName(RulePer per) { return per == RulePer::kAll ? "all" : "source"; }

Status ValidateProcessorConfig(const ProcessorConfig& c) {
  if (c.commit_interval < 0) return InvalidArgument("commit_interval must not be negative");
  if (c.commit_records < 1) return InvalidArgument("commit_records must be at least 1");
  if (c.window <= 0) return InvalidArgument("[processor] window must be positive");
  if (c.slide < 0 || c.slide > c.window) {
    return InvalidArgument("[processor] slide (" + FormatDuration(c.slide) +
                           ") must not exceed window (" + FormatDuration(c.window) + ")");
  }
  if (c.slide > 0 && c.window % c.slide != 0) {
    return InvalidArgument("[processor] window (" + FormatDuration(c.window) +
                           ") must be a multiple of slide (" + FormatDuration(c.slide) + ")");
  }
  if (c.lateness < 0 || c.idle_timeout < 0) {
    return InvalidArgument("[processor] lateness and idle_timeout must not be negative");
  }
  std::set<std::string> names;
  for (const RuleConfig& r : c.rules) {
    if (!names.insert(r.name).second) {
      return InvalidArgument("duplicate rule name '" + r.name + "': rule names must be unique");
    }
    if (r.min_count < 1) return InvalidArgument("rule '" + r.name + "': min_count must be at least 1");
    if (r.cooldown < 0) return InvalidArgument("rule '" + r.name + "': cooldown must not be negative");
    if (!r.pattern.empty()) {
      RE2 re(r.pattern, RE2::Quiet);
      if (!re.ok()) {
        return InvalidArgument("rule '" + r.name + "': bad regex '" + r.pattern + "': " + re.error());
      }
    }
  }
  return Status::Ok();
}

Result<ProcessorConfig> LoadProcessorConfig(const toml::table& doc, std::string_view file) {
  ProcessorConfig c;
  if (const toml::node* n = doc.get("processor")) {
    if (!n->is_table()) return Err(TomlError(file, *n, "'processor' must be a table ([processor])"));
    const toml::table& p = *n->as_table();
    RETURN_IF_ERROR(CheckKeys(p, "[processor]", file, {"window", "slide", "lateness", "idle_timeout",
                                                             "commit_interval", "commit_records"}));
    if (p.contains("window")) {
      ASSIGN_OR_RETURN(c.window, GetDuration(p, "window", file));
    }
    if (p.contains("slide")) {
      ASSIGN_OR_RETURN(c.slide, GetDuration(p, "slide", file));
    }
    if (p.contains("lateness")) {
      ASSIGN_OR_RETURN(c.lateness, GetDuration(p, "lateness", file));
    }
    if (p.contains("idle_timeout")) {
      ASSIGN_OR_RETURN(c.idle_timeout, GetDuration(p, "idle_timeout", file));
    }
    if (p.contains("commit_interval")) {
      ASSIGN_OR_RETURN(c.commit_interval, GetDuration(p, "commit_interval", file));
    }
    if (const toml::node* n = p.get("commit_records")) {
      if (!n->is_integer() || n->as_integer()->get() < 1) {
        return Err(TomlError(file, *n, "'commit_records' must be an integer of at least 1"));
      }
      c.commit_records = n->as_integer()->get();
    }
    if (c.window <= 0) return Err(TomlError(file, *p.get("window"), "window must be positive"));
    if (c.slide == c.window) c.slide = 0;  // a slide equal to the window is tumbling
  }
  if (const toml::node* n = doc.get("rules")) {
    if (!n->is_array_of_tables()) {
      return Err(TomlError(file, *n, "'rules' must be an array of tables ([[rules]])"));
    }
    c.rules.clear();
    const toml::array& rules = *n->as_array();
    for (size_t i = 0; i < rules.size(); ++i) {
      ASSIGN_OR_RETURN(RuleConfig rule, LoadRule(*rules[i].as_table(), i, file));
      for (const RuleConfig& other : c.rules) {
        if (other.name == rule.name) {
          return Err(TomlError(file, *rules[i].as_table()->get("name"),
                            "duplicate rule name '" + rule.name + "': rule names must be unique"));
        }
      }
      c.rules.push_back(std::move(rule));
    }
  }
  Status s = ValidateProcessorConfig(c);
  if (!s.ok()) return Err(s.WithContext(file));
  return c;
}

Result<ProcessorConfig> ParseProcessorConfig(std::string_view text, std::string_view file) {
  toml::table doc;
  try {
    doc = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Err(InvalidArgument(TomlWhere(file, e.source()) + ": " + std::string(e.description())));
  }
  return LoadProcessorConfig(doc, file);
}

Result<ProcessorConfig> LoadProcessorConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(ErrnoError("open config", path, errno));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseProcessorConfig(text.str(), path);
}

std::string ProcessorConfigToToml(const ProcessorConfig& c) {
  std::ostringstream out;
  out << "[processor]\n";
  out << "window = \"" << FormatDuration(c.window) << "\"\n";
  if (c.slide != 0) out << "slide = \"" << FormatDuration(c.slide) << "\"\n";
  out << "lateness = \"" << FormatDuration(c.lateness) << "\"\n";
  out << "idle_timeout = \"" << FormatDuration(c.idle_timeout) << "\"\n";
  out << "commit_interval = \"" << FormatDuration(c.commit_interval) << "\"\n";
  out << "commit_records = " << c.commit_records << "\n";
  for (const RuleConfig& r : c.rules) {
    out << "\n[[rules]]\nname = ";
    AppendTomlString(r.name, out);
    out << "\n";
    if (r.levels.size() == 1) {
      out << "level = \"" << LevelName(r.levels[0]) << "\"\n";
    } else if (!r.levels.empty()) {
      out << "levels = [";
      for (size_t i = 0; i < r.levels.size(); ++i) {
        out << (i ? ", " : "") << '"' << LevelName(r.levels[i]) << '"';
      }
      out << "]\n";
    }
    out << "pattern = ";
    AppendTomlString(r.pattern, out);
    out << "\nmin_count = " << r.min_count << "\n";
    out << "per = \"" << RulePerName(r.per) << "\"\n";
    out << "cooldown = \"" << FormatDuration(r.cooldown) << "\"\n";
    if (!r.sinks.empty()) {
      out << "sinks = [";
      for (size_t i = 0; i < r.sinks.size(); ++i) {
        out << (i ? ", " : "");
        AppendTomlString(r.sinks[i], out);
      }
      out << "]\n";
    }
  }
  return out.str();
}

}  // namespace logstream
