// PatternGenerator: random strings that match a regular expression, for the
// generator's "pattern" option (the CS441 LogFileGenerator inserts such a
// string into some messages so the pipeline has something to search for).
//
// Supported syntax (a subset of RE2/ECMAScript, enough for log patterns):
//   literals, escaped punctuation (\. \* \\ ...), \xHH, \d \D \w \W \s \S,
//   '.', classes [abc] [a-z0-9_] [^...] (with escapes inside), groups (...)
//   and (?:...), alternation a|b, quantifiers ? * + {m} {m,} {m,n} (a lazy
//   '?' suffix is accepted). Unbounded quantifiers (* + {m,}) repeat at most
//   8 times more than their minimum; counts are at most 1000.
// Generated characters are printable ASCII (32..126): '.', negated classes
// and \D \W \S draw from that range and \s yields a space, so a generated
// string never breaks a log line. Anything else (anchors, backreferences,
// lookaround, flags, control-character escapes, non-ASCII bytes) is refused
// by Compile with an error that names the offset.
//
// Immutable after Compile: Append may be called from many threads, each with
// its own Rng.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"
#include "src/generate/random.h"

namespace logstream {

class PatternGenerator {
 public:
  static Result<PatternGenerator> Compile(std::string_view pattern);

  // Appends one random string that fully matches the pattern.
  void Append(Rng& rng, std::string* out) const;
  std::string Generate(Rng& rng) const {
    std::string s;
    Append(rng, &s);
    return s;
  }

  const std::string& pattern() const { return pattern_; }

 private:
  friend class PatternParser;
  enum class Kind { kChars, kConcat, kAlternate, kRepeat };
  struct Node {
    Kind kind = Kind::kConcat;
    std::string chars;      // kChars: the set to draw one character from
    std::vector<int> kids;  // kConcat, kAlternate; kRepeat has one
    int min = 0, max = 0;   // kRepeat
  };

  void AppendNode(int index, Rng& rng, std::string* out) const;

  std::string pattern_;
  std::vector<Node> nodes_;
  int root_ = 0;
};

}  // namespace logstream
