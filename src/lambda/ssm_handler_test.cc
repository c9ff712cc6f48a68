#include "src/lambda/ssm_handler.h"

#include <gtest/gtest.h>

namespace logstream::lambda {
namespace {

TEST(ShellQuote, EveryByteLiteral) {
  EXPECT_EQ(ShellQuote("a;rm -rf /"), "'a;rm -rf /'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(id)`id`\n\"x\""), "'$(id)`id`\n\"x\"'");
  EXPECT_EQ(ShellQuote(""), "''");
}

TEST(SsmCommand, ScriptBucketKeyQuoted) {
  SsmOptions o;
  o.script = "run.sh";
  EXPECT_EQ(SsmCommand(o, "b", "k'1"), "sh '/home/ec2-user/run.sh' 'b' 'k'\\''1'");
}

}  // namespace
}  // namespace logstream::lambda
