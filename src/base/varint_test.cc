#include "src/base/varint.h"

#include <gtest/gtest.h>

#include <limits>

namespace logstream {
namespace {

TEST(VarintTest, EncodesSevenBitsAByteLowFirst) {
  std::string s;
  PutVarint64(&s, 0);
  PutVarint64(&s, 127);
  PutVarint64(&s, 300);
  EXPECT_EQ(s, std::string("\x00\x7f\xac\x02", 4));
  std::string max;
  PutVarint64(&max, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(max.size(), kMaxVarint64Bytes);
}

TEST(VarintTest, RoundTripsAndRejectsTruncated) {
  std::string s;
  const uint64_t values[] = {0,     1,     127,        128,
                             16383, 16384, 1ull << 40, std::numeric_limits<uint64_t>::max()};
  for (uint64_t v : values) PutVarint64(&s, v);
  const char* p = s.data();
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint64(&p, s.data() + s.size(), &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_EQ(p, s.data() + s.size());
  uint64_t got = 0;
  const std::string truncated = "\xac";
  p = truncated.data();
  EXPECT_FALSE(GetVarint64(&p, truncated.data() + truncated.size(), &got));
  const std::string too_long(11, '\x80');
  p = too_long.data();
  EXPECT_FALSE(GetVarint64(&p, too_long.data() + too_long.size(), &got));
}

TEST(VarintTest, ZigZagKeepsSmallMagnitudesShort) {
  EXPECT_EQ(ZigZagEncode(0), 0u);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
  EXPECT_EQ(ZigZagEncode(-2), 3u);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{12345}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
  }
}

TEST(VarintTest, ReaderReadsWhatWriterWrote) {
  std::string s;
  VarintWriter w(&s);
  w.U(7);
  w.I(-5);
  w.S("hello");
  w.U(2);  // a count of two items
  w.U(10);
  w.U(20);
  VarintReader r(s);
  EXPECT_EQ(r.U(), 7u);
  EXPECT_EQ(r.I(), -5);
  EXPECT_EQ(r.S(), "hello");
  EXPECT_FALSE(r.ok());  // not at the end yet
  ASSERT_EQ(r.Count(), 2u);
  EXPECT_EQ(r.U(), 10u);
  EXPECT_EQ(r.U(), 20u);
  EXPECT_TRUE(r.ok());
}

TEST(VarintTest, ReaderFailsOnCorruptData) {
  std::string s;
  VarintWriter w(&s);
  w.S("hello");
  VarintReader short_string(std::string_view(s).substr(0, 3));
  EXPECT_EQ(short_string.S(), "");
  EXPECT_TRUE(short_string.failed());
  EXPECT_EQ(short_string.U(), 0u);  // stays failed
  EXPECT_FALSE(short_string.ok());

  std::string count;
  VarintWriter(&count).U(1000);  // more items than bytes left
  VarintReader r(count);
  EXPECT_EQ(r.Count(), 0u);
  EXPECT_TRUE(r.failed());
}

}  // namespace
}  // namespace logstream
