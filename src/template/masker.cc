#include "src/template/masker.h"

#include <algorithm>
#include <array>

#include <re2/re2.h>

namespace logstream {
namespace {

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHex(unsigned char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// Letters, digits, '_' and every byte of a UTF-8 sequence (letters of other
// scripts are word characters too).
bool IsWord(unsigned char c) { return IsDigit(c) || IsAlpha(c) || c == '_' || c >= 0x80; }
bool IsSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Character classes of the token scan: every variable holds a digit, ':',
// '/', '\\' or '-' and no white space, so a token without them is kept as it
// is (most words of most messages). The punctuation a token holds also says
// which masks can match in it: none reads past white space.
enum : uint8_t { kSpace = 1, kMaybe = 2, kDigit = 4, kColon = 8, kSlash = 16, kBackslash = 32, kDot = 64, kDash = 128 };
constexpr auto kClass = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned char c : std::string_view(" \t\n\v\f\r")) t[c] = kSpace;
  t[':'] = kMaybe | kColon;
  t['/'] = kMaybe | kSlash;
  t['\\'] = kMaybe | kBackslash;
  t['-'] = kMaybe | kDash;
  t['.'] = kDot;
  for (unsigned char c = '0'; c <= '9'; ++c) t[c] = kMaybe | kDigit;
  return t;
}();

// The scanner over one message: each matcher returns the length of the
// variable starting at i, or 0.
class Scan {
 public:
  explicit Scan(std::string_view s) : s_(s) {}

  unsigned char At(size_t i) const { return i < s_.size() ? static_cast<unsigned char>(s_[i]) : 0; }
  // The character before i ('\0' at the start).
  unsigned char Before(size_t i) const { return i == 0 ? 0 : static_cast<unsigned char>(s_[i - 1]); }
  // The end of the run of characters from i that `pred` accepts.
  template <typename P>
  size_t Run(size_t i, P pred) const {
    while (i < s_.size() && pred(static_cast<unsigned char>(s_[i]))) ++i;
    return i;
  }
  // True when no word character follows at i (and, if `dot`, no '.' that is
  // followed by one: "1.2.3" is no number, "after 3." ends with one).
  bool EndsAt(size_t i, bool dot) const {
    const unsigned char c = At(i);
    return !IsWord(c) && !(dot && c == '.' && IsWord(At(i + 1)));
  }

  // Called only where the character before i is not a word character;
  // `held`: the classes of the token's characters (kClass).
  size_t Match(size_t i, uint8_t held) const {
    const unsigned char c = At(i);
    const unsigned char before = Before(i);
    size_t n = 0;
    if ((held & kDash) && IsHex(c) && (n = Uuid(i))) return n;
    if ((held & kColon) && (held & kSlash) && IsAlpha(c) && (n = Url(i))) return n;
    if ((held & kDot) && IsDigit(c) && before != '.' && (n = Ipv4(i))) return n;
    if ((held & kColon) && (IsHex(c) || c == ':' || c == '[') && before != '.' && before != ':' && (n = Ipv6(i)))
      return n;
    if (c == '/' && before != '/' && before != '.' && (n = Path(i))) return n;
    if ((held & kBackslash) && IsAlpha(c) && (n = WindowsPath(i))) return n;
    if (IsHex(c) && (n = Hex(i))) return n;
    if ((IsDigit(c) || c == '-' || c == '+') && before != '.' && (n = Number(i))) return n;
    return 0;
  }

 private:
  size_t Uuid(size_t i) const {
    if (At(i + 8) != '-') return 0;
    size_t j = i;
    for (size_t group : {8, 4, 4, 4, 12}) {
      if (j != i) {
        if (At(j) != '-') return 0;
        ++j;
      }
      const size_t end = Run(j, IsHex);
      if (end - j != group) return 0;
      j = end;
    }
    return EndsAt(j, false) ? j - i : 0;
  }

  size_t Url(size_t i) const {
    size_t j = Run(i + 1, [](unsigned char c) {
      return IsAlpha(c) || IsDigit(c) || c == '+' || c == '.' || c == '-';
    });
    if (s_.substr(j, 3) != "://") return 0;
    const size_t end = Run(j + 3, [](unsigned char c) { return !IsSpace(c); });
    return end > j + 3 ? end - i : 0;
  }

  // The end of a run of 1..3 digits at j, or 0.
  size_t Octet(size_t j) const {
    const size_t end = Run(j, IsDigit);
    return end > j && end - j <= 3 ? end : 0;
  }

  size_t Ipv4(size_t i) const {
    size_t j = i;
    for (int part = 0; part < 4; ++part) {
      if (part > 0) {
        if (At(j) != '.') return 0;
        ++j;
      }
      if ((j = Octet(j)) == 0) return 0;
    }
    if (At(j) == ':' && IsDigit(At(j + 1))) {
      const size_t port = Run(j + 1, IsDigit);
      if (EndsAt(port, true)) return port - i;
    }
    return EndsAt(j, true) ? j - i : 0;
  }

  size_t Ipv6(size_t i) const {
    // A ':' within the first five characters (after a '[').
    bool colon = false;
    for (size_t j = i; j < i + 6 && !colon; ++j) colon = At(j) == ':';
    if (!colon) return 0;
    const bool bracket = At(i) == '[';
    const size_t start = i + (bracket ? 1 : 0);
    const size_t end = Run(start, [](unsigned char c) { return IsHex(c) || c == ':'; });
    int colons = 0, group = 0;
    bool digit = false, double_colon = false;
    for (size_t j = start; j < end; ++j) {
      const unsigned char c = At(j);
      if (c == ':') {
        ++colons;
        if (j > start && At(j - 1) == ':') {
          if (double_colon) return 0;  // "::" once only (and never ":::")
          double_colon = true;
        }
        group = 0;
      } else {
        digit |= IsDigit(c);
        if (++group > 4) return 0;
      }
    }
    if (colons < 2 || !digit || !(double_colon || colons == 7)) return 0;
    size_t j = end;
    if (bracket) {
      if (At(j) != ']') return 0;
      ++j;
      if (At(j) == ':' && IsDigit(At(j + 1))) j = Run(j + 1, IsDigit);
    }
    return EndsAt(j, true) ? j - i : 0;
  }

  size_t Path(size_t i) const {
    size_t j = i;
    int parts = 0;
    while (At(j) == '/') {
      j = Run(j + 1, [](unsigned char c) {
        return IsWord(c) || c == '.' || c == '@' || c == '%' || c == '+' || c == '~' || c == '-';
      });
      ++parts;
    }
    return parts >= 2 ? j - i : 0;
  }

  size_t WindowsPath(size_t i) const {
    if (At(i + 1) != ':' || At(i + 2) != '\\') return 0;
    return Run(i + 3, [](unsigned char c) { return !IsSpace(c); }) - i;
  }

  size_t Hex(size_t i) const {
    if (At(i) == '0' && (At(i + 1) == 'x' || At(i + 1) == 'X')) {
      const size_t end = Run(i + 2, IsHex);
      if (end > i + 2 && EndsAt(end, false)) return end - i;
    }
    const size_t end = Run(i, IsHex);
    if (end - i < 6 || !EndsAt(end, false)) return 0;
    bool digit = false, letter = false;
    for (size_t j = i; j < end; ++j) (IsDigit(At(j)) ? digit : letter) = true;
    return digit && letter ? end - i : 0;
  }

  // digits[.digits] at j: its end, or 0.
  size_t Decimal(size_t j) const {
    const size_t end = Run(j, IsDigit);
    if (end == j) return 0;
    if (At(end) == '.' && IsDigit(At(end + 1))) return Run(end + 1, IsDigit);
    return end;
  }
  // A unit of 1..3 letters at j: its end, or 0.
  size_t Unit(size_t j) const {
    const size_t end = Run(j, IsAlpha);
    return end > j && end - j <= 3 ? end : 0;
  }

  size_t Number(size_t i) const {
    size_t j = i + (At(i) == '-' || At(i) == '+' ? 1 : 0);
    if ((j = Decimal(j)) == 0) return 0;
    if (IsAlpha(At(j))) {
      if ((j = Unit(j)) == 0) return 0;
      while (IsDigit(At(j))) {  // 1h30m15s
        if ((j = Decimal(j)) == 0 || (j = Unit(j)) == 0) return 0;
      }
    }
    return EndsAt(j, true) ? j - i : 0;
  }

  std::string_view s_;
};

}  // namespace

TemplateMasker::TemplateMasker() = default;
TemplateMasker::~TemplateMasker() = default;
TemplateMasker::TemplateMasker(TemplateMasker&&) noexcept = default;
TemplateMasker& TemplateMasker::operator=(TemplateMasker&&) noexcept = default;

Status CheckTemplateMask(const std::string& mask) {
  RE2 re(mask, RE2::Quiet);
  if (!re.ok()) return InvalidArgument("bad regex '" + mask + "': " + re.error());
  if (RE2::FullMatch("", re)) {
    return InvalidArgument("mask '" + mask + "' matches the empty string; it must match something");
  }
  return Status::Ok();
}

Result<TemplateMasker> TemplateMasker::Make(const std::vector<std::string>& user_masks) {
  TemplateMasker m;
  for (const std::string& mask : user_masks) {
    RETURN_IF_ERROR(CheckTemplateMask(mask));
    m.user_.push_back(std::make_unique<RE2>(mask, RE2::Quiet));
  }
  return m;
}

namespace {

// What a token is, for the masks.
enum class TokenKind { kPlain, kDigits, kMaybe };  // no variable, a number, look

// The end of the token at i, and its kind. A token of digits alone is one
// number by every mask's rules (no '.', ':' or '-' for an address, no
// letter for hex).
size_t TokenEnd(std::string_view message, size_t i, TokenKind* kind, uint8_t* held) {
  uint8_t seen = 0, all = kDigit;
  for (uint8_t c; i < message.size() && !((c = kClass[static_cast<unsigned char>(message[i])]) & kSpace); ++i) {
    seen |= c;
    all &= c;
  }
  *kind = !(seen & kMaybe) ? TokenKind::kPlain : all ? TokenKind::kDigits : TokenKind::kMaybe;
  *held = seen;
  return i;
}

// Appends the token [i, end) of the scanned message to *out, each variable
// in it as "<*>".
void AppendMaskedToken(const Scan& scan, std::string_view message, size_t i, size_t end, uint8_t held,
                       std::string* out) {
  size_t copied = i;
  while (i < end) {
    if (IsWord(scan.Before(i))) {
      i = std::max(i + 1, scan.Run(i, IsWord));  // the rest of the word: no variable starts in it
      continue;
    }
    const size_t n = scan.Match(i, held);
    if (n == 0) {
      ++i;
      continue;
    }
    out->append(message.substr(copied, i - copied));
    out->append(kTemplateWildcard);
    i += n;
    copied = i;
  }
  out->append(message.substr(copied, end - copied));
}

}  // namespace

void TemplateMasker::MaskBuiltIn(std::string_view message, std::string* out) {
  out->clear();
  const Scan scan(message);
  size_t copied = 0, i = 0;
  while (i < message.size()) {
    TokenKind kind;
    uint8_t held;
    const size_t end = TokenEnd(message, i, &kind, &held);
    if (kind != TokenKind::kPlain) {
      out->append(message.substr(copied, i - copied));
      if (kind == TokenKind::kDigits) {
        out->append(kTemplateWildcard);
      } else {
        AppendMaskedToken(scan, message, i, end, held, out);
      }
      copied = end;
    }
    i = end + 1;
  }
  if (copied < message.size()) out->append(message.substr(copied));
}

void TemplateMasker::MaskBuiltInTokens(std::string_view message, std::string* scratch,
                                       std::vector<std::string_view>* tokens) {
  tokens->clear();
  scratch->clear();
  // A masked token is at most three times its length ("7" -> "<*>"): with
  // this much room, the views into *scratch stay valid.
  scratch->reserve(3 * message.size());
  const Scan scan(message);
  size_t i = 0;
  while (i < message.size()) {
    TokenKind kind;
    uint8_t held;
    const size_t end = TokenEnd(message, i, &kind, &held);
    if (end > i) {
      if (kind == TokenKind::kPlain) {
        tokens->push_back(message.substr(i, end - i));
      } else if (kind == TokenKind::kDigits) {
        tokens->push_back(kTemplateWildcard);
      } else {
        const size_t start = scratch->size();
        AppendMaskedToken(scan, message, i, end, held, scratch);
        tokens->emplace_back(scratch->data() + start, scratch->size() - start);
      }
    }
    i = end + 1;
  }
}

void TemplateMasker::Mask(std::string_view message, std::string* out) const {
  MaskBuiltIn(message, out);
  for (const auto& re : user_) RE2::GlobalReplace(out, *re, kTemplateWildcard);
}

}  // namespace logstream
