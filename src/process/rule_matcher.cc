#include "src/process/rule_matcher.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <deque>
#include <map>

namespace logstream {
namespace {

struct DatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct ScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using Database = std::unique_ptr<hs_database_t, DatabaseDeleter>;
using Scratch = std::unique_ptr<hs_scratch_t, ScratchDeleter>;

constexpr unsigned kFlags = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;

// Compiles `patterns` (ids: their rules' indexes) into one block-mode
// database; the error names the first pattern Hyperscan refused.
Result<Database> CompileAll(const std::vector<const char*>& patterns, const std::vector<unsigned>& ids) {
  std::vector<unsigned> flags(patterns.size(), kFlags);
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                       HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    std::string message = error && error->message ? error->message : "unknown error";
    hs_free_compile_error(error);
    return Err(InvalidArgument(message));
  }
  return Database(db);
}

// The pattern as Hyperscan reads it with RE2's meaning: `$` outside a
// character class becomes `\z` (in RE2 it matches only at the end of the
// text; in Hyperscan, as in PCRE, also before a final newline). nullopt, with
// the reason, for a pattern whose `$` means more (the (?m) flag).
Result<std::string> ForHyperscan(std::string_view pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];  // a literal ]
      continue;
    }
    if (c == '(' && pattern.substr(i).starts_with("(?")) {
      const size_t end = pattern.find_first_of(":)", i + 2);
      if (end != std::string_view::npos && pattern.substr(i + 2, end - i - 2).find('m') != std::string_view::npos) {
        return Err(InvalidArgument("the (?m) flag: its $ and ^ are matched with RE2"));
      }
    }
    out += c == '$' ? std::string("\\z") : std::string(1, c);
  }
  return out;
}

int OnMatch(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* context) {
  static_cast<std::vector<uint32_t>*>(context)->push_back(id);  // once per id (HS_FLAG_SINGLEMATCH)
  return 0;  // go on: other patterns may match too
}

}  // namespace

// The patterns that test one text (the message, or one field's value).
struct TextScan {
  std::string field;  // "": the message
  Database db;
  std::vector<uint32_t> rules;  // the rules whose pattern is in db
};

struct RuleMatcher::Impl {
  struct Rule {
    uint8_t level_mask = 0;
    const RuleConfig* config = nullptr;
    int scan = -1;              // index in scans, -1: no Hyperscan pattern
    std::unique_ptr<RE2> re2;   // a pattern Hyperscan cannot compile
  };
  std::vector<RuleConfig> configs;
  std::deque<std::string> hs_patterns;  // as Hyperscan compiles them (stable addresses)
  std::vector<Rule> rules;
  std::vector<TextScan> scans;
  Scratch scratch;
  // Per level, precomputed so that a record costs what matches it, not the
  // number of rules: the rules without pattern and field, and per scan of
  // the message whether a rule of it applies.
  std::vector<uint32_t> plain_at[kLevelCount];
  std::vector<uint8_t> message_scan_at[kLevelCount];
  std::vector<uint32_t> field_rules;  // rules with a field condition
  std::vector<uint32_t> re2_rules;    // rules matched with RE2
  std::vector<uint8_t> candidate;     // per field rule: its level and field conditions hold
  std::vector<uint32_t> hits;         // scratch: the rules whose Hyperscan pattern matched

  bool LevelOk(uint32_t r, Level level) const { return (rules[r].level_mask >> static_cast<int>(level)) & 1; }
  bool FieldOk(uint32_t r, const LogRecordView& v) const {
    const RuleConfig& c = *rules[r].config;
    const std::optional<std::string_view> value = v.fields.Find(c.field);
    return value && (!c.equals || *value == *c.equals);
  }
  std::string_view TextOf(const std::string& field, const LogRecordView& v) const {
    return field.empty() ? v.message : v.fields.Find(field).value_or(std::string_view());
  }
  void Index() {
    for (int l = 0; l < kLevelCount; ++l) message_scan_at[l].assign(scans.size(), 0);
    for (uint32_t r = 0; r < rules.size(); ++r) {
      const Rule& rule = rules[r];
      if (!rule.config->field.empty()) field_rules.push_back(r);
      if (rule.re2) re2_rules.push_back(r);
      for (int l = 0; l < kLevelCount; ++l) {
        if (!((rule.level_mask >> l) & 1) || !rule.config->field.empty()) continue;
        if (rule.config->pattern.empty()) plain_at[l].push_back(r);
        if (rule.scan >= 0) message_scan_at[l][rule.scan] = 1;
      }
    }
    candidate.assign(rules.size(), 0);
  }
};

Result<std::unique_ptr<RuleMatcher>> RuleMatcher::Compile(const std::vector<RuleConfig>& configs) {
  auto impl = std::make_unique<Impl>();
  impl->configs = configs;
  std::vector<std::string> re2_only;
  std::map<std::string, int> scan_of;  // field -> index in scans
  std::map<int, std::pair<std::vector<const char*>, std::vector<unsigned>>> pending;
  for (uint32_t r = 0; r < impl->configs.size(); ++r) {
    const RuleConfig& rc = impl->configs[r];
    Impl::Rule rule;
    rule.config = &rc;
    if (rc.kind != RuleKind::kCount) {
      rule.level_mask = 0;  // template rules fire in the engine's TemplateStage path
    } else if (rc.levels.empty()) {
      rule.level_mask = (1u << kLevelCount) - 1;
    } else {
      for (Level l : rc.levels) rule.level_mask |= static_cast<uint8_t>(1u << static_cast<int>(l));
    }
    if (!rc.pattern.empty()) {
      RE2::Options opts;
      opts.set_log_errors(false);
      auto re = std::make_unique<RE2>(rc.pattern, opts);
      if (!re->ok()) return Err(InvalidArgument("rule '" + rc.name + "': bad regex: " + re->error()));
      // Hyperscan alone first, so that one refused pattern does not take
      // the others with it.
      auto translated = ForHyperscan(rc.pattern);
      if (translated) impl->hs_patterns.push_back(std::move(*translated));
      const char* p = translated ? impl->hs_patterns.back().c_str() : nullptr;
      const unsigned id = r;
      auto alone = translated ? CompileAll({p}, {id}) : Result<Database>(Err(translated.error()));
      if (!alone) {
        re2_only.push_back(rc.name + ": " + alone.error().message());
        rule.re2 = std::move(re);
      } else {
        auto [it, added] = scan_of.try_emplace(rc.field, static_cast<int>(impl->scans.size()));
        if (added) impl->scans.push_back(TextScan{rc.field, nullptr, {}});
        rule.scan = it->second;
        impl->scans[it->second].rules.push_back(r);
        pending[it->second].first.push_back(p);
        pending[it->second].second.push_back(id);
      }
    }
    impl->rules.push_back(std::move(rule));
  }
  for (auto& [scan, patterns] : pending) {
    ASSIGN_OR_RETURN(impl->scans[scan].db, CompileAll(patterns.first, patterns.second));
    hs_scratch_t* scratch = impl->scratch.release();
    if (hs_alloc_scratch(impl->scans[scan].db.get(), &scratch) != HS_SUCCESS) {
      return Err(Internal("Hyperscan could not allocate its scratch space"));
    }
    impl->scratch.reset(scratch);
  }
  impl->Index();
  std::unique_ptr<RuleMatcher> matcher(new RuleMatcher(std::move(impl)));
  matcher->re2_only_ = std::move(re2_only);
  return matcher;
}

RuleMatcher::RuleMatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RuleMatcher::~RuleMatcher() = default;

void RuleMatcher::Match(const LogRecordView& v, std::vector<uint32_t>* matched) {
  Impl& m = *impl_;
  const int level = static_cast<int>(v.level);
  matched->assign(m.plain_at[level].begin(), m.plain_at[level].end());
  for (uint32_t r : m.field_rules) {
    m.candidate[r] = m.LevelOk(r, v.level) && m.FieldOk(r, v);
    if (m.candidate[r] && m.rules[r].config->pattern.empty()) matched->push_back(r);
  }
  // One scan per text that a rule still in question tests.
  m.hits.clear();
  for (size_t s = 0; s < m.scans.size(); ++s) {
    const TextScan& scan = m.scans[s];
    bool needed = scan.field.empty() && m.message_scan_at[level][s];
    for (size_t i = 0; !needed && !scan.field.empty() && i < scan.rules.size(); ++i) needed = m.candidate[scan.rules[i]];
    if (!needed) continue;
    const std::string_view text = m.TextOf(scan.field, v);
    hs_scan(scan.db.get(), text.empty() ? "" : text.data(), static_cast<unsigned>(text.size()), 0,
            m.scratch.get(), OnMatch, &m.hits);
  }
  for (uint32_t r : m.hits) {
    if (m.rules[r].config->field.empty() ? m.LevelOk(r, v.level) : m.candidate[r]) matched->push_back(r);
  }
  for (uint32_t r : m.re2_rules) {
    const RuleConfig& c = *m.rules[r].config;
    if (c.field.empty() ? !m.LevelOk(r, v.level) : !m.candidate[r]) continue;
    const std::string_view text = m.TextOf(c.field, v);
    if (RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *m.rules[r].re2)) matched->push_back(r);
  }
  std::sort(matched->begin(), matched->end());  // rule order
}

}  // namespace logstream
