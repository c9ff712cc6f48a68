#include "src/cli/generator_flags.h"

#include <gtest/gtest.h>

namespace logstream::cli {
namespace {

// Parses args (without the program name) into opts; returns CLI11's error text or "".
std::string Parse(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes them in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(GeneratorFlagsTest, DefaultsAreTheGeneratorDefaults) {
  CLI::App app;
  GeneratorOptions opts;
  AddGeneratorFlags(&app, &opts);
  ASSERT_EQ(Parse(app, {}), "");
  GeneratorOptions defaults;
  EXPECT_EQ(opts.min_string, defaults.min_string);
  EXPECT_EQ(opts.pattern, defaults.pattern);
  EXPECT_FALSE(opts.start);
  EXPECT_NE(app.help().find("--min-string"), std::string::npos);
  EXPECT_NE(app.help().find("0.07"), std::string::npos);
}

TEST(GeneratorFlagsTest, FlagsSetEveryKindOfField) {
  CLI::App app;
  GeneratorOptions o;
  AddGeneratorFlags(&app, &o);
  ASSERT_EQ(Parse(app, {"--min-string", "5", "--max-count", "100000", "--seed", "7", "--hosts", "3",
                        "--start", "2026-11-24T00:00:00Z", "--format", "classic", "--frequency", "0.5",
                        "--burst-share", "0.8", "--disorder", "0.1", "--disorder-max", "3s",
                        "--roll-bytes", "1000", "--compress", "zstd", "--error-range", "0,0.02",
                        "--warn-range", "0.02,0.2", "--prefix", "logs/raw", "--rate", "1000"}),
            "");
  EXPECT_EQ(o.min_string, 5);
  EXPECT_EQ(o.max_count, 100000);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(o.hosts, 3);
  EXPECT_EQ(o.start, 1795478400000);
  EXPECT_EQ(o.format, LineFormat::kClassic);
  EXPECT_DOUBLE_EQ(o.frequency, 0.5);
  EXPECT_TRUE(o.burst.enabled) << "a burst parameter turns bursts on";
  EXPECT_DOUBLE_EQ(o.burst.share, 0.8);
  EXPECT_EQ(o.disorder_max, 3000);
  EXPECT_EQ(o.roll_bytes, 1000);
  EXPECT_EQ(o.compress, codec::Compression::kZstd);
  EXPECT_DOUBLE_EQ(o.levels.error.hi, 0.02);
  EXPECT_EQ(o.prefix, "logs/raw");
  EXPECT_DOUBLE_EQ(o.rate, 1000);
  EXPECT_TRUE(ValidateGeneratorOptions(o).ok());
}

TEST(GeneratorFlagsTest, BadValuesNameTheOption) {
  for (auto [args, part] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--start", "yesterday"}, "RFC 3339"},
           {{"--hosts", "three"}, "not an integer"},
           {{"--frequency", "x"}, "not a number"},
           {{"--format", "json"}, "iso or classic"},
           {{"--compress", "lz4"}, "none, gzip or zstd"},
           {{"--burst-period", "10"}, "duration"},
           {{"--error-range", "0"}, "LO,HI"},
       }) {
    CLI::App app;
    GeneratorOptions o;
    AddGeneratorFlags(&app, &o);
    std::string err = Parse(app, args);
    EXPECT_NE(err.find(part), std::string::npos) << args[0] << ": " << err;
    EXPECT_NE(err.find(args[0]), std::string::npos) << err;
  }
}

TEST(GeneratorFlagsTest, TomlAppliesAndTheCommandLineWins) {
  CLI::App app;
  GeneratorOptions o;
  AddGeneratorFlags(&app, &o);
  ASSERT_EQ(Parse(app, {"--hosts", "2"}), "");
  toml::table root = toml::parse(R"(
    [generator]
    hosts = 5
    max_count = 1000
    frequency = 0.25
    start = 2026-11-24T00:00:00Z
    burst_period = "5m"
    compress = "gzip"
    [generator.levels]
    error = [0, 0.1]
    warn = [0.1, 0.2]
    [ingest]
    anything = "belongs to another command"
  )");
  Status s = ApplyGeneratorToml(root, app, &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(o.hosts, 2);
  EXPECT_EQ(o.max_count, 1000);
  EXPECT_DOUBLE_EQ(o.frequency, 0.25);
  EXPECT_EQ(o.start, 1795478400000);
  EXPECT_TRUE(o.burst.enabled);
  EXPECT_EQ(o.burst.period, 300000);
  EXPECT_EQ(o.compress, codec::Compression::kGzip);
  EXPECT_DOUBLE_EQ(o.levels.error.hi, 0.1);
}

TEST(GeneratorFlagsTest, TomlErrors) {
  for (auto [text, part] : std::vector<std::pair<std::string, std::string>>{
           {"[generator]\nmax_cuont = 1\n", "unknown key 'max_cuont' in [generator]"},
           {"[generator.levels]\nfatal = [0, 1]\n", "unknown key 'fatal' in [generator.levels]"},
           {"[generator]\nhosts = 1.5\n", "not an integer"},
           {"[generator]\nburst = 1\n", "true or false"},
           {"[generator]\nlevels = 3\n", "unknown key"},
           {"[generator]\nprefix = { a = 1 }\n", "unsupported TOML value"},
           {"generator = 3\n", "must be a table"},
       }) {
    CLI::App app;
    GeneratorOptions o;
    AddGeneratorFlags(&app, &o);
    ASSERT_EQ(Parse(app, {}), "");
    Status s = ApplyGeneratorToml(toml::parse(text), app, &o);
    EXPECT_FALSE(s.ok()) << text;
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  }
  CLI::App app;
  GeneratorOptions o;
  Status s = LoadGeneratorConfig("/nonexistent/gen.toml", app, &o);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/gen.toml"), std::string::npos);
}

}  // namespace
}  // namespace logstream::cli
