// LevelMap: level words of any format to Level, case-insensitive. The
// standard map (docs/formats.md):
//   trace finest finer verbose v                -> TRACE
//   debug fine d                                -> DEBUG
//   info information notice i                   -> INFO
//   warn warning w                              -> WARN
//   error err severe e                          -> ERROR
//   fatal critical crit alert emerg panic f a   -> FATAL
// plus a format's own words (`levels = { FAILURE = "ERROR" }`), which are
// looked up first. Immutable after setup; thread-safe to read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/base/status.h"
#include "src/record/log_record.h"

namespace logstream {

class LevelMap {
 public:
  // Adds a word (any case) meaning `level_name` (a standard word or one of
  // TRACE..FATAL). InvalidArgument when the word is empty or the level unknown.
  Status Add(std::string_view word, std::string_view level_name);

  // The level of a word, or nullopt when neither map has it.
  std::optional<Level> Find(std::string_view word) const;

  // The standard map alone.
  static std::optional<Level> Standard(std::string_view word);

 private:
  std::vector<std::pair<std::string, Level>> extra_;  // lower-case words
};

}  // namespace logstream
