#include "src/base/compress.h"

#include <gtest/gtest.h>

namespace logstream::codec {
namespace {

TEST(CompressTest, RoundTripsAndIsDeterministic) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "2026-11-24T00:00:00.000Z [main] INFO  x - line " + std::to_string(i) + "\n";
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    std::string a, b, back;
    ASSERT_TRUE(Compress(c, text, &a).ok());
    ASSERT_TRUE(Compress(c, text, &b).ok());
    EXPECT_EQ(a, b) << CompressionName(c);
    ASSERT_TRUE(Decompress(c, a, &back).ok());
    EXPECT_EQ(back, text) << CompressionName(c);
  }
}

TEST(CompressTest, GzipHeaderHasNoTimestamp) {
  std::string gz;
  ASSERT_TRUE(Compress(Compression::kGzip, "hello\n", &gz).ok());
  ASSERT_GE(gz.size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_EQ(gz.substr(4, 4), std::string(4, '\0'));  // MTIME = 0
  EXPECT_EQ(static_cast<unsigned char>(gz[9]), 3);    // OS = unix
}

TEST(CompressTest, CorruptInputIsDataLoss) {
  std::string z, out;
  ASSERT_TRUE(Compress(Compression::kZstd, std::string(10000, 'a'), &z).ok());
  EXPECT_EQ(Decompress(Compression::kZstd, z.substr(0, z.size() / 2), &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(Compression::kZstd, "not zstd", &out).code(), StatusCode::kDataLoss);
  std::string g;
  ASSERT_TRUE(Compress(Compression::kGzip, std::string(10000, 'a'), &g).ok());
  EXPECT_EQ(Decompress(Compression::kGzip, g.substr(0, g.size() / 2), &out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(Compression::kGzip, "not gzip", &out).code(), StatusCode::kDataLoss);
}

TEST(CompressTest, NamesAndSuffixes) {
  EXPECT_EQ(ParseCompression("gzip"), Compression::kGzip);
  EXPECT_EQ(ParseCompression("zstd"), Compression::kZstd);
  EXPECT_EQ(ParseCompression("none"), Compression::kNone);
  EXPECT_FALSE(ParseCompression("lz4"));
  EXPECT_EQ(CompressionSuffix(Compression::kGzip), ".gz");
  EXPECT_EQ(CompressionSuffix(Compression::kZstd), ".zst");
  EXPECT_EQ(CompressionSuffix(Compression::kNone), "");
}

}  // namespace
}  // namespace logstream::codec
