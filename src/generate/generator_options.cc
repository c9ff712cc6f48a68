#include "src/generate/generator_options.h"

namespace logstream {
namespace {

using O = GeneratorOptions;

opt::Table<O>::Setter RangeSetter(LevelRange LevelRanges::*member) {
  return [member](O& o, const opt::Value& v) -> Status {
    std::string text = v.text;
    for (const std::string& item : v.items) text += (text.empty() ? "" : ",") + item;
    const size_t comma = text.find(',');
    auto lo = opt::ParseNumberIn(text.substr(0, comma), 0, 1);
    auto hi = comma == std::string::npos ? lo : opt::ParseNumberIn(text.substr(comma + 1), 0, 1);
    if (comma == std::string::npos || !lo || !hi || text.find(',', comma + 1) != std::string::npos) {
      return InvalidArgument("'" + text + "' is not a range LO,HI such as 0.3,1 (TOML: [0.3, 1])");
    }
    o.levels.*member = LevelRange{*lo, *hi};
    return Status::Ok();
  };
}

opt::Table<O>::Shower RangeShower(LevelRange LevelRanges::*member) {
  return [member](const O& o) {
    return opt::Value{{}, {opt::ShowDouble((o.levels.*member).lo), opt::ShowDouble((o.levels.*member).hi)}};
  };
}

}  // namespace

const opt::Table<O>& GeneratorTable() {
  static const opt::Table<O> table = [] {
    opt::Table<O> t("generator",
                    "The simulated hosts of `logstream generate` and `logstream run` (CS441 "
                    "LogFileGenerator-style files). `run` has defaults of its own (see `logstream run "
                    "--help`): 3 hosts, error bursts, an object a second, service messages.");
    t.Enum("messages", &O::messages,
           "message text: random (as the CS441 generator: random strings, see --min-string, "
           "--max-string, --min-symbol, --max-symbol) or services (a few dozen service log lines "
           "per level with random ids, addresses, durations and paths: each is one log template)",
           std::vector<std::pair<std::string, MessageKind>>{{"random", MessageKind::kRandom},
                                                            {"services", MessageKind::kServices}},
           {.flag = "--messages"});
    t.Int("min_string", &O::min_string, "shortest random message string", 0, 1 << 20,
          {.flag = "--min-string"});
    t.Int("max_string", &O::max_string, "longest random message string", 0, 1 << 20,
          {.flag = "--max-string"});
    t.Int("min_symbol", &O::min_symbol, "smallest message character code (>= 32)", 0, 255,
          {.flag = "--min-symbol"});
    t.Int("max_symbol", &O::max_symbol, "largest message character code (<= 126)", 0, 255,
          {.flag = "--max-symbol"});
    t.Int("max_count", &O::max_count, "messages per host; 0 = run for --duration-minutes", 0, INT64_MAX,
          {.flag = "--max-count"});
    t.Int("duration_minutes", &O::duration_minutes,
          "run time when --max-count is 0 (event time with --start)", 0, INT64_MAX,
          {.flag = "--duration-minutes", .unit = "minutes"});
    t.Int("time_period", &O::time_period, "milliseconds between two messages of a host", 0, INT64_MAX,
          {.flag = "--time-period", .unit = "ms"});
    t.String("pattern", &O::pattern,
             "regex; a string matching it is inserted into a share --frequency of messages",
             {.flag = "--pattern"});
    t.Number("frequency", &O::frequency, "probability that a message contains a pattern string", 0, 1,
             {.flag = "--frequency"});
    t.Int("seed", &O::seed, "random seed; same seed and options give identical objects", 0, INT64_MAX,
          {.flag = "--seed"});
    t.Int("hosts", &O::hosts, "number of simulated hosts (host-1 .. host-N)", 0, 1000000,
          {.flag = "--hosts"});
    t.Custom(
        "start", opt::Type::kString,
        "RFC 3339 event time of the first message: simulated time, as fast as possible "
        "(default: real time, wall-clock stamps)",
        [](O& o, const opt::Value& v) -> Status {
          if (v.text.empty()) {
            o.start.reset();
            return Status::Ok();
          }
          ASSIGN_OR_RETURN(TimeMs t, ParseRfc3339(v.text));
          o.start = t;
          return Status::Ok();
        },
        [](const O& o) { return opt::Value{o.start ? FormatRfc3339Ms(*o.start) : "", {}}; },
        {.flag = "--start"});
    t.Number("rate", &O::rate, "cap on lines per second over all hosts; 0 = none", 0, 1e12,
             {.flag = "--rate", .unit = "lines/s"});
    t.Enum("format", &O::format, "line format: iso or classic (the original logback pattern)",
           std::vector<std::pair<std::string, LineFormat>>{{"iso", LineFormat::kIso},
                                                           {"classic", LineFormat::kClassic}},
           {.flag = "--format"});
    t.Bool("burst", [](O& o) -> bool& { return o.burst.enabled; },
           "periodic bursts with a raised ERROR share (see --burst-period, --burst-length, "
           "--burst-share, --burst-hosts; any of them turns bursts on)",
           {.flag = "--burst"});
    t.Duration("burst_period", [](O& o) -> TimeMs& { return o.burst.period; },
               "a burst starts every PERIOD of event time (aligned to the Unix epoch)", 0,
               {.flag = "--burst-period"});
    t.Duration("burst_length", [](O& o) -> TimeMs& { return o.burst.length; }, "length of each burst", 0,
               {.flag = "--burst-length"});
    t.Number("burst_share", [](O& o) -> double& { return o.burst.share; }, "ERROR share inside a burst",
             0, 1, {.flag = "--burst-share"});
    t.Int("burst_hosts", [](O& o) -> int& { return o.burst.hosts; },
          "the first N hosts burst; 0 = every host", 0, 1000000, {.flag = "--burst-hosts"});
    t.Number("disorder", &O::disorder, "share of lines stamped earlier than the latest stamp so far", 0,
             1, {.flag = "--disorder"});
    t.Duration("disorder_max", &O::disorder_max, "how much earlier at most", 0,
               {.flag = "--disorder-max"});
    t.Int("roll_lines", &O::roll_lines, "lines per object at most; 0 = off", 0, INT64_MAX,
          {.flag = "--roll-lines"});
    t.Int("roll_bytes", &O::roll_bytes, "bytes per object at most; 0 = off", 0, INT64_MAX,
          {.flag = "--roll-bytes", .unit = "bytes"});
    t.Int("roll_seconds", &O::roll_seconds,
          "event-time seconds per object; 0 = off (objects also roll at UTC midnight)", 0, INT64_MAX,
          {.flag = "--roll-seconds", .unit = "s"});
    t.Enum("compress", &O::compress, "object compression: none, gzip (.gz) or zstd (.zst)",
           std::vector<std::pair<std::string, codec::Compression>>{
               {"none", codec::Compression::kNone},
               {"gzip", codec::Compression::kGzip},
               {"zstd", codec::Compression::kZstd}},
           {.flag = "--compress"});
    t.String("prefix", &O::prefix, "key prefix inside the bucket (default: keys start at the host)",
             {.flag = "--prefix"});
    return t;
  }();
  return table;
}

const opt::Table<O>& GeneratorLevelsTable() {
  static const opt::Table<O> table = [] {
    opt::Table<O> t("generator.levels",
                    "Level shares of the generator: a line is this level when a uniform draw in "
                    "[0,1) falls in [LO,HI).");
    const std::string help = "LO,HI: a line is this level when a uniform draw in [0,1) falls in [LO,HI)";
    const std::pair<const char*, LevelRange LevelRanges::*> ranges[] = {
        {"error", &LevelRanges::error},
        {"warn", &LevelRanges::warn},
        {"debug", &LevelRanges::debug},
        {"info", &LevelRanges::info}};
    for (const auto& [name, member] : ranges) {
      t.Custom(name, opt::Type::kList, help, RangeSetter(member), RangeShower(member),
               {.flag = "--" + std::string(name) + "-range"});
    }
    return t;
  }();
  return table;
}

void ApplyBurstImplied(const opt::Provenance& provenance, GeneratorOptions* options) {
  auto set = [&](const char* key) {
    auto it = provenance.find(std::string("generator.") + key);
    return it != provenance.end() && it->second != opt::Origin::kDefault;
  };
  if (set("burst")) return;
  for (const char* key : {"burst_period", "burst_length", "burst_share", "burst_hosts"}) {
    if (set(key)) options->burst.enabled = true;
  }
}

}  // namespace logstream
