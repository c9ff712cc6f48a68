#include "src/cli/log_config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace logstream::cli {
namespace {

// A file of its own per test and call: ctest runs each test in its own
// process, several at once.
std::string WriteToml(const std::string& text) {
  static int n = 0;
  std::string path = ::testing::TempDir() + "log_config_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                     std::to_string(getpid()) + "_" + std::to_string(n++) + ".toml";
  std::ofstream(path) << text;
  return path;
}

TEST(LoadLogTomlTest, ReadsNamespaceAndKafkaProperties) {
  LogOptions o;
  ASSERT_TRUE(LoadLogToml(WriteToml("namespace = \"team-a\"\n[kafka]\n\"security.protocol\" = \"SSL\"\n"
                                    "\"linger.ms\" = 50\n\"enable.idempotence\" = true\n"),
                          &o)
                  .ok());
  EXPECT_EQ(o.name_space, "team-a");
  EXPECT_EQ(o.properties["security.protocol"], "SSL");
  EXPECT_EQ(o.properties["linger.ms"], "50");
  EXPECT_EQ(o.properties["enable.idempotence"], "true");
}

TEST(LoadLogTomlTest, CommandLineWins) {
  LogOptions o;
  o.name_space = "from-cli";
  o.properties["linger.ms"] = "5";
  ASSERT_TRUE(LoadLogToml(WriteToml("namespace = \"team-a\"\n[kafka]\n\"linger.ms\" = 50\n\"acks\" = \"all\"\n"), &o)
                  .ok());
  EXPECT_EQ(o.name_space, "from-cli");
  EXPECT_EQ(o.properties["linger.ms"], "5");
  EXPECT_EQ(o.properties["acks"], "all");
}

TEST(LoadLogTomlTest, NoBrokerSettingsChangeNothing) {
  LogOptions o;
  ASSERT_TRUE(LoadLogToml(WriteToml("[processor]\nwindow = \"10s\"\n"), &o).ok());
  EXPECT_TRUE(o.name_space.empty());
  EXPECT_TRUE(o.properties.empty());
}

TEST(LoadLogTomlTest, BadValuesNameFileAndLine) {
  LogOptions o;
  const std::string path = WriteToml("[processor]\n[kafka]\n\"ssl.ca.location\" = [\"a\"]\n");
  Status s = LoadLogToml(path, &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path + ":3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ssl.ca.location"), std::string::npos) << s.message();
  EXPECT_FALSE(LoadLogToml(WriteToml("namespace = 3\n"), &o).ok());
  EXPECT_FALSE(LoadLogToml(WriteToml("kafka = \"x\"\n"), &o).ok());
  EXPECT_FALSE(LoadLogToml(WriteToml("namespace = \n"), &o).ok());
}

}  // namespace
}  // namespace logstream::cli
