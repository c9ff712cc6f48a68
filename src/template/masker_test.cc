#include "src/template/masker.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

std::string BuiltIn(std::string_view message) {
  std::string out;
  TemplateMasker::MaskBuiltIn(message, &out);
  return out;
}

TEST(TemplateMasker, NumbersAndAddresses) {
  EXPECT_EQ(BuiltIn("Connection to 10.1.2.3:9092 refused after 3 retries"),
            "Connection to <*> refused after <*> retries");
  EXPECT_EQ(BuiltIn("-5 +3 4.5 x=-1 (7)"), "<*> <*> <*> x=<*> (<*>)");
  EXPECT_EQ(BuiltIn("rhost=218.188.2.4 from /10.10.34.11:45307"), "rhost=<*> from /<*>");
  EXPECT_EQ(BuiltIn("not an address: 1.2.3.4.5 or 1234.1.1.1"),
            "not an address: 1.2.3.4.5 or 1234.1.1.1");
}

TEST(TemplateMasker, Ipv6) {
  EXPECT_EQ(BuiltIn("from [2001:db8::1]:443 and fe80::1 and ::1"), "from <*> and <*> and <*>");
  EXPECT_EQ(BuiltIn("peer 0:0:0:0:0:0:0:2181 up"), "peer <*> up");
  // Times and MAC addresses are not IPv6 (their parts are numbers).
  EXPECT_EQ(BuiltIn("at 10:20:30"), "at <*>:<*>:<*>");
  EXPECT_EQ(BuiltIn("std::vector"), "std::vector");
}

TEST(TemplateMasker, UuidHexPathsUrls) {
  EXPECT_EQ(BuiltIn("instance 3edec1e4-9678-4a3a-a21b-a145a4ee5e61 spawned"), "instance <*> spawned");
  EXPECT_EQ(BuiltIn("flags=0x1f addr 7f3a9c00d1 cafe12 word deadbeef cafe1"),
            "flags=<*> addr <*> <*> word deadbeef cafe1");
  EXPECT_EQ(BuiltIn("open /var/log/app.log failed; /tmp stays"), "open <*> failed; /tmp stays");
  EXPECT_EQ(BuiltIn("load C:\\Windows\\system32\\x.dll now"), "load <*> now");
  EXPECT_EQ(BuiltIn("GET http://example.com/a?b=1 ok, akka.tcp://sys@host:1 too"),
            "GET <*> ok, <*> too");
}

TEST(TemplateMasker, Durations) {
  EXPECT_EQ(BuiltIn("took 12ms, 3.5s and 1h30m (64KB)"), "took <*>, <*> and <*> (<*>)");
  EXPECT_EQ(BuiltIn("12xyzw"), "12xyzw");  // not a unit: four letters
}

TEST(TemplateMasker, WordsWithDigitsAndVersionsStay) {
  EXPECT_EQ(BuiltIn("blk_123 u0 t761 v1.2.3 version 1.2.3 log4j"),
            "blk_123 u0 t761 v1.2.3 version 1.2.3 log4j");
  EXPECT_EQ(BuiltIn("HTTP/1.1"), "HTTP/<*>");
  EXPECT_EQ(BuiltIn("gave up after 3. Next 1.2.3.4."), "gave up after <*>. Next <*>.");
  EXPECT_EQ(BuiltIn(""), "");
  EXPECT_EQ(BuiltIn("no variables here"), "no variables here");
}

TEST(TemplateMasker, UserMasksRunInOrderAfterTheBuiltInOnes) {
  auto m = TemplateMasker::Make({R"(req-[0-9a-z-]+)", R"(user=\w+)", R"(<\*> <\*>)"});
  ASSERT_TRUE(m) << m.error().message();
  // The third mask sees what the first two left: "<*> <*>" -> "<*>".
  EXPECT_EQ(m->Mask("req-ab12 user=alice took 5 ms"), "<*> took <*> ms");
  EXPECT_EQ(m->Mask("user=bob 7 done"), "<*> done");
}

TEST(TemplateMasker, BadMasks) {
  auto bad = TemplateMasker::Make({"ok", "("});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("bad regex '('"), std::string::npos);
  auto empty = TemplateMasker::Make({"a*"});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message().find("empty string"), std::string::npos);
}

}  // namespace
}  // namespace logstream
