#include "src/process/config.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <re2/re2.h>

#include "src/base/toml_errors.h"

namespace logstream {
namespace {

Status CheckRegex(const std::string& pattern) {
  if (pattern.empty()) return Status::Ok();
  RE2 re(pattern, RE2::Quiet);
  if (!re.ok()) return InvalidArgument("bad regex '" + pattern + "': " + re.error());
  return Status::Ok();
}

void AppendTomlString(std::string_view s, std::ostringstream& out) {
  out << opt::ToTomlText(opt::Value{std::string(s), {}}, opt::Type::kString);
}

// Reads one [[rules]] table; problems name file, line and column.
RuleConfig ReadRule(const toml::table& t, size_t index, std::string_view file, opt::Problems* problems) {
  RuleConfig rule;
  rule.levels.clear();  // a rule without level or levels counts every level
  RulesTable().Read(t, file, &rule, problems);
  if (!t.contains("name")) {
    problems->Add(InvalidArgument(TomlWhere(file, t.source()) + ": rule #" + std::to_string(index + 1) +
                                  " has no 'name'"));
  } else if (rule.name.empty() || rule.name.find('/') != std::string::npos) {
    problems->Add(TomlError(file, *t.get("name"), "rule name must be non-empty and contain no '/'"));
  }
  if (t.contains("equals") && !t.contains("field")) {
    problems->Add(TomlError(file, *t.get("equals"), "rule '" + rule.name + "': 'equals' needs 'field'"));
  }
  if (t.contains("level") && t.contains("levels")) {
    problems->Add(TomlError(file, *t.get("levels"),
                            "rule '" + rule.name + "': give either 'level' or 'levels', not both"));
  }
  return rule;
}

}  // namespace

std::string_view RulePerName(RulePer per) { return per == RulePer::kAll ? "all" : "source"; }

std::string_view RuleKindName(RuleKind kind) {
  static constexpr std::string_view kNames[] = {"count", "new_template", "template_spike"};
  return kNames[static_cast<int>(kind)];
}

const opt::Table<ProcessorConfig>& ProcessorTable() {
  using C = ProcessorConfig;
  static const opt::Table<C> table = [] {
    opt::Table<C> t("processor", "Event-time windows of the stream processor (`process`, `run`).");
    t.Duration("window", &C::window, "window size", 1);
    t.Duration("slide", &C::slide,
               "0s: tumbling windows; else sliding windows starting every SLIDE (window must be a "
               "multiple of it)");
    t.Duration("lateness", &C::lateness, "allowed lateness behind a source's largest event time");
    t.Duration("idle_timeout", &C::idle_timeout,
               "processing time after which a silent source stops holding back per = \"all\" windows");
    t.Duration("commit_interval", &C::commit_interval,
               "commit at least this often while caught up (a backlog stretches it)");
    t.Int("commit_records", &C::commit_records, "... or after this many records", 1);
    t.Bool("templates", &C::templates,
           "mine log templates of the records at each format's template_levels (the templates topic, "
           "templates in alerts, new_template and template_spike rules)");
    return t;
  }();
  return table;
}

const opt::Table<RuleConfig>& RulesTable() {
  using R = RuleConfig;
  static const opt::Table<R> table = [] {
    opt::Table<R> t("rules",
                    "Alert rules; given in a file, they replace the default rule (error-burst: >= 20 "
                    "ERROR lines per source in a window).",
                    /*array=*/true);
    t.String("name", &R::name, "unique name; alert ids are RULE/KEY/WINDOW_START");
    t.Enum("kind", &R::kind,
           "count (records matching in a window), new_template (a log template first seen at WARN "
           "or above after warmup) or template_spike (a template's window count >= factor x its "
           "mean over history windows)",
           std::vector<std::pair<std::string, RuleKind>>{{"count", RuleKind::kCount},
                                                         {"new_template", RuleKind::kNewTemplate},
                                                         {"template_spike", RuleKind::kTemplateSpike}});
    t.Custom(
        "level", opt::Type::kString, "the one level counted (or give levels)",
        [](R& r, const opt::Value& v) -> Status {
          ASSIGN_OR_RETURN(Level l, ParseLevelSetting(v.text));
          r.levels = {l};
          return Status::Ok();
        },
        [](const R& r) {
          return opt::Value{r.levels.size() == 1 ? std::string(LevelName(r.levels[0])) : "", {}};
        });
    t.Custom(
        "levels", opt::Type::kList, "the levels counted; neither level nor levels: every level",
        [](R& r, const opt::Value& v) -> Status {
          r.levels.clear();
          for (const std::string& s : v.items) {
            ASSIGN_OR_RETURN(Level l, ParseLevelSetting(s));
            if (std::find(r.levels.begin(), r.levels.end(), l) == r.levels.end()) r.levels.push_back(l);
          }
          std::sort(r.levels.begin(), r.levels.end());
          return Status::Ok();
        },
        [](const R& r) {
          opt::Value v;
          for (Level l : r.levels) v.items.emplace_back(LevelName(l));
          return v;
        });
    t.CheckedString("pattern", &R::pattern,
                    "RE2 regex a record's message must contain (empty: none)", CheckRegex);
    t.String("field", &R::field,
             "a record field (docs/formats.md) the rule tests: the record must have it, equal to "
             "`equals` when given, and `pattern` then applies to the field instead of the message");
    t.Custom(
        "equals", opt::Type::kString, "with field: the value the field must have",
        [](R& r, const opt::Value& v) -> Status {
          r.equals = v.text;
          return Status::Ok();
        },
        [](const R& r) { return opt::Value{r.equals.value_or(""), {}}; });
    t.Int("min_count", &R::min_count, "fires when the window's count reaches this", 1);
    t.Enum("per", &R::per, "count per source (host), or every source together",
           std::vector<std::pair<std::string, RulePer>>{{"source", RulePer::kSource},
                                                        {"all", RulePer::kAll}});
    t.Duration("cooldown", &R::cooldown, "event time between two alerts of one key");
    t.List("sinks", &R::sinks, "names of the [[sinks]] that get its alerts (default: every sink)");
    t.Duration("warmup", &R::warmup,
               "new_template: event time after the partition's first record before templates count as new");
    t.Number("factor", &R::factor, "template_spike: how many times its mean a template's count must be", 1, 1e9);
    t.Int("history", &R::history, "template_spike: the windows before whose mean counts", 1);
    return t;
  }();
  return table;
}

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
  if (c.slide > 0 && c.window / c.slide > kMaxWindowsPerRecord) {
    return InvalidArgument("[processor] window / slide is " + std::to_string(c.window / c.slide) +
                           ": every record would count in that many windows; give a slide of at "
                           "least window / " + std::to_string(kMaxWindowsPerRecord) + " (" +
                           FormatDuration((c.window + kMaxWindowsPerRecord - 1) / kMaxWindowsPerRecord) +
                           ")");
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
    if (Status s = CheckRegex(r.pattern); !s.ok()) return s.WithContext("rule '" + r.name + "'");
    if (r.equals && r.field.empty()) return InvalidArgument("rule '" + r.name + "': 'equals' needs 'field'");
    if (r.kind != RuleKind::kCount && r.per == RulePer::kAll) {
      return InvalidArgument("rule '" + r.name + "': kind = \"" + std::string(RuleKindName(r.kind)) +
                             "\" counts per source (templates are mined per partition); remove per = \"all\"");
    }
    if (r.kind != RuleKind::kCount && !c.templates) {
      return InvalidArgument("rule '" + r.name + "': kind = \"" + std::string(RuleKindName(r.kind)) +
                             "\" needs log templates, which [processor] templates = false turns off");
    }
    if (r.warmup < 0) return InvalidArgument("rule '" + r.name + "': warmup must not be negative");
    if (r.history < 1 || r.history > 1000) {
      return InvalidArgument("rule '" + r.name + "': history must be 1 to 1000 windows");
    }
  }
  return Status::Ok();
}

void ReadProcessorConfig(const toml::table& doc, std::string_view file, ProcessorConfig* c,
                         opt::Problems* problems, opt::Provenance* provenance) {
  if (const toml::node* n = doc.get("processor")) {
    if (!n->is_table()) {
      problems->Add(TomlError(file, *n, "'processor' must be a table ([processor])"));
    } else {
      ProcessorTable().Read(*n->as_table(), file, c, problems, provenance);
    }
  }
  if (c->slide == c->window) c->slide = 0;  // a slide equal to the window is tumbling
  if (const toml::node* n = doc.get("rules")) {
    if (!n->is_array_of_tables()) {
      problems->Add(TomlError(file, *n, "'rules' must be an array of tables ([[rules]])"));
    } else {
      c->rules.clear();
      const toml::array& rules = *n->as_array();
      for (size_t i = 0; i < rules.size(); ++i) {
        const toml::table& t = *rules[i].as_table();
        RuleConfig rule = ReadRule(t, i, file, problems);
        for (const RuleConfig& other : c->rules) {
          if (other.name == rule.name && t.contains("name")) {
            problems->Add(TomlError(file, *t.get("name"), "duplicate rule name '" + rule.name +
                                                              "': rule names must be unique"));
          }
        }
        c->rules.push_back(std::move(rule));
      }
    }
  }
  if (problems->ok()) problems->Add(ValidateProcessorConfig(*c).WithContext(file));
}

Result<ProcessorConfig> LoadProcessorConfig(const toml::table& doc, std::string_view file) {
  ProcessorConfig c;
  opt::Problems problems;
  ReadProcessorConfig(doc, file, &c, &problems);
  if (!problems.ok()) return Err(problems.list().front());
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
  ASSIGN_OR_RETURN(toml::table doc, ParseTomlFile(path));
  return LoadProcessorConfig(doc, path);
}

std::string ProcessorConfigToToml(const ProcessorConfig& c, const opt::Provenance* provenance) {
  std::ostringstream out;
  out << "[processor]\n" << ProcessorTable().Show(c, provenance);
  for (const RuleConfig& r : c.rules) {
    out << "\n[[rules]]\nname = ";
    AppendTomlString(r.name, out);
    out << "\n";
    if (r.kind != RuleKind::kCount) {
      out << "kind = \"" << RuleKindName(r.kind) << "\"\n";
      out << "warmup = \"" << FormatDuration(r.warmup) << "\"\n";
      out << "factor = " << r.factor << "\n";
      out << "history = " << r.history << "\n";
    }
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
    if (!r.field.empty()) {
      out << "\nfield = ";
      AppendTomlString(r.field, out);
    }
    if (r.equals) {
      out << "\nequals = ";
      AppendTomlString(*r.equals, out);
    }
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
