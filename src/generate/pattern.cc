#include "src/generate/pattern.h"

#include <algorithm>
#include <bitset>
#include <cctype>

#include "src/base/ascii.h"

namespace logstream {

namespace {
constexpr int kUnboundedExtra = 8;
constexpr int kMaxCount = 1000;
constexpr unsigned char kFirstPrintable = 32, kLastPrintable = 126;

using CharSet = std::bitset<128>;

CharSet Printable() {
  CharSet s;
  for (unsigned c = kFirstPrintable; c <= kLastPrintable; ++c) s.set(c);
  return s;
}
CharSet Range(char lo, char hi) {
  CharSet s;
  for (int c = lo; c <= hi; ++c) s.set(static_cast<unsigned>(c));
  return s;
}
}  // namespace

// Recursive-descent parser from pattern text to PatternGenerator nodes.
class PatternParser {
 public:
  PatternParser(std::string_view p, PatternGenerator* g) : p_(p), g_(g) {}

  Result<int> Parse() {
    for (size_t i = 0; i < p_.size(); ++i) {
      const auto c = static_cast<unsigned char>(p_[i]);
      if (c < kFirstPrintable || c > kLastPrintable) {
        return Err(Bad(i, "only printable ASCII characters are supported"));
      }
    }
    ASSIGN_OR_RETURN(int root, ParseAlternation());
    if (pos_ < p_.size()) return Err(Bad(pos_, "unmatched ')'"));
    return root;
  }

 private:
  using Node = PatternGenerator::Node;
  using Kind = PatternGenerator::Kind;

  Status Bad(size_t at, std::string_view why) const {
    return InvalidArgument("bad pattern '" + std::string(p_) + "' at offset " +
                           std::to_string(at) + ": " + std::string(why));
  }
  bool AtEnd() const { return pos_ >= p_.size(); }
  char Peek() const { return p_[pos_]; }

  static Node Make(Kind kind, std::vector<int> kids = {}, int min = 0, int max = 0) {
    Node n;
    n.kind = kind;
    n.kids = std::move(kids);
    n.min = min;
    n.max = max;
    return n;
  }
  int Add(Node n) {
    g_->nodes_.push_back(std::move(n));
    return static_cast<int>(g_->nodes_.size() - 1);
  }
  int AddSet(const CharSet& set) {
    Node n = Make(Kind::kChars);
    for (unsigned c = 0; c < 128; ++c) {
      if (set.test(c)) n.chars.push_back(static_cast<char>(c));
    }
    return Add(std::move(n));
  }

  Result<int> ParseAlternation() {
    std::vector<int> alts;
    while (true) {
      ASSIGN_OR_RETURN(int seq, ParseSequence());
      alts.push_back(seq);
      if (AtEnd() || Peek() != '|') break;
      ++pos_;
    }
    if (alts.size() == 1) return alts[0];
    return Add(Make(Kind::kAlternate, std::move(alts)));
  }

  Result<int> ParseSequence() {
    std::vector<int> items;
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      ASSIGN_OR_RETURN(int atom, ParseAtom());
      ASSIGN_OR_RETURN(atom, ParseQuantifiers(atom));
      items.push_back(atom);
    }
    if (items.size() == 1) return items[0];
    return Add(Make(Kind::kConcat, std::move(items)));
  }

  Result<int> ParseQuantifiers(int atom) {
    bool quantified = false;
    while (!AtEnd()) {
      const size_t at = pos_;
      int min, max;
      char c = Peek();
      if (c == '?') {
        min = 0, max = 1;
        ++pos_;
      } else if (c == '*') {
        min = 0, max = kUnboundedExtra;
        ++pos_;
      } else if (c == '+') {
        min = 1, max = 1 + kUnboundedExtra;
        ++pos_;
      } else if (c == '{') {
        ASSIGN_OR_RETURN(auto mm, ParseCounts());
        min = mm.first, max = mm.second;
      } else {
        break;
      }
      if (quantified) return Err(Bad(at, "a quantifier cannot follow another quantifier"));
      quantified = true;
      if (!AtEnd() && Peek() == '?') ++pos_;  // lazy: same strings
      atom = Add(Make(Kind::kRepeat, {atom}, min, max));
    }
    return atom;
  }

  Result<std::pair<int, int>> ParseCounts() {
    const size_t at = pos_++;  // '{'
    auto number = [&]() -> Result<int> {
      if (AtEnd() || !IsAsciiDigit(Peek())) return Err(Bad(pos_, "expected a number in {m,n}"));
      int v = 0;
      while (!AtEnd() && IsAsciiDigit(Peek())) {
        v = v * 10 + (p_[pos_++] - '0');
        if (v > kMaxCount) return Err(Bad(at, "repetition counts are at most 1000"));
      }
      return v;
    };
    ASSIGN_OR_RETURN(int min, number());
    int max = min;
    if (!AtEnd() && Peek() == ',') {
      ++pos_;
      if (!AtEnd() && Peek() == '}') {
        max = std::min(min + kUnboundedExtra, kMaxCount);
      } else {
        ASSIGN_OR_RETURN(max, number());
      }
    }
    if (AtEnd() || Peek() != '}') return Err(Bad(at, "unterminated {m,n}"));
    ++pos_;
    if (max < min) return Err(Bad(at, "in {m,n} m must not exceed n"));
    return std::pair{min, max};
  }

  Result<int> ParseAtom() {
    const size_t at = pos_;
    const char c = p_[pos_++];
    switch (c) {
      case '(': {
        if (!AtEnd() && Peek() == '?') {
          if (pos_ + 1 < p_.size() && p_[pos_ + 1] == ':') {
            pos_ += 2;
          } else {
            return Err(Bad(at, "only (...) and (?:...) groups are supported "
                               "(no flags, named groups or lookaround)"));
          }
        }
        ASSIGN_OR_RETURN(int inner, ParseAlternation());
        if (AtEnd() || Peek() != ')') return Err(Bad(at, "missing ')'"));
        ++pos_;
        return inner;
      }
      case '[': return ParseClass(at);
      case '.': return AddSet(Printable());
      case '\\': {
        ASSIGN_OR_RETURN(CharSet set, ParseEscape(at));
        return AddSet(set);
      }
      case '?': case '*': case '+': case '{':
        return Err(Bad(at, "nothing to repeat before this quantifier"));
      case '^': case '$':
        return Err(Bad(at, "anchors ^ and $ are not supported (the string is inserted "
                           "into a message)"));
      default: {
        CharSet s;
        s.set(static_cast<unsigned char>(c));
        return AddSet(s);
      }
    }
  }

  // After a backslash at offset `at`; pos_ is on the escaped character.
  Result<CharSet> ParseEscape(size_t at) {
    if (AtEnd()) return Err(Bad(at, "pattern ends with a lone backslash"));
    const char c = p_[pos_++];
    switch (c) {
      case 'd': return Range('0', '9');
      case 'D': return Printable() & ~Range('0', '9');
      case 'w': return Word();
      case 'W': return Printable() & ~Word();
      case 's': return Range(' ', ' ');
      case 'S': return Printable() & ~Range(' ', ' ');
      case 'x': {
        int v = 0;
        for (int i = 0; i < 2; ++i) {
          if (AtEnd() || !std::isxdigit(static_cast<unsigned char>(Peek()))) {
            return Err(Bad(at, "\\x needs two hex digits"));
          }
          const char h = p_[pos_++];
          v = v * 16 + (IsAsciiDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        if (v < kFirstPrintable || v > kLastPrintable) {
          return Err(Bad(at, "\\x escapes must name a printable ASCII character"));
        }
        return Range(static_cast<char>(v), static_cast<char>(v));
      }
      default:
        if (std::isalnum(static_cast<unsigned char>(c))) {
          return Err(Bad(at, std::string("unsupported escape \\") + c +
                                 " (control characters, anchors and backreferences "
                                 "cannot appear in a log line)"));
        }
        return Range(c, c);  // escaped punctuation is literal
    }
  }

  static CharSet Word() { return Range('0', '9') | Range('A', 'Z') | Range('a', 'z') | Range('_', '_'); }

  // After '[' at offset `at`.
  Result<int> ParseClass(size_t at) {
    bool negate = false;
    if (!AtEnd() && Peek() == '^') {
      negate = true;
      ++pos_;
    }
    CharSet set;
    bool first = true;
    while (true) {
      if (AtEnd()) return Err(Bad(at, "missing ']'"));
      if (Peek() == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (p_.substr(pos_, 2) == "[:") {
        return Err(Bad(pos_, "POSIX classes like [:alpha:] are not supported"));
      }
      // One item: a character, an escape or a range lo-hi.
      const size_t item_at = pos_;
      ASSIGN_OR_RETURN(CharSet lo_set, ClassChar());
      if (pos_ + 1 < p_.size() && Peek() == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        ASSIGN_OR_RETURN(CharSet hi_set, ClassChar());
        if (lo_set.count() != 1 || hi_set.count() != 1) {
          return Err(Bad(item_at, "a range needs single characters at both ends"));
        }
        const int lo = First(lo_set), hi = First(hi_set);
        if (lo > hi) return Err(Bad(item_at, "range out of order (e.g. z-a)"));
        set |= Range(static_cast<char>(lo), static_cast<char>(hi));
      } else {
        set |= lo_set;
      }
    }
    if (negate) set = Printable() & ~set;
    set &= Printable();
    if (set.none()) return Err(Bad(at, "the class matches no printable character"));
    return AddSet(set);
  }

  Result<CharSet> ClassChar() {
    const size_t at = pos_;
    const char c = p_[pos_++];
    if (c == '\\') return ParseEscape(at);
    return Range(c, c);
  }

  static int First(const CharSet& s) {
    for (int c = 0; c < 128; ++c) {
      if (s.test(static_cast<unsigned>(c))) return c;
    }
    return -1;
  }

  std::string_view p_;
  PatternGenerator* g_;
  size_t pos_ = 0;
};

Result<PatternGenerator> PatternGenerator::Compile(std::string_view pattern) {
  PatternGenerator g;
  g.pattern_ = std::string(pattern);
  if (pattern.empty()) return Err(InvalidArgument("the pattern is empty (set frequency to 0 to insert none)"));
  PatternParser parser(g.pattern_, &g);
  ASSIGN_OR_RETURN(g.root_, parser.Parse());
  return g;
}

void PatternGenerator::AppendNode(int index, Rng& rng, std::string* out) const {
  const Node& n = nodes_[static_cast<size_t>(index)];
  switch (n.kind) {
    case Kind::kChars:
      out->push_back(n.chars.size() == 1 ? n.chars[0] : n.chars[rng.Below(n.chars.size())]);
      return;
    case Kind::kConcat:
      for (int k : n.kids) AppendNode(k, rng, out);
      return;
    case Kind::kAlternate:
      AppendNode(n.kids[rng.Below(n.kids.size())], rng, out);
      return;
    case Kind::kRepeat: {
      const int64_t count = rng.Between(n.min, n.max);
      for (int64_t i = 0; i < count; ++i) AppendNode(n.kids[0], rng, out);
      return;
    }
  }
}

void PatternGenerator::Append(Rng& rng, std::string* out) const { AppendNode(root_, rng, out); }

}  // namespace logstream
