#include "src/format/level_map.h"

#include <cstring>

#include "src/base/ascii.h"

namespace logstream {
namespace {


// Case-insensitive equality of `word` with a lower-case literal of the same size.
inline bool Is(const char* lower, std::string_view word) {
  for (size_t i = 0; i < word.size(); ++i) {
    if (AsciiLower(word[i]) != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<Level> LevelMap::Standard(std::string_view w) {
  switch (w.size()) {
    case 1:
      switch (AsciiLower(w[0])) {
        case 'v':
          return Level::kTrace;
        case 'd':
          return Level::kDebug;
        case 'i':
          return Level::kInfo;
        case 'w':
          return Level::kWarn;
        case 'e':
          return Level::kError;
        case 'f':
        case 'a':
          return Level::kFatal;
      }
      return std::nullopt;
    case 3:
      if (Is("err", w)) return Level::kError;
      return std::nullopt;
    case 4:
      if (Is("info", w)) return Level::kInfo;
      if (Is("warn", w)) return Level::kWarn;
      if (Is("fine", w)) return Level::kDebug;
      if (Is("crit", w)) return Level::kFatal;
      return std::nullopt;
    case 5:
      if (Is("error", w)) return Level::kError;
      if (Is("debug", w)) return Level::kDebug;
      if (Is("trace", w)) return Level::kTrace;
      if (Is("fatal", w)) return Level::kFatal;
      if (Is("finer", w)) return Level::kTrace;
      if (Is("alert", w)) return Level::kFatal;
      if (Is("emerg", w)) return Level::kFatal;
      if (Is("panic", w)) return Level::kFatal;
      return std::nullopt;
    case 6:
      if (Is("notice", w)) return Level::kInfo;
      if (Is("severe", w)) return Level::kError;
      if (Is("finest", w)) return Level::kTrace;
      return std::nullopt;
    case 7:
      if (Is("warning", w)) return Level::kWarn;
      if (Is("verbose", w)) return Level::kTrace;
      return std::nullopt;
    case 8:
      if (Is("critical", w)) return Level::kFatal;
      return std::nullopt;
    case 11:
      if (Is("information", w)) return Level::kInfo;
      return std::nullopt;
  }
  return std::nullopt;
}

Status LevelMap::Add(std::string_view word, std::string_view level_name) {
  if (word.empty()) return InvalidArgument("a level word must not be empty");
  std::optional<Level> level = ParseLevel(level_name);
  if (!level) level = Standard(level_name);
  if (!level) {
    return InvalidArgument("level word '" + std::string(word) + "': unknown level '" +
                           std::string(level_name) +
                           "' (want TRACE, DEBUG, INFO, WARN, ERROR or FATAL)");
  }
  std::string lower(word);
  for (char& c : lower) c = AsciiLower(c);
  for (auto& [w, l] : extra_) {
    if (w == lower) {
      l = *level;
      return Status::Ok();
    }
  }
  extra_.emplace_back(std::move(lower), *level);
  return Status::Ok();
}

std::optional<Level> LevelMap::Find(std::string_view word) const {
  for (const auto& [w, l] : extra_) {
    if (w.size() == word.size() && Is(w.c_str(), word)) return l;
  }
  return Standard(word);
}

}  // namespace logstream
