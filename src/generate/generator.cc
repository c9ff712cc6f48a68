#include "src/generate/generator.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "src/generate/pattern.h"
#include "src/generate/service_messages.h"
#include "src/generate/random.h"

namespace logstream {
namespace {

constexpr TimeMs kDayMs = 86400000;
constexpr uint64_t kMaxSequence = 999999;
constexpr int kMaxHosts = 100000;
constexpr std::string_view kLogger = "HelperUtils.Parameters$";

Status Bad(std::string what) { return InvalidArgument(std::move(what)); }

std::string RangeText(const char* name, LevelRange r) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s [%g, %g]", name, r.lo, r.hi);
  return buf;
}

struct NamedRange {
  const char* name;
  LevelRange range;
  Level level;
};

std::array<NamedRange, 4> Ranges(const LevelRanges& l) {
  return {{{"error", l.error, Level::kError},
           {"warn", l.warn, Level::kWarn},
           {"debug", l.debug, Level::kDebug},
           {"info", l.info, Level::kInfo}}};
}

Status ValidateLevels(const LevelRanges& levels) {
  auto ranges = Ranges(levels);
  for (const NamedRange& r : ranges) {
    if (!(r.range.lo >= 0 && r.range.lo <= r.range.hi && r.range.hi <= 1)) {
      return Bad("level range " + RangeText(r.name, r.range) +
                 " is invalid: want 0 <= lo <= hi <= 1");
    }
  }
  std::sort(ranges.begin(), ranges.end(), [](const NamedRange& a, const NamedRange& b) {
    return a.range.lo < b.range.lo || (a.range.lo == b.range.lo && a.range.hi < b.range.hi);
  });
  constexpr double kEps = 1e-9;
  if (ranges[0].range.lo > kEps) {
    return Bad("level ranges leave a gap: nothing covers [0, " + std::to_string(ranges[0].range.lo) +
               "); the ranges must tile [0, 1]");
  }
  for (size_t i = 1; i < ranges.size(); ++i) {
    const NamedRange& a = ranges[i - 1];
    const NamedRange& b = ranges[i];
    if (b.range.lo < a.range.hi - kEps) {
      return Bad("level ranges overlap: " + RangeText(a.name, a.range) + " and " +
                 RangeText(b.name, b.range) + "; the ranges must tile [0, 1]");
    }
    if (b.range.lo > a.range.hi + kEps) {
      return Bad("level ranges leave a gap between " + RangeText(a.name, a.range) + " and " +
                 RangeText(b.name, b.range) + "; the ranges must tile [0, 1]");
    }
  }
  if (ranges[3].range.hi < 1 - kEps) {
    return Bad("level ranges leave a gap: nothing covers [" + std::to_string(ranges[3].range.hi) +
               ", 1]; the ranges must tile [0, 1]");
  }
  return Status::Ok();
}

Status ValidatePrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::Ok();
  if (prefix.front() == '/' || prefix.back() == '/') {
    return Bad("prefix '" + std::string(prefix) + "' must not start or end with '/'");
  }
  size_t start = 0;
  while (true) {
    const size_t slash = prefix.find('/', start);
    std::string_view seg = prefix.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (seg.empty() || seg == "." || seg == "..") {
      return Bad("prefix '" + std::string(prefix) + "' has an empty, '.' or '..' segment");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

// Draws levels from the configured ranges; bursts raise the ERROR share.
class LevelPicker {
 public:
  explicit LevelPicker(const LevelRanges& levels) {
    auto ranges = Ranges(levels);
    std::sort(ranges.begin(), ranges.end(),
              [](const NamedRange& a, const NamedRange& b) { return a.range.lo < b.range.lo; });
    for (size_t i = 0; i < ranges.size(); ++i) {
      hi_[i] = ranges[i].range.hi;
      level_[i] = ranges[i].level;
    }
    hi_[3] = 2;  // u < 1 always lands somewhere
    error_ = levels.error;
  }

  Level Pick(double u) const {
    for (size_t i = 0; i < 3; ++i) {
      if (u < hi_[i]) return level_[i];
    }
    return level_[3];
  }

  // ERROR with probability share; otherwise the other levels in proportion.
  Level PickInBurst(Rng& rng, double share) const {
    if (rng.Uniform() < share) return Level::kError;
    const double width = error_.hi - error_.lo;
    double u = rng.Uniform() * (1 - width);
    if (u >= error_.lo) u += width;
    return Pick(u);
  }

 private:
  std::array<double, 4> hi_{};
  std::array<Level, 4> level_{};
  LevelRange error_;
};

class Generator {
 public:
  Generator(const GeneratorOptions& o, PatternGenerator pattern, const Publisher& publish,
            const GenerateHooks& hooks)
      : o_(o), pattern_(std::move(pattern)), publish_(publish), hooks_(hooks), picker_(o.levels) {
    if (!hooks_.now) hooks_.now = NowMs;
    if (!hooks_.sleep_ms) {
      hooks_.sleep_ms = [](TimeMs ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
    }
    hosts_.reserve(static_cast<size_t>(o.hosts));
    stats_.hosts.resize(static_cast<size_t>(o.hosts));
    for (int i = 0; i < o.hosts; ++i) {
      uint64_t mix = o.seed + static_cast<uint64_t>(i);
      hosts_.emplace_back(HostName(i),
                          "scala-execution-context-global-" + std::to_string(10 + SplitMix64(&mix) % 20),
                          Rng(o.seed, static_cast<uint64_t>(i) + 1),
                          o.burst.enabled && (o.burst.hosts == 0 || i < o.burst.hosts));
      stats_.hosts[static_cast<size_t>(i)].host = hosts_.back().name;
      if (o.roll_bytes > 0) {
        size_t keep = static_cast<size_t>(o.roll_bytes);
        if (o.spill_bytes > 0) keep = std::min(keep, o.spill_bytes);
        hosts_.back().buf.reserve(keep + 1024);
      }
    }
    // A spill file per host: allow that many descriptors, keeping 512 for
    // the rest of the process (a broker, sockets); hosts past that keep
    // their objects in memory.
    if (o.spill_bytes > 0) {
      rlimit limit{};
      if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        if (limit.rlim_cur < limit.rlim_max) {
          limit.rlim_cur = limit.rlim_max;
          setrlimit(RLIMIT_NOFILE, &limit);
          getrlimit(RLIMIT_NOFILE, &limit);
        }
        spill_files_left_ = limit.rlim_cur > 512 + 64 ? static_cast<size_t>(limit.rlim_cur - 512) : 0;
      }
    }
  }

  Result<GenerateStats> Run() {
    const TimeMs wall_start = hooks_.now();
    TimeMs next_progress = wall_start + 1000;
    const bool simulated = o_.start.has_value();
    const bool paced = !simulated || o_.rate > 0;
    const TimeMs duration = o_.duration_minutes * 60000;
    uint64_t lines = 0;
    for (int64_t i = 0;; ++i) {
      if (o_.max_count > 0 && i >= o_.max_count) break;
      TimeMs nominal;
      if (simulated) {
        nominal = *o_.start + i * o_.time_period;
        if (o_.max_count == 0 && i * o_.time_period >= duration) break;
      } else {
        const TimeMs target = wall_start + i * o_.time_period;
        TimeMs now = hooks_.now();
        if (o_.max_count == 0 && std::max(now, target) >= wall_start + duration) break;
        if (!SleepUntil(target)) break;
        nominal = hooks_.now();
      }
      for (Host& h : hosts_) RETURN_IF_ERROR(Emit(h, stats_.hosts[&h - hosts_.data()], nominal));
      lines += hosts_.size();

      if (paced || (i & 1023) == 0) {
        if (Stopped()) break;
        if (o_.rate > 0 &&
            !SleepUntil(wall_start + static_cast<TimeMs>(static_cast<double>(lines) * 1000 / o_.rate))) {
          break;
        }
        const TimeMs now = hooks_.now();
        if (hooks_.progress && now >= next_progress) {
          next_progress = now + 1000;
          stats_.elapsed_ms = now - wall_start;
          hooks_.progress(stats_);
        }
      }
    }
    for (Host& h : hosts_) RETURN_IF_ERROR(Flush(h, stats_.hosts[&h - hosts_.data()], h.ObjectBytes()));
    stats_.elapsed_ms = hooks_.now() - wall_start;
    return std::move(stats_);
  }

 private:
  bool Stopped() {
    if (hooks_.stop != nullptr && hooks_.stop->load(std::memory_order_relaxed)) stats_.stopped = true;
    return stats_.stopped;
  }

  // Sleeps until wall time `until` in short slices, so a stop request is seen
  // quickly; false if stopped.
  bool SleepUntil(TimeMs until) {
    for (TimeMs now = hooks_.now(); now < until; now = hooks_.now()) {
      if (Stopped()) return false;
      hooks_.sleep_ms(std::min<TimeMs>(until - now, 200));
    }
    return true;
  }

  struct CloseFile {
    void operator()(FILE* f) const { std::fclose(f); }
  };

  struct Host {
    Host(std::string n, std::string t, Rng r, bool b)
        : name(std::move(n)), thread(std::move(t)), rng(r), bursts(b) {}
    std::string name;
    std::string thread;
    Rng rng;
    bool bursts = false;
    // The open object: its first `spilled` bytes in `spill`, the rest in buf.
    std::unique_ptr<FILE, CloseFile> spill;
    size_t spilled = 0;
    std::string buf;
    size_t ObjectBytes() const { return spilled + buf.size(); }
    TimeMs object_day = 0;       // UTC day number of the open object
    TimeMs object_first = 0;     // stamp of its first line
    int64_t object_lines = 0;
    uint64_t sequence = 0;       // of the last published object
    TimeMs latest = INT64_MIN;   // largest stamp so far
  };

  Status Emit(Host& h, HostStats& st, TimeMs nominal) {
    TimeMs stamp = nominal;
    if (o_.disorder > 0 && h.latest != INT64_MIN && h.rng.Uniform() < o_.disorder) {
      stamp = std::max(h.latest - h.rng.Between(1, o_.disorder_max),
                       FloorDiv(nominal, kDayMs) * kDayMs);
      stamp = std::min(stamp, nominal);
    }
    h.latest = std::max(h.latest, stamp);
    const TimeMs day = FloorDiv(stamp, kDayMs);

    if (h.object_lines > 0 &&
        (day != h.object_day || (o_.roll_lines > 0 && h.object_lines >= o_.roll_lines) ||
         (o_.roll_seconds > 0 && stamp - h.object_first >= o_.roll_seconds * 1000))) {
      RETURN_IF_ERROR(Flush(h, st, h.ObjectBytes()));
    }
    if (h.object_lines == 0) {
      h.object_day = day;
      h.object_first = stamp;
    }

    const Level level = h.bursts && InBurst(o_.burst, stamp)
                            ? picker_.PickInBurst(h.rng, o_.burst.share)
                            : picker_.Pick(h.rng.Uniform());
    if (o_.messages == MessageKind::kServices) {
      message_.clear();
      AppendServiceMessage(h.rng, level, &message_);
    } else {
      const auto length = static_cast<size_t>(h.rng.Between(o_.min_string, o_.max_string));
      message_.resize(length);
      h.rng.Fill(message_.data(), length, static_cast<unsigned>(o_.min_symbol),
                 static_cast<unsigned>(o_.max_symbol));
    }
    if (o_.frequency > 0 && h.rng.Uniform() < o_.frequency) {
      size_t at = h.rng.Below(message_.size() + 1);
      insert_.clear();
      pattern_.Append(h.rng, &insert_);
      if (o_.messages == MessageKind::kServices) {
        // A word of its own, before the word `at` falls in (or at the end).
        at = message_.rfind(' ', at);
        at = at == std::string::npos ? 0 : at + 1;
        insert_.push_back(' ');
      }
      message_.insert(at, insert_);
    }

    const size_t line_start = h.buf.size();
    AppendLine(o_.format, stamp, h.thread, level, kLogger, message_, &h.buf);
    h.buf.push_back('\n');
    ++st.lines[static_cast<size_t>(level)];
    st.bytes += h.buf.size() - line_start;

    if (o_.roll_bytes > 0 && h.ObjectBytes() > static_cast<size_t>(o_.roll_bytes) && h.spilled + line_start > 0) {
      // Publish the lines before this one; this line opens the next object.
      RETURN_IF_ERROR(Flush(h, st, h.spilled + line_start));
      h.object_day = day;
      h.object_first = stamp;
    }
    ++h.object_lines;
    return Spill(h);
  }

  // Moves the open object's lines from memory to the host's spill file once
  // they pass spill_bytes (the file made on first need; without one, they
  // stay in memory).
  Status Spill(Host& h) {
    if (o_.spill_bytes == 0 || h.buf.size() < o_.spill_bytes) return Status::Ok();
    if (!h.spill) {
      if (spill_files_left_ == 0) return Status::Ok();
      h.spill.reset(std::tmpfile());
      if (!h.spill) {
        spill_files_left_ = 0;  // no more temporary files: memory it is
        return Status::Ok();
      }
      --spill_files_left_;
    }
    if (std::fwrite(h.buf.data(), 1, h.buf.size(), h.spill.get()) != h.buf.size()) {
      return IoError("writing host " + h.name + "'s open object to a temporary file: " + std::strerror(errno) +
                     " (free space in $TMPDIR)");
    }
    h.spilled += h.buf.size();
    h.buf.clear();
    return Status::Ok();
  }

  // Publishes buf[0, n) as the next object and keeps the rest as the open one.
  Status Flush(Host& h, HostStats& st, size_t n) {
    if (n == 0) return Status::Ok();
    if (h.sequence >= kMaxSequence) {
      return FailedPrecondition("host " + h.name + " would write more than 999999 objects; "
                                "roll less often (raise roll_lines, roll_bytes or roll_seconds)");
    }
    const std::string key = ObjectKey(o_.prefix, h.name, h.object_day * kDayMs, ++h.sequence, o_.compress);
    const size_t from_buf = n - h.spilled;  // n covers the spilled bytes
    std::string_view data(h.buf.data(), from_buf);
    if (h.spilled > 0) {
      object_.resize(h.spilled);
      std::rewind(h.spill.get());
      if (std::fread(object_.data(), 1, h.spilled, h.spill.get()) != h.spilled) {
        return IoError("reading host " + h.name + "'s open object back from its temporary file: " +
                       std::strerror(errno));
      }
      std::rewind(h.spill.get());  // the next object overwrites it
      object_.append(h.buf, 0, from_buf);
      data = object_;
    }
    if (o_.compress != codec::Compression::kNone) {
      RETURN_IF_ERROR(codec::Compress(o_.compress, data, &compressed_));
      data = compressed_;
    }
    auto created = publish_(key, data);
    if (!created) return created.error().WithContext("publishing " + key);
    ++(*created ? st.objects_created : st.objects_unchanged);
    stats_.stored_bytes += data.size();
    h.buf.erase(0, from_buf);
    h.spilled = 0;
    h.object_lines = 0;  // a kept remainder is the line being emitted, counted by Emit
    return Status::Ok();
  }

  const GeneratorOptions& o_;
  PatternGenerator pattern_;
  const Publisher& publish_;
  GenerateHooks hooks_;
  LevelPicker picker_;
  std::vector<Host> hosts_;
  GenerateStats stats_;
  std::string message_, insert_, compressed_, object_;  // reused across lines
  size_t spill_files_left_ = 0;
};

}  // namespace

uint64_t HostStats::TotalLines() const {
  uint64_t n = 0;
  for (uint64_t c : lines) n += c;
  return n;
}

uint64_t GenerateStats::TotalLines() const {
  uint64_t n = 0;
  for (const HostStats& h : hosts) n += h.TotalLines();
  return n;
}
uint64_t GenerateStats::ObjectsCreated() const {
  uint64_t n = 0;
  for (const HostStats& h : hosts) n += h.objects_created;
  return n;
}
uint64_t GenerateStats::ObjectsUnchanged() const {
  uint64_t n = 0;
  for (const HostStats& h : hosts) n += h.objects_unchanged;
  return n;
}

Publisher NullPublisher() {
  return [](std::string_view, std::string_view) -> Result<bool> { return true; };
}

std::string HostName(int index) { return "host-" + std::to_string(index + 1); }

std::string ObjectKey(std::string_view prefix, std::string_view host, TimeMs day,
                      uint64_t sequence, codec::Compression compression) {
  std::string key;
  if (!prefix.empty()) {
    key.append(prefix);
    key.push_back('/');
  }
  char seq[32];
  std::snprintf(seq, sizeof seq, "%06llu", static_cast<unsigned long long>(sequence));
  key.append(host).append("/").append(FormatDate(day)).append("/");
  key.append(host).append("-").append(seq).append(".log");
  key.append(codec::CompressionSuffix(compression));
  return key;
}

bool InBurst(const BurstOptions& burst, TimeMs t) {
  if (burst.period <= 0) return false;
  return t - FloorDiv(t, burst.period) * burst.period < burst.length;
}

Status ValidateGeneratorOptions(const GeneratorOptions& o) {
  if (o.min_string < 0 || o.min_string > o.max_string || o.max_string > 65536) {
    return Bad("min_string " + std::to_string(o.min_string) + " and max_string " +
               std::to_string(o.max_string) + ": want 0 <= min_string <= max_string <= 65536");
  }
  if (o.min_symbol < 32 || o.min_symbol > o.max_symbol || o.max_symbol > 126) {
    return Bad("min_symbol " + std::to_string(o.min_symbol) + " and max_symbol " +
               std::to_string(o.max_symbol) +
               ": want 32 <= min_symbol <= max_symbol <= 126 (printable ASCII, so a "
               "message never breaks its line)");
  }
  if (!(o.frequency >= 0 && o.frequency <= 1)) {
    return Bad("frequency " + std::to_string(o.frequency) + " is outside [0, 1]");
  }
  RETURN_IF_ERROR(ValidateLevels(o.levels));
  if (auto p = PatternGenerator::Compile(o.pattern); !p) return p.error();
  if (o.max_count < 0) return Bad("max_count must be >= 0 (0 = run for duration_minutes)");
  if (o.max_count == 0 && o.duration_minutes <= 0) {
    return Bad("duration_minutes must be > 0 when max_count is 0");
  }
  if (o.time_period < 0) return Bad("time_period must be >= 0 ms");
  if (o.time_period == 0 && o.max_count == 0) {
    return Bad("time_period 0 needs a max_count (otherwise the run never ends)");
  }
  if (o.hosts < 1 || o.hosts > kMaxHosts) return Bad("hosts must be in [1, 100000]");
  if (!(o.rate >= 0)) return Bad("rate must be >= 0 lines per second (0 = no cap)");
  if (o.format != LineFormat::kIso && o.format != LineFormat::kClassic) {
    return Bad("format must be iso or classic");
  }
  if (o.burst.enabled) {
    if (o.burst.period <= 0 || o.burst.length <= 0 || o.burst.length > o.burst.period) {
      return Bad("burst: want 0 < burst_length <= burst_period (got length " +
                 FormatDuration(o.burst.length) + ", period " + FormatDuration(o.burst.period) + ")");
    }
    if (!(o.burst.share >= 0 && o.burst.share <= 1)) return Bad("burst_share is outside [0, 1]");
    if (o.burst.hosts < 0) return Bad("burst_hosts must be >= 0 (0 = every host)");
  }
  if (!(o.disorder >= 0 && o.disorder <= 1)) return Bad("disorder is outside [0, 1]");
  if (o.disorder > 0 && o.disorder_max < 1) return Bad("disorder_max must be at least 1ms");
  if (o.roll_lines < 0 || o.roll_bytes < 0 || o.roll_seconds < 0) {
    return Bad("roll_lines, roll_bytes and roll_seconds must be >= 0 (0 = off)");
  }
  RETURN_IF_ERROR(ValidatePrefix(o.prefix));
  return Status::Ok();
}

Result<GenerateStats> Generate(const GeneratorOptions& options, const Publisher& publish,
                               const GenerateHooks& hooks) {
  RETURN_IF_ERROR(ValidateGeneratorOptions(options));
  ASSIGN_OR_RETURN(PatternGenerator pattern, PatternGenerator::Compile(options.pattern));
  Generator g(options, std::move(pattern), publish, hooks);
  return g.Run();
}

}  // namespace logstream
