#include "src/format/pattern_layout.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

using Slot = PatternLayout::Slot;

// The value of the first element of `slot` after matching, or "<no match: error>".
struct Matched {
  PatternLayout layout;
  PatternLayout::Match m;
  std::string error;
  bool ok;
  Matched(std::string_view pattern, std::string_view line)
      : layout(*PatternLayout::Compile(pattern)) {
    ok = layout.MatchLine(line, &m, &error);
  }
  std::string Get(Slot slot, int nth = 0) const {
    const auto& es = layout.elements();
    for (size_t i = 0; i < es.size(); ++i) {
      if (es[i].slot == slot && nth-- == 0) return std::string(m.values[i]);
    }
    return "<none>";
  }
};

TEST(PatternLayoutTest, Hadoop) {
  Matched h(
      "%d{ISO8601} %p [%t] %c: %m%n",
      "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created "
      "MRAppMaster for application appattempt_1445144423722_0020_000001");
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(h.m.time.year, 2015);
  EXPECT_EQ(h.m.time.millis, 978);
  EXPECT_EQ(h.Get(Slot::kLevel), "INFO");
  EXPECT_EQ(h.Get(Slot::kThread), "main");
  EXPECT_EQ(h.Get(Slot::kLogger), "org.apache.hadoop.mapreduce.v2.app.MRAppMaster");
  EXPECT_EQ(h.Get(Slot::kMessage),
            "Created MRAppMaster for application appattempt_1445144423722_0020_000001");
  // A thread with spaces and brackets, a message with ": ".
  Matched t("%d{ISO8601} %p [%t] %c: %m%n",
            "2015-10-18 18:01:47,978 WARN [RMCommunicator Allocator] a.B: x: y [z]");
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_EQ(t.Get(Slot::kThread), "RMCommunicator Allocator");
  EXPECT_EQ(t.Get(Slot::kLogger), "a.B");
  EXPECT_EQ(t.Get(Slot::kMessage), "x: y [z]");
}

TEST(PatternLayoutTest, ZooKeeperStockLayout) {
  const char* p = "%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n";
  Matched z(p,
            "2015-07-29 17:41:44,747 - INFO  "
            "[QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - "
            "Notification time out: 3200");
  ASSERT_TRUE(z.ok) << z.error;
  EXPECT_EQ(z.Get(Slot::kLevel), "INFO");
  EXPECT_EQ(z.Get(Slot::kThread), "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181");
  EXPECT_EQ(z.Get(Slot::kClass), "FastLeaderElection");
  EXPECT_EQ(z.Get(Slot::kLine), "774");
  EXPECT_EQ(z.Get(Slot::kMessage), "Notification time out: 3200");
  Matched w(
      p,
      "2015-07-29 19:04:29,071 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker@688] - "
      "Send worker leaving thread");
  ASSERT_TRUE(w.ok) << w.error;
  EXPECT_EQ(w.Get(Slot::kThread), "SendWorker:188978561024");
  EXPECT_EQ(w.Get(Slot::kClass), "QuorumCnxManager$SendWorker");
  Matched e(p, "2015-07-29 19:04:29,071 - ERROR [main:QuorumPeer@1] - x");
  ASSERT_TRUE(e.ok) << e.error;
  EXPECT_EQ(e.Get(Slot::kLevel), "ERROR");
}

// %t:%C{1}@ starts at the last ':' before the first '@' (only it can end
// the thread), and falls back on the later ones when the rest fails there.
TEST(PatternLayoutTest, ThreadEndsAtTheRightColon) {
  const char* p = "%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n";
  Matched at(p, "2015-07-29 19:04:29,071 - INFO  [pool@7:a:b:Worker@12] - m");
  ASSERT_TRUE(at.ok) << at.error;
  EXPECT_EQ(at.Get(Slot::kThread), "pool@7:a:b");
  EXPECT_EQ(at.Get(Slot::kClass), "Worker");
  Matched later(p, "2015-07-29 19:04:29,071 - INFO  [x:y@z:Worker@12] - m");
  ASSERT_TRUE(later.ok) << later.error;
  EXPECT_EQ(later.Get(Slot::kThread), "x:y@z");
  EXPECT_EQ(later.Get(Slot::kClass), "Worker");
  EXPECT_EQ(later.Get(Slot::kLine), "12");
  Matched space(p, "2015-07-29 19:04:29,071 - INFO  [a:b c@1:Worker@12] - m");
  ASSERT_TRUE(space.ok) << space.error;
  EXPECT_EQ(space.Get(Slot::kThread), "a:b c@1");
  // A failing line names the furthest failure, as if every ':' were tried.
  Matched bad(p, "2015-07-29 19:04:29,071 - INFO  [a:b:Worker@12x] - m");
  ASSERT_FALSE(bad.ok);
  EXPECT_EQ(bad.error, "column 45: expected \"] - \" after %L, found \"12x] - m\"");
}

// One Match over many lines keeps the last time's text: a line of the same
// second reuses it, one of the same minute reads only its seconds, and any
// other (or one that lacks the shape after the minute) is read afresh.
TEST(PatternLayoutTest, TimesOfOneSecondOrMinuteReuseTheLastOnes) {
  auto layout = *PatternLayout::Compile("%d{ISO8601} %p %m%n");
  PatternLayout::Match m;
  std::string error;
  struct Case {
    const char* line;
    int minute, second, millis;
  };
  for (const Case& c : std::initializer_list<Case>{{"2015-10-18 18:01:47,978 INFO a", 1, 47, 978},
                                                   {"2015-10-18 18:01:47,978 WARN b", 1, 47, 978},
                                                   {"2015-10-18 18:01:48,002 INFO c", 1, 48, 2},
                                                   {"2015-10-18 18:01:60,500 INFO leap", 1, 59, 500},
                                                   {"2015-10-18 18:02:00,001 INFO d", 2, 0, 1},
                                                   {"2015-10-18 18:02:7,001 INFO short", 2, 7, 1}}) {
    ASSERT_TRUE(layout.MatchLine(c.line, &m, &error)) << c.line << ": " << error;
    EXPECT_EQ(m.time.year, 2015) << c.line;
    EXPECT_EQ(m.time.hour, 18) << c.line;
    EXPECT_EQ(m.time.minute, c.minute) << c.line;
    EXPECT_EQ(m.time.second, c.second) << c.line;
    EXPECT_EQ(m.time.millis, c.millis) << c.line;
    const std::string_view line = c.line;
    const size_t level_at = line.find(' ', 12) + 1;
    EXPECT_EQ(m.values[2], line.substr(level_at, line.find(' ', level_at) - level_at)) << c.line;
  }
  EXPECT_FALSE(layout.MatchLine("2015-10-18 18:02:61,001 INFO e", &m, &error));
  EXPECT_EQ(error, "column 18: %d{ISO8601}: expected seconds 00-59, found \"61,001 INFO e\"");
}

TEST(PatternLayoutTest, PaddingBothWays) {
  Matched r("%d{HH:mm:ss} %5p %-10c|%m", "10:00:00  INFO a.b       |msg");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.Get(Slot::kLevel), "INFO");
  EXPECT_EQ(r.Get(Slot::kLogger), "a.b");
  Matched adjacent("%d{HH:mm:ss} %-5level%logger - %m", "10:00:00 WARN a.b - m");
  ASSERT_TRUE(adjacent.ok) << adjacent.error;
  EXPECT_EQ(adjacent.Get(Slot::kLevel), "WARN");
  EXPECT_EQ(adjacent.Get(Slot::kLogger), "a.b");
}

TEST(PatternLayoutTest, MdcAndTruncation) {
  Matched m("%d %-5p [%X{req}] %.30c{1} - %msg%n",
            "2020-01-01 00:00:00,000 DEBUG [abc-1] Foo - hi");
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_EQ(m.Get(Slot::kMdc), "abc-1");
  EXPECT_EQ(m.Get(Slot::kLogger), "Foo");
  EXPECT_EQ(m.layout.elements()[4].key, "req");
}

TEST(PatternLayoutTest, ErrorsNameElementAndColumn) {
  Matched bad("%d{ISO8601} %p [%t] %c: %m%n", "2015-10-18 18:01:47,978 INFO main a.B: x");
  ASSERT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("column 25"), std::string::npos) << bad.error;
  EXPECT_NE(bad.error.find("%p"), std::string::npos) << bad.error;
  Matched date("%d{ISO8601} %p [%t] %c: %m%n", "2015-13-18 18:01:47,978 INFO [main] a.B: x");
  ASSERT_FALSE(date.ok);
  EXPECT_EQ(date.error,
            "column 6: %d{ISO8601}: expected a month 01-12, found \"13-18 18:01:47,9\"");
  Matched sep("%d{ISO8601} %p [%t] %c: %m%n", "2015-10-18 18:01:47.978 INFO [main] a.B: x");
  ASSERT_FALSE(sep.ok);
  EXPECT_NE(sep.error.find("column 20: %d{ISO8601}: expected \",\""), std::string::npos)
      << sep.error;
  Matched tail("%d{HH:mm:ss} %p", "10:00:00 INFO extra");  // a level has no space
  EXPECT_FALSE(tail.ok);
  EXPECT_NE(tail.error.find("column 10: %p: expected a level word"), std::string::npos)
      << tail.error;
}

TEST(PatternLayoutTest, CompileErrors) {
  EXPECT_FALSE(PatternLayout::Compile("%p %m"));         // no %d
  EXPECT_FALSE(PatternLayout::Compile("%d %q %m"));      // unknown
  EXPECT_FALSE(PatternLayout::Compile("%d{yyyy %m"));    // unclosed
  EXPECT_FALSE(PatternLayout::Compile("%d %m%n more"));  // after %n
  EXPECT_FALSE(PatternLayout::Compile("%d %"));          // lone %
  auto e = PatternLayout::Compile("%d %zz %m");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message().find("column 4"), std::string::npos) << e.error().message();
  EXPECT_TRUE(PatternLayout::Compile("%d %% %m %ex%n"));
}

TEST(PatternLayoutTest, BoundedOnAmbiguousLines) {
  // Every ':' is a place to split: the attempts are capped.
  auto layout = *PatternLayout::Compile("%d{HH:mm:ss} %t:%t:%t:%t:%t:%t:%t:%C@%L %m");
  std::string line = "10:00:00 ";
  for (int i = 0; i < 2000; ++i) line += "a:";
  PatternLayout::Match m;
  std::string error;
  EXPECT_FALSE(layout.MatchLine(line, &m, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace logstream
