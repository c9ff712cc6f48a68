#include "src/record/utf8.h"

#include <simdjson.h>

namespace logstream::utf8_internal {

bool ValidUtf8Slow(const char* p, size_t n) { return simdjson::validate_utf8(p, n); }

}  // namespace logstream::utf8_internal
