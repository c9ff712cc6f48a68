// RuleMatcher: which rules a record matches, every regex rule in one pass.
//
// A rule matches a record when the record's level is one of the rule's, its
// field (if the rule names one) is present and equal to `equals` (if given),
// and the rule's pattern (if any) occurs in the message, or in the field's
// value for a field rule. Level and field conditions are checked first; the
// patterns of the rules still in question are then matched by one Hyperscan
// scan of each text (the message, each field tested), compiled into one
// database per text with HS_FLAG_UTF8 (and not HS_FLAG_UCP, so that `.`,
// `\d` and `\b` mean what they mean in RE2). A pattern Hyperscan cannot
// compile keeps its RE2 (re2_only() names them; `config check` says so).
//
// Not thread-safe (one scratch space): one matcher per engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/process/config.h"
#include "src/record/log_record.h"

namespace logstream {

class RuleMatcher {
 public:
  // InvalidArgument naming the rule when a pattern is no valid RE2 regex.
  static Result<std::unique_ptr<RuleMatcher>> Compile(const std::vector<RuleConfig>& rules);
  ~RuleMatcher();

  // The indexes of the rules `v` matches, in rule order, into *matched
  // (cleared first).
  void Match(const LogRecordView& v, std::vector<uint32_t>* matched);

  // The rules whose pattern Hyperscan could not compile, with the reason
  // ("NAME: REASON"), matched with RE2 instead.
  const std::vector<std::string>& re2_only() const { return re2_only_; }

 private:
  struct Impl;
  explicit RuleMatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> re2_only_;
};

}  // namespace logstream
