#include "src/generate/generator.h"

#include <re2/re2.h>

#include <map>

#include <gtest/gtest.h>

#include "src/base/compress.h"
#include "src/record/parser.h"
#include "src/template/miner.h"

namespace logstream {
namespace {

constexpr TimeMs kStart = 1795478400000;  // 2026-11-24T00:00:00Z

// Collects published objects in key order; counts publications.
struct Collector {
  std::map<std::string, std::string> objects;
  std::vector<std::string> order;
  Publisher publisher() {
    return [this](std::string_view key, std::string_view data) -> Result<bool> {
      order.emplace_back(key);
      auto [it, inserted] = objects.try_emplace(std::string(key), data);
      if (!inserted && it->second != data) return Err(AlreadyExists("differs: " + std::string(key)));
      return inserted;
    };
  }
};

GeneratorOptions Simulated(int64_t count, int hosts = 1) {
  GeneratorOptions o;
  o.start = kStart;
  o.max_count = count;
  o.hosts = hosts;
  o.seed = 7;
  return o;
}

Collector RunInto(const GeneratorOptions& o, GenerateStats* stats = nullptr) {
  Collector c;
  auto r = Generate(o, c.publisher());
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  if (r && stats) *stats = *r;
  return c;
}

std::vector<std::string_view> Lines(std::string_view data) {
  std::vector<std::string_view> lines;
  while (!data.empty()) {
    size_t nl = data.find('\n');
    EXPECT_NE(nl, std::string_view::npos) << "object does not end with a newline";
    if (nl == std::string_view::npos) break;
    lines.push_back(data.substr(0, nl));
    data.remove_prefix(nl + 1);
  }
  return lines;
}

// Every parsed line of every object, in key order.
struct Parsed {
  std::string key;
  LogLine line;
};
std::vector<Parsed> ParseAll(const Collector& c, LineFormat format = LineFormat::kIso) {
  std::vector<Parsed> out;
  for (const auto& [key, data] : c.objects) {
    for (std::string_view l : Lines(data)) {
      ParseOptions po{.format = format, .classic_date = ClassicDateFromKey(key)};
      auto p = ParseLine(l, po);
      EXPECT_TRUE(p.has_value()) << key << ": " << l << ": " << p.error().ToString();
      if (p) out.push_back({key, *p});
    }
  }
  return out;
}

TEST(GeneratorTest, SameSeedGivesIdenticalObjectsDifferentSeedDiffers) {
  GeneratorOptions o = Simulated(5000, 2);
  o.roll_lines = 1000;
  Collector a = RunInto(o), b = RunInto(o);
  EXPECT_EQ(a.objects.size(), 10u);
  EXPECT_EQ(a.objects, b.objects);
  EXPECT_EQ(a.order, b.order);
  o.seed = 8;
  Collector c = RunInto(o);
  ASSERT_EQ(c.objects.size(), a.objects.size());
  for (const auto& [key, data] : a.objects) EXPECT_NE(c.objects[key], data) << key;
}

TEST(GeneratorTest, HostsHaveTheirOwnStreams) {
  Collector c = RunInto(Simulated(100, 2));
  ASSERT_EQ(c.objects.size(), 2u);
  auto h1 = c.objects.at("host-1/2026-11-24/host-1-000001.log");
  auto h2 = c.objects.at("host-2/2026-11-24/host-2-000001.log");
  EXPECT_NE(h1.substr(h1.find(" - ")), h2.substr(h2.find(" - ")));
}

TEST(GeneratorTest, KeysAreNamedAndZeroPadded) {
  GeneratorOptions o = Simulated(2500, 2);
  o.roll_lines = 1000;
  Collector c = RunInto(o);
  std::vector<std::string> keys;
  for (const auto& [k, v] : c.objects) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "host-1/2026-11-24/host-1-000001.log", "host-1/2026-11-24/host-1-000002.log",
                      "host-1/2026-11-24/host-1-000003.log", "host-2/2026-11-24/host-2-000001.log",
                      "host-2/2026-11-24/host-2-000002.log", "host-2/2026-11-24/host-2-000003.log"}));
  // Publication order is time order per host.
  EXPECT_EQ(c.order.front(), "host-1/2026-11-24/host-1-000001.log");

  EXPECT_EQ(ObjectKey("logs/raw", "host-3", kStart + 5, 12, codec::Compression::kGzip),
            "logs/raw/host-3/2026-11-24/host-3-000012.log.gz");
  EXPECT_EQ(ObjectKey("", "host-3", kStart, 1234567, codec::Compression::kZstd),
            "host-3/2026-11-24/host-3-1234567.log.zst");
  EXPECT_EQ(HostName(0), "host-1");

  o.prefix = "a/b";
  o.compress = codec::Compression::kZstd;
  Collector p = RunInto(o);
  EXPECT_EQ(p.objects.begin()->first, "a/b/host-1/2026-11-24/host-1-000001.log.zst");
}

TEST(GeneratorTest, RollsAtUtcMidnightSoLinesHaveTheirKeysDate) {
  for (LineFormat format : {LineFormat::kIso, LineFormat::kClassic}) {
    GeneratorOptions o = Simulated(12000);
    o.start = kStart - 60000;  // 23:59:00 the day before; 2 minutes of lines
    o.roll_seconds = 0;
    o.disorder = 0.3;  // disordered stamps never cross back over midnight
    o.format = format;
    Collector c = RunInto(o);
    ASSERT_EQ(c.objects.size(), 2u);
    EXPECT_TRUE(c.objects.contains("host-1/2026-11-23/host-1-000001.log"));
    EXPECT_TRUE(c.objects.contains("host-1/2026-11-24/host-1-000002.log"));
    auto parsed = ParseAll(c, format);
    ASSERT_EQ(parsed.size(), 12000u);
    for (const Parsed& p : parsed) {
      ASSERT_EQ(FormatDate(p.line.time), FindDate(p.key) ? FormatDate(*FindDate(p.key)) : "")
          << p.key;
    }
    if (format == LineFormat::kIso) {
      for (const Parsed& p : parsed) {
        ASSERT_EQ(FormatDate(p.line.time), p.key.substr(7, 10));
      }
    }
  }
}

TEST(GeneratorTest, RollsByLines) {
  GeneratorOptions o = Simulated(5500);
  o.roll_seconds = 0;
  o.roll_lines = 1000;
  GenerateStats stats;
  Collector c = RunInto(o, &stats);
  ASSERT_EQ(c.objects.size(), 6u);
  int i = 0;
  for (const auto& [key, data] : c.objects) {
    EXPECT_EQ(Lines(data).size(), ++i < 6 ? 1000u : 500u) << key;
  }
  EXPECT_EQ(stats.ObjectsCreated(), 6u);
  EXPECT_EQ(stats.TotalLines(), 5500u);
}

TEST(GeneratorTest, RollsByBytesWithoutExceedingTheLimit) {
  GeneratorOptions o = Simulated(3000);
  o.roll_seconds = 0;
  o.roll_bytes = 10000;
  Collector c = RunInto(o);
  size_t lines = 0;
  std::string all;
  const std::string* prev = nullptr;
  for (const auto& [key, data] : c.objects) {
    EXPECT_LE(data.size(), 10000u) << key;
    if (prev) {
      // The previous object was cut because this object's first line did not fit.
      EXPECT_GT(prev->size() + Lines(data)[0].size() + 1, 10000u) << key;
    }
    prev = &data;
    lines += Lines(data).size();
    all += data;
  }
  EXPECT_GT(c.objects.size(), 20u);
  EXPECT_EQ(lines, 3000u);
  // Cutting by bytes changes nothing in the stream of lines.
  GeneratorOptions whole = Simulated(3000);
  whole.roll_seconds = 0;
  EXPECT_EQ(RunInto(whole).objects.begin()->second, all);
}

// Open objects spilled to temporary files past a few bytes come out the
// same, in the same order, whatever makes them roll.
TEST(GeneratorTest, SpilledObjectsAreTheSameObjects) {
  for (int roll = 0; roll < 4; ++roll) {
    GeneratorOptions o = Simulated(4000, 3);
    o.roll_seconds = roll == 0 ? 60 : 0;
    o.roll_lines = roll == 1 ? 700 : 0;
    o.roll_bytes = roll == 2 ? 20000 : 0;
    o.compress = roll == 3 ? codec::Compression::kGzip : codec::Compression::kNone;
    o.spill_bytes = 0;
    const Collector memory = RunInto(o);
    for (size_t spill : {1, 100, 5000}) {
      o.spill_bytes = spill;
      const Collector spilled = RunInto(o);
      EXPECT_EQ(spilled.order, memory.order) << roll << " " << spill;
      EXPECT_EQ(spilled.objects, memory.objects) << roll << " " << spill;
    }
  }
}

TEST(GeneratorTest, RollsBySeconds) {
  GeneratorOptions o = Simulated(3000);  // 30 s of lines at 10 ms
  o.roll_seconds = 5;
  Collector c = RunInto(o);
  ASSERT_EQ(c.objects.size(), 6u);
  for (const auto& [key, data] : c.objects) {
    Collector one;
    one.objects[key] = data;
    auto parsed = ParseAll(one);
    ASSERT_EQ(parsed.size(), 500u);
    EXPECT_LT(parsed.back().line.time - parsed.front().line.time, 5000) << key;
  }
}

TEST(GeneratorTest, LevelSharesAndPatternFrequencyMatchTheOptions) {
  GeneratorOptions o = Simulated(300000);
  GenerateStats stats;
  Collector c = RunInto(o, &stats);
  auto parsed = ParseAll(c);
  ASSERT_EQ(parsed.size(), 300000u);
  std::array<double, kLevelCount> count{};
  RE2 re(o.pattern);
  int with_pattern = 0, too_short = 0;
  for (const Parsed& p : parsed) {
    ++count[static_cast<size_t>(p.line.level)];
    if (RE2::PartialMatch(p.line.message, re)) ++with_pattern;
    if (p.line.message.size() < 10 || p.line.message.size() > 50 + 45) ++too_short;
  }
  const double n = 300000;
  EXPECT_NEAR(count[static_cast<size_t>(Level::kError)] / n, 0.01, 0.001);
  EXPECT_NEAR(count[static_cast<size_t>(Level::kWarn)] / n, 0.19, 0.004);
  EXPECT_NEAR(count[static_cast<size_t>(Level::kDebug)] / n, 0.10, 0.003);
  EXPECT_NEAR(count[static_cast<size_t>(Level::kInfo)] / n, 0.70, 0.004);
  EXPECT_NEAR(with_pattern / n, 0.07, 0.003);
  EXPECT_EQ(too_short, 0);
  for (Level l : kAllLevels) {
    EXPECT_EQ(stats.hosts[0].lines[static_cast<size_t>(l)], count[static_cast<size_t>(l)]);
  }
}

TEST(GeneratorTest, MessagesUseTheConfiguredLengthsAndSymbols) {
  GeneratorOptions o = Simulated(20000);
  o.min_string = 3;
  o.max_string = 5;
  o.min_symbol = 'a';
  o.max_symbol = 'c';
  o.frequency = 0;
  Collector c = RunInto(o);
  for (const Parsed& p : ParseAll(c)) {
    ASSERT_GE(p.line.message.size(), 3u);
    ASSERT_LE(p.line.message.size(), 5u);
    ASSERT_EQ(p.line.message.find_first_not_of("abc"), std::string_view::npos);
    ASSERT_EQ(p.line.logger, "HelperUtils.Parameters$");
    ASSERT_TRUE(p.line.thread.starts_with("scala-execution-context-global-"));
  }
}

// messages = services: service log lines whose variables are filled in, the
// pattern string a word of its own, and the template miner learns one
// template per shape (22 of them) from the rest.
TEST(GeneratorTest, ServiceMessagesAreLearnableTemplates) {
  GeneratorOptions o = Simulated(50000);
  o.messages = MessageKind::kServices;
  Collector c = RunInto(o);
  auto parsed = ParseAll(c);
  ASSERT_EQ(parsed.size(), 50000u);
  RE2 re(o.pattern);
  RE2 word("(^| )" + o.pattern + "( |$)");
  auto miner = TemplateMiner::Make({});
  ASSERT_TRUE(miner.has_value());
  int with_pattern = 0;
  for (const Parsed& p : parsed) {
    ASSERT_EQ(p.line.message.find_first_of("{}"), std::string_view::npos) << p.line.message;
    if (RE2::PartialMatch(p.line.message, re)) {
      ++with_pattern;
      EXPECT_TRUE(RE2::PartialMatch(p.line.message, word)) << p.line.message;
      continue;
    }
    miner->Add(p.line.message);
  }
  EXPECT_NEAR(with_pattern / 50000.0, 0.07, 0.005);
  EXPECT_EQ(miner->size(), 22u);
  // The same seed, the same lines.
  EXPECT_EQ(RunInto(o).objects, c.objects);
}

TEST(GeneratorTest, BurstRaisesTheErrorShareInsideBurstsOnly) {
  GeneratorOptions o = Simulated(120000, 2);  // 20 minutes per host
  o.burst = {.enabled = true, .period = 600000, .length = 60000, .share = 0.5, .hosts = 1};
  Collector c = RunInto(o);
  std::map<std::pair<std::string, bool>, std::pair<double, double>> shares;  // errors, all
  for (const Parsed& p : ParseAll(c)) {
    auto& s = shares[{p.key.substr(0, 6), InBurst(o.burst, p.line.time)}];
    s.first += p.line.level == Level::kError;
    s.second += 1;
  }
  auto share = [&](const char* host, bool in) {
    auto s = shares[{host, in}];
    return s.first / s.second;
  };
  EXPECT_NEAR(share("host-1", true), 0.5, 0.02);
  EXPECT_NEAR(share("host-1", false), 0.01, 0.002);
  EXPECT_NEAR(share("host-2", true), 0.01, 0.005);
  EXPECT_NEAR(share("host-2", false), 0.01, 0.002);
  EXPECT_TRUE(InBurst(o.burst, kStart));
  EXPECT_TRUE(InBurst(o.burst, kStart + 59999));
  EXPECT_FALSE(InBurst(o.burst, kStart + 60000));
  EXPECT_TRUE(InBurst(o.burst, kStart + 600000));
}

TEST(GeneratorTest, DisorderStaysWithinTheBound) {
  GeneratorOptions o = Simulated(100000);
  o.disorder = 0.2;
  o.disorder_max = 500;
  Collector c = RunInto(o);
  TimeMs latest = INT64_MIN, prev = INT64_MIN;
  int disordered = 0, earlier_than_previous = 0;
  for (const Parsed& p : ParseAll(c)) {
    if (latest != INT64_MIN) {
      ASSERT_LE(latest - p.line.time, 500);
      disordered += p.line.time < latest;
      earlier_than_previous += p.line.time < prev;
    }
    latest = std::max(latest, p.line.time);
    prev = p.line.time;
  }
  EXPECT_NEAR(disordered / 100000.0, 0.2, 0.01);
  EXPECT_GT(earlier_than_previous, 10000);
}

TEST(GeneratorTest, CompressedObjectsRoundTripToThePlainOnes) {
  GeneratorOptions o = Simulated(5000);
  o.roll_lines = 2000;
  Collector plain = RunInto(o);
  for (codec::Compression comp : {codec::Compression::kGzip, codec::Compression::kZstd}) {
    o.compress = comp;
    Collector packed = RunInto(o);
    Collector again = RunInto(o);
    EXPECT_EQ(packed.objects, again.objects) << "compressed bytes are deterministic";
    ASSERT_EQ(packed.objects.size(), plain.objects.size());
    auto it = plain.objects.begin();
    for (const auto& [key, data] : packed.objects) {
      EXPECT_EQ(key, it->first + std::string(codec::CompressionSuffix(comp)));
      std::string back;
      ASSERT_TRUE(codec::Decompress(comp, data, &back).ok());
      EXPECT_EQ(back, it->second);
      EXPECT_LT(data.size(), it->second.size());
      ++it;
    }
  }
}

TEST(GeneratorTest, RealTimeModeUsesTheClockAndSleeps) {
  GeneratorOptions o;
  o.max_count = 50;
  o.time_period = 100;
  TimeMs now = kStart + 123;
  TimeMs slept = 0;
  GenerateHooks hooks{.now = [&] { return now; },
                      .sleep_ms = [&](TimeMs ms) { now += ms, slept += ms; }};
  Collector c;
  auto stats = Generate(o, c.publisher(), hooks);
  ASSERT_TRUE(stats) << stats.error().ToString();
  auto parsed = ParseAll(c);
  ASSERT_EQ(parsed.size(), 50u);
  EXPECT_EQ(parsed.front().line.time, kStart + 123);
  EXPECT_EQ(parsed.back().line.time, kStart + 123 + 49 * 100);
  EXPECT_EQ(slept, 49 * 100);
}

TEST(GeneratorTest, RealTimeModeRunsForDurationMinutes) {
  GeneratorOptions o;
  o.duration_minutes = 1;
  o.time_period = 1000;
  TimeMs now = kStart;
  GenerateHooks hooks{.now = [&] { return now; }, .sleep_ms = [&](TimeMs ms) { now += ms; }};
  auto stats = Generate(o, NullPublisher(), hooks);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->TotalLines(), 60u);
}

TEST(GeneratorTest, RateCapSleeps) {
  GeneratorOptions o = Simulated(1000, 2);
  o.rate = 500;  // 2000 lines at 500/s: 4 s
  TimeMs now = 0, slept = 0;
  GenerateHooks hooks{.now = [&] { return now; },
                      .sleep_ms = [&](TimeMs ms) { now += ms, slept += ms; }};
  auto stats = Generate(o, NullPublisher(), hooks);
  ASSERT_TRUE(stats);
  EXPECT_NEAR(static_cast<double>(slept), 4000, 10);
}

TEST(GeneratorTest, StopEndsEarlyAndPublishesWhatWasWritten) {
  GeneratorOptions o = Simulated(0);
  o.duration_minutes = 60 * 24 * 365;
  std::atomic<bool> stop{false};
  int calls = 0;
  TimeMs now = 0;
  GenerateHooks hooks{.now = [&] { return now += 1; }, .stop = &stop};
  Collector c;
  Publisher p = [&](std::string_view k, std::string_view d) -> Result<bool> {
    if (++calls == 3) stop = true;
    return c.publisher()(k, d);
  };
  auto stats = Generate(o, p, hooks);
  ASSERT_TRUE(stats);
  EXPECT_TRUE(stats->stopped);
  EXPECT_EQ(ParseAll(c).size(), stats->TotalLines());
}

TEST(GeneratorTest, StopIsSeenDuringLongSleeps) {
  GeneratorOptions o;
  o.max_count = 10;
  o.time_period = 3600000;  // an hour between messages
  std::atomic<bool> stop{false};
  TimeMs now = kStart;
  GenerateHooks hooks{.now = [&] { return now; },
                      .sleep_ms = [&](TimeMs ms) {
                        EXPECT_LE(ms, 200);
                        now += ms;
                        if (now - kStart > 5000) stop = true;
                      },
                      .stop = &stop};
  Collector c;
  auto stats = Generate(o, c.publisher(), hooks);
  ASSERT_TRUE(stats);
  EXPECT_TRUE(stats->stopped);
  EXPECT_EQ(stats->TotalLines(), 1u);
  EXPECT_EQ(c.objects.size(), 1u) << "the line written before the stop is published";
  EXPECT_LT(now - kStart, 6000);
}

TEST(GeneratorTest, PublisherErrorsStopTheRun) {
  auto stats = Generate(Simulated(100), [](std::string_view, std::string_view) -> Result<bool> {
    return Err(IoError("disk full"));
  });
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message().find("disk full"), std::string::npos);
  EXPECT_NE(stats.error().message().find("host-1/2026-11-24/host-1-000001.log"), std::string::npos);
}

TEST(GeneratorTest, RepublishingIdenticalObjectsCountsThemUnchanged) {
  Collector c;
  GeneratorOptions o = Simulated(3000);
  o.roll_lines = 1000;
  auto first = Generate(o, c.publisher());
  auto second = Generate(o, c.publisher());
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->ObjectsCreated(), 3u);
  EXPECT_EQ(second->ObjectsCreated(), 0u);
  EXPECT_EQ(second->ObjectsUnchanged(), 3u);
}

TEST(GeneratorTest, ValidationNamesTheProblem) {
  struct Case {
    std::function<void(GeneratorOptions&)> mutate;
    const char* message_part;
  };
  std::vector<Case> cases = {
      {[](auto& o) { o.min_string = 60; }, "min_string"},
      {[](auto& o) { o.min_string = -1; }, "min_string"},
      {[](auto& o) { o.min_symbol = 10; }, "min_symbol"},
      {[](auto& o) { o.max_symbol = 200; }, "max_symbol"},
      {[](auto& o) { o.min_symbol = 100, o.max_symbol = 90; }, "min_symbol"},
      {[](auto& o) { o.frequency = 1.5; }, "frequency"},
      {[](auto& o) { o.frequency = -0.1; }, "frequency"},
      {[](auto& o) { o.levels.warn = {0.01, 0.25}; }, "overlap"},
      {[](auto& o) { o.levels.warn = {0.01, 0.15}; }, "gap"},
      {[](auto& o) { o.levels.info = {0.3, 0.9}; }, "gap"},
      {[](auto& o) { o.levels.error = {0.005, 0.01}; }, "gap"},
      {[](auto& o) { o.levels.error = {0.02, 0.01}; }, "invalid"},
      {[](auto& o) { o.pattern = "([a-c"; }, "bad pattern"},
      {[](auto& o) { o.max_count = -1; }, "max_count"},
      {[](auto& o) { o.duration_minutes = 0; }, "duration_minutes"},
      {[](auto& o) { o.time_period = -5; }, "time_period"},
      {[](auto& o) { o.time_period = 0; }, "time_period 0"},
      {[](auto& o) { o.hosts = 0; }, "hosts"},
      {[](auto& o) { o.rate = -1; }, "rate"},
      {[](auto& o) { o.format = LineFormat::kAuto; }, "format"},
      {[](auto& o) { o.burst.enabled = true, o.burst.length = o.burst.period + 1; }, "burst"},
      {[](auto& o) { o.burst.enabled = true, o.burst.share = 2; }, "burst_share"},
      {[](auto& o) { o.disorder = 2; }, "disorder"},
      {[](auto& o) { o.disorder = 0.1, o.disorder_max = 0; }, "disorder_max"},
      {[](auto& o) { o.roll_lines = -1; }, "roll_lines"},
      {[](auto& o) { o.prefix = "/abs"; }, "prefix"},
      {[](auto& o) { o.prefix = "a/../b"; }, "prefix"},
  };
  EXPECT_TRUE(ValidateGeneratorOptions(GeneratorOptions{}).ok());
  for (const Case& c : cases) {
    GeneratorOptions o;
    c.mutate(o);
    Status s = ValidateGeneratorOptions(o);
    ASSERT_FALSE(s.ok()) << c.message_part;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.message_part), std::string::npos) << s.message();
    auto r = Generate(o, NullPublisher());
    EXPECT_FALSE(r.has_value()) << "Generate validates too: " << c.message_part;
  }
  GeneratorOptions off;
  off.levels.error = {0, 0};  // an empty range turns ERROR off
  off.levels.warn = {0, 0.2};
  EXPECT_TRUE(ValidateGeneratorOptions(off).ok());
}

}  // namespace
}  // namespace logstream
