#include "src/template/masker.h"

#include <random>

#include <gtest/gtest.h>

namespace logstream {
namespace {

std::string BuiltIn(std::string_view message) {
  std::string out;
  TemplateMasker::MaskBuiltIn(message, &out);
  return out;
}

// Each built-in mask on what it must and must not take.
TEST(TemplateMasker, BuiltInMasks) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      // numbers and addresses
      {"Connection to 10.1.2.3:9092 refused after 3 retries", "Connection to <*> refused after <*> retries"},
      {"-5 +3 4.5 x=-1 (7)", "<*> <*> <*> x=<*> (<*>)"},
      {"rhost=218.188.2.4 from /10.10.34.11:45307", "rhost=<*> from /<*>"},
      {"not an address: 1.2.3.4.5 or 1234.1.1.1", "not an address: 1.2.3.4.5 or 1234.1.1.1"},
      // IPv6, but not times or C++ names (their parts are numbers or words)
      {"from [2001:db8::1]:443 and fe80::1 and ::1", "from <*> and <*> and <*>"},
      {"peer 0:0:0:0:0:0:0:2181 up", "peer <*> up"},
      {"at 10:20:30", "at <*>:<*>:<*>"},
      {"std::vector", "std::vector"},
      // UUIDs, hex, paths, URLs
      {"instance 3edec1e4-9678-4a3a-a21b-a145a4ee5e61 spawned", "instance <*> spawned"},
      {"flags=0x1f addr 7f3a9c00d1 cafe12 word deadbeef cafe1", "flags=<*> addr <*> <*> word deadbeef cafe1"},
      {"open /var/log/app.log failed; /tmp stays", "open <*> failed; /tmp stays"},
      {"load C:\\Windows\\system32\\x.dll now", "load <*> now"},
      {"GET http://example.com/a?b=1 ok, akka.tcp://sys@host:1 too", "GET <*> ok, <*> too"},
      // durations and sizes, not other words after digits
      {"took 12ms, 3.5s and 1h30m (64KB)", "took <*>, <*> and <*> (<*>)"},
      {"12xyzw", "12xyzw"},
      // words with digits and versions stay
      {"blk_123 u0 t761 v1.2.3 version 1.2.3 log4j", "blk_123 u0 t761 v1.2.3 version 1.2.3 log4j"},
      {"HTTP/1.1", "HTTP/<*>"},
      {"gave up after 3. Next 1.2.3.4.", "gave up after <*>. Next <*>."},
      {"", ""},
      {"no variables here", "no variables here"},
      // a token of digits alone is a number
      {"42 7 0012345678901234567890 x9", "<*> <*> <*> x9"},
      {"\t42\t", "\t<*>\t"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(BuiltIn(in), want) << in;
}

// MaskBuiltInTokens is MaskBuiltIn split at white space, on random text.
TEST(TemplateMasker, TokensInOnePassEqualTheMaskedTextSplit) {
  std::mt19937 rng(7);
  const std::string_view alphabet = "ab0x9f:/.-_ \t[]\\Cms";
  std::string scratch, masked;
  std::vector<std::string_view> tokens;
  for (int n = 0; n < 20000; ++n) {
    std::string message;
    for (size_t len = rng() % 40; len > 0; --len) message += alphabet[rng() % alphabet.size()];
    TemplateMasker::MaskBuiltIn(message, &masked);
    std::vector<std::string> want;
    std::string token;
    for (char c : masked + " ") {
      if (c == ' ' || c == '\t') {
        if (!token.empty()) want.push_back(token);
        token.clear();
      } else {
        token += c;
      }
    }
    TemplateMasker::MaskBuiltInTokens(message, &scratch, &tokens);
    ASSERT_EQ(std::vector<std::string>(tokens.begin(), tokens.end()), want) << message;
  }
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
