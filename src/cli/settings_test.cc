#include "src/cli/settings.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "src/generate/generator_options.h"
#include "src/kafka/kafka_properties.h"

namespace logstream::cli {
namespace {

// A file of its own per test and call: ctest runs tests in parallel.
std::string WriteToml(const std::string& text) {
  static int n = 0;
  std::string path = ::testing::TempDir() + "settings_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                     std::to_string(getpid()) + "_" + std::to_string(n++) + ".toml";
  std::ofstream(path) << text;
  return path;
}

// As main() does: [kafka] keys and -X are checked by librdkafka.
const bool kRegistered = [] {
  RegisterPropertyChecker(&CheckKafkaProperty);
  return true;
}();

// Parses argv with the flags of the tables a command uses: ingest's, or
// (generator) generate's.
struct Command {
  CLI::App app{"test"};
  GivenFlags given;
  explicit Command(bool generator = false) {
    AddFlags(&app, BrokerTable(), &given);
    AddFlags(&app, KafkaTable(), &given);
    if (generator) {
      AddFlags(&app, GeneratorTable(), &given);
      AddFlags(&app, GeneratorLevelsTable(), &given);
    } else {
      AddFlags(&app, IngestTable(), &given);
      AddFlags(&app, EventsTable(), &given);
    }
  }
  void Parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());
    app.parse(args);
  }
};

TEST(SettingsTest, DefaultsWithoutFileOrFlags) {
  Command c(/*generator=*/true);
  c.Parse({});
  Settings s;
  ASSERT_TRUE(Resolve(ConfigFile{}, c.given, &s).ok());
  EXPECT_EQ(s.broker.url, "logstream-data/broker");
  EXPECT_EQ(s.processor, ProcessorConfig{});
  EXPECT_EQ(s.generator.min_string, GeneratorOptions{}.min_string);
  EXPECT_NE(c.app.help().find("--min-string"), std::string::npos);
  EXPECT_NE(c.app.help().find("0.07"), std::string::npos) << "defaults are shown";
}

TEST(SettingsTest, FileThenEnvironmentThenFlagsWin) {
  const std::string path = WriteToml(
      "broker = \"/tmp/from-file\"\nnamespace = \"team-a\"\n"
      "[kafka]\n\"linger.ms\" = 50\n\"enable.idempotence\" = true\n"
      "[ingest]\nmultiline = \"off\"\npartitions = 8\n"
      "[generator]\nhosts = 2\nmax_count = 1000\nburst_period = \"5m\"\n"
      "[generator.levels]\nerror = [0.0, 0.1]\n");
  auto file = LoadConfigFile(path);
  ASSERT_TRUE(file.has_value()) << file.error().message();
  Command c(/*generator=*/true);
  c.Parse({"--namespace", "from-flag", "-X", "linger.ms=5", "--hosts", "4", "--error-range", "0,0.2"});
  setenv("LOGSTREAM_BROKER", "/tmp/from-env", 1);
  Settings s;
  Status st = Resolve(*file, c.given, &s);
  unsetenv("LOGSTREAM_BROKER");
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(s.broker.url, "/tmp/from-env");
  EXPECT_EQ(s.broker.options.name_space, "from-flag");
  EXPECT_EQ(s.broker.options.properties["linger.ms"], "5") << "-X wins per property";
  EXPECT_EQ(s.broker.options.properties["enable.idempotence"], "true");
  EXPECT_FALSE(s.ingest.multiline);
  EXPECT_EQ(s.ingest.partitions, 8);
  EXPECT_EQ(s.generator.hosts, 4);
  EXPECT_EQ(s.generator.max_count, 1000);
  EXPECT_TRUE(s.generator.burst.enabled) << "a burst parameter turns bursts on";
  EXPECT_EQ(s.generator.burst.period, 300000);
  EXPECT_DOUBLE_EQ(s.generator.levels.error.hi, 0.2);
  EXPECT_EQ(s.provenance["broker"], opt::Origin::kEnv);
  EXPECT_EQ(s.provenance["namespace"], opt::Origin::kFlag);
  EXPECT_EQ(s.provenance["ingest.partitions"], opt::Origin::kFile);
  const std::string shown = ShowSettings(s);
  EXPECT_NE(shown.find("partitions = 8  # file"), std::string::npos) << shown;
  EXPECT_NE(shown.find("hosts = 4  # flag"), std::string::npos) << shown;
  EXPECT_NE(shown.find("window = \"10s\"  # default"), std::string::npos) << shown;
}

TEST(SettingsTest, EveryUnknownKeyOfEveryTableIsNamedWithLineAndColumn) {
  const std::string path = WriteToml(
      "bogus = 1\n"                                  // 1
      "[processor]\nwindw = \"1s\"\n"                // 3
      "[[rules]]\nname = \"r\"\nlevl = \"ERROR\"\n"  // 6
      "[[sinks]]\nname = \"s\"\ntype = \"stdout\"\ncolour = \"red\"\n"  // 10
      "[ingest]\nformatt = \"iso\"\n"                // 12
      "[generator]\nhostz = 3\n"                     // 14
      "[kafka]\n\"no.such.property\" = \"1\"\n");    // 16
  auto file = LoadConfigFile(path);
  ASSERT_TRUE(file.has_value());
  Settings s;
  Status st = Resolve(*file, {}, &s);
  ASSERT_FALSE(st.ok());
  for (const char* where : {":1:1:", ":3:1:", ":6:1:", ":10:1:", ":12:1:", ":14:1:", ":16:"}) {
    EXPECT_NE(st.message().find(path + where), std::string::npos) << where << "\n" << st.message();
  }
  for (const char* key : {"'bogus'", "'windw'", "'levl'", "'colour'", "'formatt'", "'hostz'",
                          "no.such.property"}) {
    EXPECT_NE(st.message().find(key), std::string::npos) << key << "\n" << st.message();
  }
}

TEST(SettingsTest, WrongTypesSayWhatIsAllowed) {
  auto file = LoadConfigFile(WriteToml("[processor]\nwindow = 10\n[ingest]\nformat = \"xml\"\n"
                                       "partitions = 0\n[generator]\nfrequency = 2.0\n"));
  ASSERT_TRUE(file.has_value());
  Settings s;
  Status st = Resolve(*file, {}, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(":2:10: processor.window: must be a duration string"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("'xml' is not allowed (want auto, iso or classic)"), std::string::npos);
  EXPECT_NE(st.message().find("'0' is not an integer from 1 to 100000"), std::string::npos);
  EXPECT_NE(st.message().find("'2' is not a number from 0 to 1"), std::string::npos) << st.message();
}

TEST(SettingsTest, BadFlagValuesNameTheFlag) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--start", "yesterday"},
                                        {"--hosts", "many"},
                                        {"--format", "xml"},
                                        {"--error-range", "0.5"},
                                        {"--burst-period", "soon"}}) {
    Command c(/*generator=*/true);
    try {
      c.Parse(args);
      ADD_FAILURE() << args[0] << " was accepted";
    } catch (const CLI::ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(args[0]), std::string::npos) << e.what();
    }
  }
}

TEST(SettingsTest, SecretsAreNotShown) {
  Command c;
  c.Parse({"--webhook-token", "s3cr3t-value", "-X", "sasl.password=hunter2"});
  Settings s;
  ASSERT_TRUE(Resolve(ConfigFile{}, c.given, &s).ok());
  EXPECT_EQ(s.events.webhook_token, "s3cr3t-value");
  const std::string shown = ShowSettings(s);
  EXPECT_EQ(shown.find("s3cr3t-value"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("hunter2"), std::string::npos) << shown;
}

// A renamed key or flag keeps its old name as an alias that warns once.
TEST(SettingsTest, AFormerNameStillWorksAndWarns) {
  struct S {
    int64_t batch = 1;
  };
  opt::Table<S> table("t", "a test table");
  table.Int("batch_size", &S::batch, "records per batch", 1, INT64_MAX,
            {.flag = "--batch-size", .alias = "batch"});
  auto file = LoadConfigFile(WriteToml("[t]\nbatch = 7\n"));
  ASSERT_TRUE(file.has_value());
  S s;
  testing::internal::CaptureStderr();
  ASSERT_TRUE(Resolve(table, *file, {}, &s).ok());
  ASSERT_TRUE(Resolve(table, *file, {}, &s).ok());
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(s.batch, 7);
  EXPECT_NE(err.find("batch is now called batch_size"), std::string::npos) << err;
  EXPECT_EQ(err.find("batch is now"), err.rfind("batch is now")) << "once: " << err;
  CLI::App app;
  GivenFlags given;
  AddFlags(&app, table, &given);
  app.parse(std::vector<std::string>{"3", "--batch"});
  ASSERT_TRUE(Resolve(table, ConfigFile{}, given, &s).ok());
  EXPECT_EQ(s.batch, 3);
}

TEST(SettingsTest, ReferenceNamesEveryTableAndFlag) {
  const std::string ref = opt::Reference(AllTables());
  for (const char* s : {"`[processor]`", "`[[rules]]`", "`[[sinks]]`", "`[ingest]`", "`[generator]`",
                        "`[generator.levels]`", "`[kafka]`", "`[events]`", "`[store]`", "`--broker`",
                        "`LOGSTREAM_WEBHOOK_TOKEN`", "`--error-range`", "`-X`"}) {
    EXPECT_NE(ref.find(s), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace logstream::cli
