// Parsing a TOML file, and error messages that point into it:
// "FILE:LINE:COLUMN: message".
// Header-only; for modules that already use toml++.
#pragma once

#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "src/base/status.h"

namespace logstream {

// "FILE:LINE:COLUMN" of a source region (just FILE when it has no position).
inline std::string TomlWhere(std::string_view file, const toml::source_region& src) {
  std::string s(file);
  if (src.begin.line > 0) {
    s += ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
  }
  return s;
}

// InvalidArgument "FILE:LINE:COLUMN: msg" for a node of the file.
inline Status TomlError(std::string_view file, const toml::node& node, std::string_view msg) {
  return InvalidArgument(TomlWhere(file, node.source()) + ": " + std::string(msg));
}

// The file parsed, or InvalidArgument "FILE:LINE:COLUMN: what is wrong".
inline Result<toml::table> ParseTomlFile(std::string_view path) {
  if (FILE* f = std::fopen(std::string(path).c_str(), "rb")) {
    std::fclose(f);
  } else {
    return Err(ErrnoError("open config file", path, errno));
  }
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Err(InvalidArgument(TomlWhere(path, e.source()) + ": " + std::string(e.description())));
  }
}

}  // namespace logstream
