#include "src/cli/generator_flags.h"

#include <charconv>
#include <functional>
#include <sstream>
#include <vector>

namespace logstream::cli {
namespace {

using Setter = std::function<Status(std::string_view text, GeneratorOptions* o)>;
using Getter = std::function<std::string(const GeneratorOptions& o)>;

// One option: its TOML key ("levels.error" is error under [generator.levels]),
// its long flag, help, and how to read it from text and show its default.
struct Field {
  std::string_view key;
  std::string_view flag;
  std::string_view help;
  Setter set;
  Getter get;
  bool is_flag = false;  // a boolean switch without a value on the command line
  std::string_view type_name = "VALUE";  // shown in --help
};

Status BadValue(std::string_view key, std::string_view text, std::string_view want) {
  return InvalidArgument("generator option " + std::string(key) + ": '" + std::string(text) +
                         "' is not " + std::string(want));
}

template <typename T>
Status ParseNumber(std::string_view key, std::string_view text, T* out) {
  T v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return BadValue(key, text, std::is_integral_v<T> ? "an integer" : "a number");
  }
  *out = v;
  return Status::Ok();
}

std::string ShowDouble(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// Fields bound to a numeric member of GeneratorOptions (or of its burst).
template <typename T>
Field Number(std::string_view key, std::string_view flag, std::string_view help,
             std::function<T&(GeneratorOptions&)> member) {
  return {key, flag, help,
          [key, member](std::string_view text, GeneratorOptions* o) {
            return ParseNumber(key, text, &member(*o));
          },
          [member](const GeneratorOptions& o) {
            T v = member(const_cast<GeneratorOptions&>(o));
            if constexpr (std::is_floating_point_v<T>) return ShowDouble(v);
            else return std::to_string(v);
          },
          false, std::is_floating_point_v<T> ? "NUM" : "INT"};
}

Field Duration(std::string_view key, std::string_view flag, std::string_view help,
               std::function<TimeMs&(GeneratorOptions&)> member) {
  return {key, flag, help,
          [key, member](std::string_view text, GeneratorOptions* o) -> Status {
            auto d = ParseDuration(text);
            if (!d) return d.error().WithContext("generator option " + std::string(key));
            member(*o) = *d;
            return Status::Ok();
          },
          [member](const GeneratorOptions& o) {
            return FormatDuration(member(const_cast<GeneratorOptions&>(o)));
          },
          false, "DURATION"};
}

Field Range(std::string_view name, LevelRange LevelRanges::*member) {
  const std::string_view key = name == "error"   ? "levels.error"
                               : name == "warn"  ? "levels.warn"
                               : name == "debug" ? "levels.debug"
                                                 : "levels.info";
  const std::string_view flag = name == "error"   ? "--error-range"
                                : name == "warn"  ? "--warn-range"
                                : name == "debug" ? "--debug-range"
                                                  : "--info-range";
  return {key, flag, "LO,HI: a line is this level when a uniform draw in [0,1) falls in [LO,HI)",
          [key, member](std::string_view text, GeneratorOptions* o) -> Status {
            const size_t comma = text.find(',');
            LevelRange r;
            if (comma == std::string_view::npos ||
                !ParseNumber(key, text.substr(0, comma), &r.lo).ok() ||
                !ParseNumber(key, text.substr(comma + 1), &r.hi).ok()) {
              return BadValue(key, text, "a range LO,HI such as 0.3,1");
            }
            o->levels.*member = r;
            return Status::Ok();
          },
          [member](const GeneratorOptions& o) {
            return ShowDouble((o.levels.*member).lo) + "," + ShowDouble((o.levels.*member).hi);
          },
          false, "LO,HI"};
}

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = [] {
    using O = GeneratorOptions;
    std::vector<Field> f;
    f.push_back(Number<int>("min_string", "--min-string", "shortest random message string",
                            [](O& o) -> int& { return o.min_string; }));
    f.push_back(Number<int>("max_string", "--max-string", "longest random message string",
                            [](O& o) -> int& { return o.max_string; }));
    f.push_back(Number<int>("min_symbol", "--min-symbol", "smallest message character code (>= 32)",
                            [](O& o) -> int& { return o.min_symbol; }));
    f.push_back(Number<int>("max_symbol", "--max-symbol", "largest message character code (<= 126)",
                            [](O& o) -> int& { return o.max_symbol; }));
    f.push_back(Number<int64_t>("max_count", "--max-count",
                                "messages per host; 0 = run for --duration-minutes",
                                [](O& o) -> int64_t& { return o.max_count; }));
    f.push_back(Number<int64_t>("duration_minutes", "--duration-minutes",
                                "run time when --max-count is 0 (event time with --start)",
                                [](O& o) -> int64_t& { return o.duration_minutes; }));
    f.push_back(Number<int64_t>("time_period", "--time-period", "milliseconds between two messages of a host",
                                [](O& o) -> int64_t& { return o.time_period; }));
    f.push_back({"pattern", "--pattern",
                 "regex; a string matching it is inserted into a share --frequency of messages",
                 [](std::string_view t, O* o) {
                   o->pattern = std::string(t);
                   return Status::Ok();
                 },
                 [](const O& o) { return o.pattern; }, false, "REGEX"});
    f.push_back(Number<double>("frequency", "--frequency", "probability that a message contains a pattern string",
                               [](O& o) -> double& { return o.frequency; }));
    f.push_back(Number<uint64_t>("seed", "--seed", "random seed; same seed and options give identical objects",
                                 [](O& o) -> uint64_t& { return o.seed; }));
    f.push_back(Number<int>("hosts", "--hosts", "number of simulated hosts (host-1 .. host-N)",
                            [](O& o) -> int& { return o.hosts; }));
    f.push_back({"start", "--start",
                 "RFC 3339 event time of the first message: simulated time, as fast as possible "
                 "(default: real time, wall-clock stamps)",
                 [](std::string_view t, O* o) -> Status {
                   auto v = ParseRfc3339(t);
                   if (!v) return v.error().WithContext("generator option start");
                   o->start = *v;
                   return Status::Ok();
                 },
                 [](const O& o) { return o.start ? FormatRfc3339Ms(*o.start) : std::string(); },
                 false, "TIME"});
    f.push_back(Number<double>("rate", "--rate", "cap on lines per second over all hosts; 0 = none",
                               [](O& o) -> double& { return o.rate; }));
    f.push_back({"format", "--format", "line format: iso or classic (the original logback pattern)",
                 [](std::string_view t, O* o) -> Status {
                   auto f = ParseLineFormat(t);
                   if (!f || *f == LineFormat::kAuto) return BadValue("format", t, "iso or classic");
                   o->format = *f;
                   return Status::Ok();
                 },
                 [](const O& o) { return std::string(LineFormatName(o.format)); }, false,
                 "iso|classic"});
    f.push_back({"burst", "--burst",
                 "periodic bursts with a raised ERROR share (see --burst-period, --burst-length, "
                 "--burst-share, --burst-hosts; any of them turns bursts on)",
                 [](std::string_view t, O* o) -> Status {
                   if (t != "true" && t != "false") return BadValue("burst", t, "true or false");
                   o->burst.enabled = t == "true";
                   return Status::Ok();
                 },
                 [](const O& o) { return std::string(o.burst.enabled ? "true" : "false"); }, true});
    f.push_back(Duration("burst_period", "--burst-period",
                         "a burst starts every PERIOD of event time (aligned to the Unix epoch)",
                         [](O& o) -> TimeMs& { return o.burst.period; }));
    f.push_back(Duration("burst_length", "--burst-length", "length of each burst",
                         [](O& o) -> TimeMs& { return o.burst.length; }));
    f.push_back(Number<double>("burst_share", "--burst-share", "ERROR share inside a burst",
                               [](O& o) -> double& { return o.burst.share; }));
    f.push_back(Number<int>("burst_hosts", "--burst-hosts", "the first N hosts burst; 0 = every host",
                            [](O& o) -> int& { return o.burst.hosts; }));
    f.push_back(Number<double>("disorder", "--disorder",
                               "share of lines stamped earlier than the latest stamp so far",
                               [](O& o) -> double& { return o.disorder; }));
    f.push_back(Duration("disorder_max", "--disorder-max", "how much earlier at most",
                         [](O& o) -> TimeMs& { return o.disorder_max; }));
    f.push_back(Number<int64_t>("roll_lines", "--roll-lines", "lines per object at most; 0 = off",
                                [](O& o) -> int64_t& { return o.roll_lines; }));
    f.push_back(Number<int64_t>("roll_bytes", "--roll-bytes", "bytes per object at most; 0 = off",
                                [](O& o) -> int64_t& { return o.roll_bytes; }));
    f.push_back(Number<int64_t>("roll_seconds", "--roll-seconds",
                                "event-time seconds per object; 0 = off (objects also roll at UTC midnight)",
                                [](O& o) -> int64_t& { return o.roll_seconds; }));
    f.push_back({"compress", "--compress", "object compression: none, gzip (.gz) or zstd (.zst)",
                 [](std::string_view t, O* o) -> Status {
                   auto c = codec::ParseCompression(t);
                   if (!c) return BadValue("compress", t, "none, gzip or zstd");
                   o->compress = *c;
                   return Status::Ok();
                 },
                 [](const O& o) { return std::string(codec::CompressionName(o.compress)); }, false,
                 "none|gzip|zstd"});
    f.push_back({"prefix", "--prefix", "key prefix inside the bucket (default: keys start at the host)",
                 [](std::string_view t, O* o) {
                   o->prefix = std::string(t);
                   return Status::Ok();
                 },
                 [](const O& o) { return o.prefix; }, false, "PATH"});
    f.push_back(Range("error", &LevelRanges::error));
    f.push_back(Range("warn", &LevelRanges::warn));
    f.push_back(Range("debug", &LevelRanges::debug));
    f.push_back(Range("info", &LevelRanges::info));
    return f;
  }();
  return fields;
}

const Field* FindField(std::string_view key) {
  for (const Field& f : Fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

// A TOML value as the text its command-line option would take.
Result<std::string> NodeText(const toml::node& n) {
  if (auto v = n.as_string()) return v->get();
  if (auto v = n.as_integer()) return std::to_string(v->get());
  if (auto v = n.as_floating_point()) return ShowDouble(v->get());
  if (auto v = n.as_boolean()) return std::string(v->get() ? "true" : "false");
  if (auto v = n.as_date_time()) {
    std::ostringstream os;
    os << v->get();
    return os.str();
  }
  if (auto a = n.as_array()) {
    std::string text;
    for (const toml::node& e : *a) {
      if (!e.is_number()) return Err(InvalidArgument("arrays hold numbers only"));
      ASSIGN_OR_RETURN(std::string s, NodeText(e));
      if (!text.empty()) text += ',';
      text += s;
    }
    return text;
  }
  return Err(InvalidArgument("unsupported TOML value type"));
}

bool GivenOnCommandLine(const CLI::App& cmd, const Field& f) {
  const CLI::Option* opt = cmd.get_option_no_throw(std::string(f.flag));
  return opt != nullptr && opt->count() > 0;
}

Status ApplyTable(const toml::table& table, std::string_view prefix, const CLI::App& cmd,
                  GeneratorOptions* opts) {
  for (const auto& [k, node] : table) {
    const std::string key = std::string(prefix) + std::string(k.str());
    if (key == "levels" && node.is_table()) {
      RETURN_IF_ERROR(ApplyTable(*node.as_table(), "levels.", cmd, opts));
      continue;
    }
    const Field* f = FindField(key);
    const std::string where = prefix.empty() ? "[generator]" : "[generator.levels]";
    if (f == nullptr) {
      return InvalidArgument("unknown key '" + std::string(k.str()) + "' in " + where +
                             " (see `logstream generate --help` for the options; keys are "
                             "snake_case, e.g. max_count)");
    }
    if (GivenOnCommandLine(cmd, *f)) continue;
    auto text = NodeText(node);
    if (!text) return text.error().WithContext("key " + key + " in " + where);
    RETURN_IF_ERROR(f->set(*text, opts));
  }
  return Status::Ok();
}

}  // namespace

void AddGeneratorFlags(CLI::App* cmd, GeneratorOptions* opts) {
  const GeneratorOptions defaults;
  for (const Field& f : Fields()) {
    const std::string flag(f.flag);
    auto apply = [opts, &f, flag](const std::string& text) {
      Status s = f.set(text, opts);
      if (!s.ok()) throw CLI::ValidationError(flag, s.message());
    };
    std::string help(f.help);
    help += std::string(" [TOML ") + (f.key.starts_with("levels.") ? "[generator.levels] " : "") +
            std::string(f.key.starts_with("levels.") ? f.key.substr(7) : f.key) + "]";
    if (f.is_flag) {
      cmd->add_flag_callback(flag, [apply] { apply("true"); }, help)->group("Generator");
      continue;
    }
    CLI::Option* opt = cmd->add_option_function<std::string>(flag, apply, help);
    opt->group("Generator");
    opt->type_name(std::string(f.type_name));
    const std::string shown = f.get(defaults);
    if (!shown.empty()) opt->default_str(shown);
  }
  // Any burst parameter turns bursts on.
  for (const char* flag : {"--burst-period", "--burst-length", "--burst-share", "--burst-hosts"}) {
    cmd->get_option(flag)->each([opts](const std::string&) { opts->burst.enabled = true; });
  }
}

Status ApplyGeneratorToml(const toml::table& root, const CLI::App& cmd, GeneratorOptions* opts) {
  const toml::node* gen = root.get("generator");
  if (gen == nullptr) return Status::Ok();
  if (!gen->is_table()) return InvalidArgument("[generator] must be a table");
  const toml::table& table = *gen->as_table();
  RETURN_IF_ERROR(ApplyTable(table, "", cmd, opts));
  // As on the command line, a burst parameter turns bursts on unless `burst` says otherwise.
  if (!table.contains("burst") && !GivenOnCommandLine(cmd, *FindField("burst"))) {
    for (const char* k : {"burst_period", "burst_length", "burst_share", "burst_hosts"}) {
      if (table.contains(k)) opts->burst.enabled = true;
    }
  }
  return Status::Ok();
}

Status LoadGeneratorConfig(const std::string& path, const CLI::App& cmd, GeneratorOptions* opts) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "config file " << path << ": " << e.description() << " at line " << e.source().begin.line
       << ", column " << e.source().begin.column;
    return InvalidArgument(os.str());
  }
  return ApplyGeneratorToml(root, cmd, opts).WithContext("config file " + path);
}

}  // namespace logstream::cli
