#include "src/ingest/line_reader.h"

#include <gtest/gtest.h>

#include "src/store/memory_store.h"

namespace logstream {

// Compression helpers shared with ingester_test.cc.
std::string Gzip(std::string_view data) {
  std::string out;
  EXPECT_TRUE(codec::Compress(codec::Compression::kGzip, data, &out).ok());
  return out;
}

std::string Zstd(std::string_view data) {
  std::string out;
  EXPECT_TRUE(codec::Compress(codec::Compression::kZstd, data, &out).ok());
  return out;
}

namespace {

std::vector<Line> ReadLines(std::string_view object, size_t max_line = 64 * 1024,
                            Status* error = nullptr) {
  MemoryStore store;
  EXPECT_TRUE(store.Put("k", object));
  auto decoded = OpenDecoded(*store.Get("k"));
  EXPECT_TRUE(decoded);
  LineReader reader(std::move(decoded->reader), max_line);
  std::vector<Line> lines;
  static std::vector<std::string> keep;  // texts outlive the reader
  keep.clear();
  while (true) {
    auto l = reader.Next();
    if (!l) {
      if (error) *error = l.error();
      break;
    }
    if (!*l) break;
    keep.emplace_back((*l)->text);
    lines.push_back(**l);
  }
  for (size_t i = 0; i < lines.size(); ++i) lines[i].text = keep[i];
  return lines;
}

TEST(LineReaderTest, SplitsLinesWithOffsets) {
  auto lines = ReadLines("a\nbb\r\n\nccc");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "a");
  EXPECT_EQ(lines[1].text, "bb");
  EXPECT_EQ(lines[1].offset, 2u);
  EXPECT_EQ(lines[2].text, "");
  EXPECT_EQ(lines[3].text, "ccc");
  EXPECT_EQ(lines[3].offset, 7u);
}

TEST(LineReaderTest, ReadsGzipZstdAndConcatenatedGzip) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "line " + std::to_string(i) + "\n";
  for (const std::string& obj : {Gzip(text), Zstd(text), Gzip(text.substr(0, 100)) + Gzip(text.substr(100))}) {
    auto lines = ReadLines(obj);
    ASSERT_EQ(lines.size(), 50000u);
    EXPECT_EQ(lines[49999].text, "line 49999");
  }
}

TEST(LineReaderTest, CorruptAndTruncatedInputIsDataLoss) {
  std::string text(100000, 'x');
  std::string gz = Gzip(text);
  Status err;
  ReadLines(gz.substr(0, gz.size() / 2), 1 << 20, &err);
  EXPECT_EQ(err.code(), StatusCode::kDataLoss) << err.ToString();
  EXPECT_NE(err.message().find("truncated"), std::string::npos);
  std::string zs = Zstd(text + "\n" + std::string(5000, 'y'));
  err = Status::Ok();
  ReadLines(zs.substr(0, zs.size() - 3), 1 << 20, &err);
  EXPECT_EQ(err.code(), StatusCode::kDataLoss) << err.ToString();
  std::string corrupt = gz;
  for (size_t i = 20; i < corrupt.size() - 10; i += 7) corrupt[i] ^= 0x5a;
  err = Status::Ok();
  ReadLines(corrupt, 1 << 20, &err);
  EXPECT_EQ(err.code(), StatusCode::kDataLoss) << err.ToString();
}

TEST(LineReaderTest, TooLongLinesKeepTheirHeadAndTheNextLineSurvives) {
  std::string obj = "short\n" + std::string(300000, 'z') + "\nafter\n";
  auto lines = ReadLines(obj, 1000);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[1].too_long);
  EXPECT_EQ(lines[1].length, 300000u);
  EXPECT_EQ(lines[1].text.size(), 1000u);
  EXPECT_EQ(lines[2].text, "after");
  EXPECT_EQ(lines[2].offset, 6u + 300001u);
}

TEST(LineReaderTest, SkipResumesInsideCompressedObjects) {
  MemoryStore store;
  ASSERT_TRUE(store.Put("k", Gzip("aaa\nbbb\nccc\n")));
  auto decoded = OpenDecoded(*store.Get("k"));
  LineReader reader(std::move(decoded->reader), 100);
  ASSERT_TRUE(reader.Skip(4).ok());
  auto l = reader.Next();
  ASSERT_TRUE(l && *l);
  EXPECT_EQ((*l)->text, "bbb");
  EXPECT_EQ((*l)->offset, 4u);
}

}  // namespace
}  // namespace logstream
