// The log generator: CS441 LogFileGenerator-compatible log files from
// simulated hosts, rolled into objects and handed to a Publisher.
//
// Each host (named host-1 .. host-N) writes one line every `time_period` ms:
//   2026-11-24T00:00:00.010Z [scala-execution-context-global-14] INFO  HelperUtils.Parameters$ - MESSAGE
// (iso; `classic` drops the date as the original logback pattern did). The
// message is a random string of length uniform in [min_string, max_string] of
// characters uniform in [min_symbol, max_symbol]; with probability `frequency`
// a string generated to match `pattern` is inserted at a random position. The
// level is drawn from the `levels` likelihood ranges, as in the original.
// With `messages` kServices the message is one of a few dozen service log
// shapes of its level with random variables instead (service_messages.h),
// the pattern string inserted as a word of its own.
//
// Objects: a host's lines are cut into objects by line count, byte size or
// event-time span, and always at UTC midnight, so every line of an object has
// the date of its key:
//   [PREFIX/]HOST/YYYY-MM-DD/HOST-SEQUENCE.log[.gz|.zst]
// SEQUENCE counts the host's objects from 000001 (six digits, so key order is
// time order; a host may write at most 999,999 objects per run).
//
// Determinism: with `start` set (simulated time), the same options and seed
// give byte-identical objects, published in the same order; every host has its
// own random stream derived from (seed, host index). Without `start` the
// generator runs in real time (wall-clock stamps, sleeping between messages),
// which is not reproducible.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/base/compress.h"
#include "src/record/log_record.h"

namespace logstream {

// A level is chosen when a uniform draw u in [0, 1) falls in [lo, hi). The
// four ranges must tile [0, 1] without gaps or overlaps (an empty range turns
// a level off).
struct LevelRange {
  double lo = 0;
  double hi = 0;
};
struct LevelRanges {
  LevelRange error{0.0, 0.01};
  LevelRange warn{0.01, 0.2};
  LevelRange debug{0.2, 0.3};
  LevelRange info{0.3, 1.0};
};

// Bursts, for testing alerts: event time is cut into `period`s aligned to the
// Unix epoch, and the first `length` of each is a burst, in which a line is
// ERROR with probability `share` (the other levels keep their relative
// likelihoods). Only the first `hosts` hosts burst (0 = every host), so a
// per-host alert rule fires for host-1 and stays quiet for the others by
// default.
struct BurstOptions {
  bool enabled = false;
  TimeMs period = 10 * 60 * 1000;  // 10m
  TimeMs length = 60 * 1000;       // 1m
  double share = 0.5;
  int hosts = 1;
};

enum class MessageKind { kRandom, kServices };

struct GeneratorOptions {
  MessageKind messages = MessageKind::kRandom;
  // Message content (the CS441 LogFileGenerator's options).
  int min_string = 10;   // message length, uniform in [min_string, max_string]
  int max_string = 50;
  int min_symbol = 32;   // message characters, uniform in [min_symbol, max_symbol];
  int max_symbol = 126;  //   printable ASCII only (32..126)
  std::string pattern = "([a-c][e-g][0-3]|[A-Z][5-9][f-w]){5,15}";  // see pattern.h
  double frequency = 0.07;  // probability that a message contains a pattern string
  LevelRanges levels;
  uint64_t seed = 0;

  // How much: max_count messages per host, or (max_count 0) for
  // duration_minutes (of event time with `start`, of wall time without).
  int64_t max_count = 0;
  int64_t duration_minutes = 1;
  int64_t time_period = 10;  // ms between two messages of a host (>= 0)

  int hosts = 1;                // host-1 .. host-N
  std::optional<TimeMs> start;  // simulated event time of the first message
  double rate = 0;              // cap on lines per second over all hosts; 0 = none
  LineFormat format = LineFormat::kIso;  // kIso or kClassic

  BurstOptions burst;
  double disorder = 0;        // share of lines stamped earlier than the latest
  TimeMs disorder_max = 2000;  //   stamp so far, by 1 .. disorder_max ms (never
                               //   before the UTC midnight of their nominal time)

  // Objects roll when they would pass roll_lines lines or roll_bytes bytes
  // (a single longer line still makes one object), when a line is roll_seconds
  // or more after the object's first line, and always at UTC midnight. 0 = off.
  int64_t roll_lines = 0;
  int64_t roll_bytes = 0;
  int64_t roll_seconds = 60;
  codec::Compression compress = codec::Compression::kNone;
  std::string prefix;  // key prefix ("" = keys start at the host name)
  // Memory: a host keeps at most this many bytes of its open object in
  // memory; the rest waits in an unlinked temporary file until the object is
  // published (1,000 hosts with objects of megabytes otherwise hold
  // gigabytes). 0 = all in memory. Not a setting: tests lower it.
  size_t spill_bytes = 64 << 10;
};

// Checks every field; InvalidArgument naming the option and the fix.
Status ValidateGeneratorOptions(const GeneratorOptions& options);

struct HostStats {
  std::string host;
  std::array<uint64_t, kLevelCount> lines{};  // indexed by Level
  uint64_t objects_created = 0;
  uint64_t objects_unchanged = 0;  // identical object already existed
  uint64_t bytes = 0;              // uncompressed line bytes
  uint64_t TotalLines() const;
};

struct GenerateStats {
  std::vector<HostStats> hosts;
  uint64_t stored_bytes = 0;  // bytes published (after compression)
  TimeMs elapsed_ms = 0;      // wall time
  bool stopped = false;       // ended early through GenerateHooks::stop
  uint64_t TotalLines() const;
  uint64_t ObjectsCreated() const;
  uint64_t ObjectsUnchanged() const;
};

// Receives each finished object, in order, on the thread running Generate.
// Returns true if the object was created, false if an identical object was
// already there (a no-op); an error stops the generator and is returned.
using Publisher = std::function<Result<bool>(std::string_view key, std::string_view data)>;

// A publisher that drops everything (for benchmarks); reports "created".
Publisher NullPublisher();

// Clock, sleep, cancellation and progress; the defaults use the real clock.
struct GenerateHooks {
  std::function<TimeMs()> now;           // wall clock; NowMs if empty
  std::function<void(TimeMs)> sleep_ms;  // sleeps; std::this_thread if empty
  const std::atomic<bool>* stop = nullptr;  // set to end early (objects so far are published)
  // Called about once per second of wall time with the running totals.
  std::function<void(const GenerateStats&)> progress;
};

// Runs the generator to completion. Validates the options first. Not
// reentrant per publisher; separate calls are independent.
Result<GenerateStats> Generate(const GeneratorOptions& options, const Publisher& publish,
                               const GenerateHooks& hooks = {});

// "host-1" for index 0.
std::string HostName(int index);
// [PREFIX/]HOST/YYYY-MM-DD/HOST-NNNNNN.log[.gz|.zst]; `day` is any time of that UTC day.
std::string ObjectKey(std::string_view prefix, std::string_view host, TimeMs day,
                      uint64_t sequence, codec::Compression compression);
// Whether event time t lies in a burst period (ignores `enabled` and `hosts`).
bool InBurst(const BurstOptions& burst, TimeMs t);

}  // namespace logstream
