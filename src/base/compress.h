// Compression formats of log objects: gzip (zlib) and zstd (libzstd), with
// whole-buffer compression for generated files. Output is deterministic: the same input gives the same bytes
// (the gzip header carries mtime 0, no file name, OS "unix").
//
// Stateless free functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "src/base/status.h"

namespace logstream::codec {

enum class Compression { kNone, kGzip, kZstd };

// "none", "gzip", "zstd".
std::string_view CompressionName(Compression c);
std::optional<Compression> ParseCompression(std::string_view name);
// The object key suffix: "" / ".gz" / ".zst".
std::string_view CompressionSuffix(Compression c);

// Replaces *out with `in` compressed (gzip level 6, zstd level 3). kNone copies.
Status Compress(Compression c, std::string_view in, std::string* out);
// Replaces *out with the decompressed `in`; DataLoss if it is corrupt.
Status Decompress(Compression c, std::string_view in, std::string* out);

}  // namespace logstream::codec
