// Streaming line reading from an object: transparent gzip/zstd decompression
// (recognised by magic bytes) and '\n' splitting with a bounded buffer, so
// memory stays bounded whatever the object's size. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "src/base/compress.h"
#include "src/base/status.h"
#include "src/store/object_store.h"

namespace logstream {


// Wraps `raw` (an object's bytes) in a reader of its decompressed bytes.
// The compression is detected from the first bytes: 1f 8b = gzip (several
// members allowed), 28 b5 2f fd = zstd, anything else is plain. Corrupt or
// truncated input fails with DataLoss naming the format and the position.
struct DecodedReader {
  std::unique_ptr<ObjectReader> reader;
  codec::Compression compression = codec::Compression::kNone;
};
Result<DecodedReader> OpenDecoded(std::unique_ptr<ObjectReader> raw);

struct Line {
  uint64_t offset = 0;    // byte offset of the line in the decompressed object
  std::string_view text;  // without '\n' and a trailing '\r'; valid until Next()
  // The line is longer than max_line_bytes: text holds only its first bytes.
  bool too_long = false;
  uint64_t length = 0;  // the full length of the line in bytes
  // Where the next line starts: past this line's '\n', or at its end when it
  // is the object's last line and has none.
  uint64_t end = 0;
};

class LineReader {
 public:
  // Reads lines from `in`, whose first byte is at decompressed offset
  // `base_offset` (used when resuming from a ranged read).
  LineReader(std::unique_ptr<ObjectReader> in, size_t max_line_bytes, uint64_t base_offset = 0);

  // The next line, nullopt at the end. A last line without '\n' counts.
  Result<std::optional<Line>> Next();

  // Discards the next n bytes (resuming inside a compressed object).
  Status Skip(uint64_t n);

 private:
  Status Fill();  // reads more input after compacting the buffer

  std::unique_ptr<ObjectReader> in_;
  size_t max_line_bytes_;
  std::string buf_;
  size_t begin_ = 0;  // first unconsumed byte in buf_
  size_t end_ = 0;    // end of valid bytes in buf_
  uint64_t offset_;   // decompressed offset of buf_[begin_]
  bool eof_ = false;
  std::string too_long_head_;
};

}  // namespace logstream
