// Internal to src/store: resolves Get's (offset, length) against an object size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/base/status.h"

namespace logstream {

struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;  // exclusive
};

// [offset, offset + length) clipped to the object's size. An offset past the
// end is refused (InvalidArgument, as S3 answers 416); offset == size gives an
// empty range.
inline Result<ByteRange> ResolveRange(std::string_view key, uint64_t size, uint64_t offset,
                                      std::optional<uint64_t> length) {
  if (offset > size) {
    return Err(InvalidArgument("range of object " + std::string(key) + " starts at byte " +
                               std::to_string(offset) + ", past its end (" + std::to_string(size) +
                               " bytes)"));
  }
  uint64_t end = size;
  if (length && *length < size - offset) end = offset + *length;
  return ByteRange{offset, end};
}

}  // namespace logstream
