// TemplateMasker: the pre-masking step of template mining. Parts of a message
// that are variables by their shape become "<*>" before the miner sees it, so
// that `Connection to 10.1.2.3:9092 refused after 3 retries` and
// `Connection to 10.9.8.7:9092 refused after 5 retries` are one message shape.
//
// Built in, in this order at each position (the first that matches wins; a
// variable starts only where the character before it is not a letter, digit
// or '_', so the digits of `blk_123`, `u0` or `log4j` stay):
//   UUID         8-4-4-4-12 hex digits
//   URL          scheme://... up to the next white space
//   IPv4         a.b.c.d with an optional :port
//   IPv6         with "::" or all eight groups, optionally [in brackets]:port
//   path         /a/b (two or more '/'-separated parts; not after '/' or '.'),
//                C:\... up to the next white space
//   hex          0x1f, or a run of six or more hex digits with a digit and a letter
//   number       -12, 3.5, with a unit of up to three letters (12ms, 3.5s,
//                64KB), or a duration in parts (1h30m); not next to a word
//                character nor to a '.' that joins it to one (so versions
//                a.b.c stay, while "retried 3." ends with a number)
// Then the user's masks (RE2), in order, each on the text the previous step
// left: a user mask sees "<*>" where a built-in one matched.
//
// Make() compiles the user masks; Mask() is const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/status.h"

namespace re2 {
class RE2;
}

namespace logstream {

inline constexpr std::string_view kTemplateWildcard = "<*>";

class TemplateMasker {
 public:
  // InvalidArgument naming a mask that is not valid RE2 or matches the empty
  // string.
  static Result<TemplateMasker> Make(const std::vector<std::string>& user_masks);
  TemplateMasker();
  ~TemplateMasker();
  TemplateMasker(TemplateMasker&&) noexcept;
  TemplateMasker& operator=(TemplateMasker&&) noexcept;

  // *out = `message` with every variable replaced by "<*>" (out is reused,
  // its old content dropped).
  void Mask(std::string_view message, std::string* out) const;
  std::string Mask(std::string_view message) const {
    std::string out;
    Mask(message, &out);
    return out;
  }

  // The built-in masks alone.
  static void MaskBuiltIn(std::string_view message, std::string* out);
  // The built-in masks alone, split into tokens at white space in the same
  // pass: each token a view into `message` or into *scratch.
  static void MaskBuiltInTokens(std::string_view message, std::string* scratch,
                                std::vector<std::string_view>* tokens);
  bool has_user_masks() const { return !user_.empty(); }

 private:
  std::vector<std::unique_ptr<re2::RE2>> user_;
};

// Checks one user mask (for the settings): valid RE2 that does not match "".
Status CheckTemplateMask(const std::string& mask);

}  // namespace logstream
