#include "src/format/pattern_layout.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "src/base/ascii.h"

namespace logstream {
namespace {

using Slot = PatternLayout::Slot;

struct Word {
  const char* name;
  Slot slot;
};
constexpr Word kWords[] = {
    {"d", Slot::kDate},
    {"date", Slot::kDate},
    {"p", Slot::kLevel},
    {"le", Slot::kLevel},
    {"level", Slot::kLevel},
    {"t", Slot::kThread},
    {"thread", Slot::kThread},
    {"c", Slot::kLogger},
    {"lo", Slot::kLogger},
    {"logger", Slot::kLogger},
    {"C", Slot::kClass},
    {"class", Slot::kClass},
    {"F", Slot::kFile},
    {"file", Slot::kFile},
    {"L", Slot::kLine},
    {"line", Slot::kLine},
    {"M", Slot::kMethod},
    {"method", Slot::kMethod},
    {"X", Slot::kMdc},
    {"mdc", Slot::kMdc},
    {"m", Slot::kMessage},
    {"msg", Slot::kMessage},
    {"message", Slot::kMessage},
    {"r", Slot::kRelative},
    {"relative", Slot::kRelative},
    {"ex", Slot::kNothing},
    {"exception", Slot::kNothing},
    {"throwable", Slot::kNothing},
    {"xEx", Slot::kNothing},
    {"xException", Slot::kNothing},
    {"xThrowable", Slot::kNothing},
    {"rEx", Slot::kNothing},
    {"wEx", Slot::kNothing},
    {"nopex", Slot::kNothing},
    {"nopexception", Slot::kNothing},
};

Status Bad(std::string_view pattern, size_t column, const std::string& what) {
  return InvalidArgument("pattern '" + std::string(pattern) + "', column " +
                         std::to_string(column + 1) + ": " + what);
}

inline bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Does the value fit its conversion?
bool Fits(Slot slot, const char* p, size_t n) {
  switch (slot) {
    case Slot::kLevel:
    case Slot::kLogger:
      if (n == 0) return false;
      for (size_t i = 0; i < n; ++i) {
        if (p[i] == ' ') return false;
      }
      return true;
    case Slot::kClass:
    case Slot::kFile:
    case Slot::kMethod:
      if (n == 0) return false;
      for (size_t i = 0; i < n; ++i) {
        if (p[i] == ' ' || p[i] == ':') return false;
      }
      return true;
    case Slot::kLine:
      if (n == 1 && p[0] == '?') return true;
      [[fallthrough]];
    case Slot::kRelative:
      if (n == 0) return false;
      for (size_t i = 0; i < n; ++i) {
        if (!IsAsciiDigit(p[i])) return false;
      }
      return true;
    default:
      return true;
  }
}

// Copies a time's parts in halves: GCC copies the whole struct with a `rep
// movs`, whose start-up costs more than the copy.
void CopyTime(const TimeParts& from, TimeParts* to) {
  static_assert(std::is_trivially_copyable_v<TimeParts> && sizeof(TimeParts) % 2 == 0);
  constexpr size_t kHalf = sizeof(TimeParts) / 2;
  std::memcpy(reinterpret_cast<char*>(to), reinterpret_cast<const char*>(&from), kHalf);
  std::memcpy(reinterpret_cast<char*>(to) + kHalf, reinterpret_cast<const char*>(&from) + kHalf, kHalf);
}

// Literals are a few bytes and values a few dozen: inline loops beat the
// calls to memcmp and memchr that std::string_view::find makes.
bool SameBytes(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
size_t Find(std::string_view text, std::string_view lit, size_t from) {
  if (lit.empty()) return from <= text.size() ? from : std::string_view::npos;
  if (lit.size() > text.size()) return std::string_view::npos;
  const char first = lit[0];
  for (size_t i = from, last = text.size() - lit.size(); i <= last; ++i) {
    if (text[i] == first && SameBytes(text.data() + i + 1, lit.data() + 1, lit.size() - 1)) return i;
  }
  return std::string_view::npos;
}

// Which characters a value not followed by literal text runs over.
bool InRun(Slot slot, char c) {
  switch (slot) {
    case Slot::kLevel:
    case Slot::kLogger:
      return c != ' ';
    case Slot::kClass:
    case Slot::kFile:
    case Slot::kMethod:
      return c != ' ' && c != ':';
    case Slot::kLine:
    case Slot::kRelative:
      return IsAsciiDigit(c);
    default:
      return true;
  }
}

}  // namespace

Result<PatternLayout> PatternLayout::Compile(std::string_view pattern) {
  PatternLayout layout;
  layout.pattern_ = std::string(pattern);
  std::vector<Element>& out = layout.elements_;
  auto literal = [&](char c) {
    if (out.empty() || out.back().slot != Slot::kLiteral) out.push_back(Element{});
    out.back().text.push_back(c);
  };
  bool ended = false;  // %n seen
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (ended) return Err(Bad(pattern, i, "nothing may follow %n (the end of the line)"));
    if (c != '%') {
      literal(c);
      ++i;
      continue;
    }
    const size_t start = i++;
    if (i < pattern.size() && pattern[i] == '%') {
      literal('%');
      ++i;
      continue;
    }
    Element e;
    if (i < pattern.size() && pattern[i] == '-') e.left_align = true, ++i;
    while (i < pattern.size() && IsAsciiDigit(pattern[i])) {
      e.min_width = std::min(e.min_width * 10 + (pattern[i++] - '0'), 1 << 20);  // widths are small
    }
    if (i < pattern.size() && pattern[i] == '.') {  // truncation: ignored when parsing
      ++i;
      if (i < pattern.size() && pattern[i] == '-') ++i;
      while (i < pattern.size() && IsAsciiDigit(pattern[i])) ++i;
    }
    const size_t word_start = i;
    while (i < pattern.size() && IsLetter(pattern[i])) ++i;
    std::string_view word = pattern.substr(word_start, i - word_start);
    if (word.empty())
      return Err(
          Bad(pattern, start, "'%' without a conversion word (write %% for a percent sign)"));
    std::vector<std::string> options;
    while (i < pattern.size() && pattern[i] == '{') {
      const size_t close = pattern.find('}', i);
      if (close == std::string_view::npos) return Err(Bad(pattern, i, "'{' not closed by '}'"));
      options.emplace_back(pattern.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    if (word == "n") {
      ended = true;
      continue;
    }
    bool known = false;
    for (const Word& w : kWords) {
      if (word == w.name) {
        e.slot = w.slot;
        known = true;
        break;
      }
    }
    if (!known) {
      return Err(Bad(
          pattern, start,
          "unknown conversion '%" + std::string(word) +
              "' (want %d %p %t %c %C %F %L %M %X{key} %m %r %n %ex %%, with their long names)"));
    }
    e.text = std::string(pattern.substr(start, i - start));
    if (e.slot == Slot::kDate) {
      std::string layout_text = options.empty() ? "ISO8601" : options[0];
      if (layout_text.size() >= 2 && layout_text.front() == '"' && layout_text.back() == '"') {
        layout_text = layout_text.substr(1, layout_text.size() - 2);
      }
      auto date = TimeFormat::FromJava(layout_text);
      if (!date) return Err(Bad(pattern, start, date.error().message()));
      e.date = std::move(*date);
      if (options.size() > 1) e.date_zone = options[1];
    } else if (e.slot == Slot::kMdc) {
      e.key = options.empty() ? "mdc" : options[0];
      if (e.key.empty()) e.key = "mdc";
    }
    if (e.slot == Slot::kNothing) continue;  // nothing of it is on the line
    out.push_back(std::move(e));
  }
  for (size_t i = 0; i + 3 < out.size(); ++i) {
    const Element &e = out[i], &lit = out[i + 1], &name = out[i + 2], &lit2 = out[i + 3];
    const bool runs = name.slot == Slot::kClass || name.slot == Slot::kFile || name.slot == Slot::kMethod ||
                      name.slot == Slot::kLine || name.slot == Slot::kRelative;
    out[i].skip_to_last = (e.slot == Slot::kThread || e.slot == Slot::kMessage || e.slot == Slot::kMdc) &&
                          lit.slot == Slot::kLiteral && lit.text.size() == 1 && runs && name.min_width == 0 &&
                          !InRun(name.slot, lit.text[0]) && lit2.slot == Slot::kLiteral;
  }
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i + 1].slot != Slot::kLiteral || out[i + 1].text.empty()) continue;
    for (int c = 0; c < 256; ++c) {
      out[i].run_stops[c] = static_cast<char>(c) == out[i + 1].text[0] || !InRun(out[i].slot, static_cast<char>(c));
    }
  }
  bool date = false;
  for (const Element& e : out) date |= e.slot == Slot::kDate;
  if (!date)
    return Err(
        InvalidArgument("pattern '" + std::string(pattern) + "' has no %d: records need a time"));
  return layout;
}

struct PatternLayout::Scan {
  const PatternLayout& layout;
  const char* begin;
  const char* end;
  Match* out;
  bool hints;  // Element::skip_to_last on (off: every occurrence tried, for the error)
  bool skipped = false;  // the hint skipped an occurrence
  int steps = 0;
  bool date_seen = false;
  bool time_read = false;  // the first %d read, on some path
  // The furthest failure, for the error.
  const char* fail_at = nullptr;
  size_t fail_element = 0;
  std::string_view fail_expected{};
  char literal_expected = 0;

  void Fail(const char* at, size_t element, std::string_view expected) {
    if (fail_at == nullptr || at >= fail_at) {
      fail_at = at;
      fail_element = element;
      fail_expected = expected;
      literal_expected = 0;
    }
  }

  bool Start(bool* time_read_out) {
    const bool ok = Run(0, begin);
    if (time_read_out != nullptr) *time_read_out = time_read;
    return ok;
  }

  bool Run(size_t i, const char* p) {
    const std::vector<Element>& es = layout.elements_;
    if (++steps > kMaxSteps) return false;
    if (i == es.size()) {
      if (p == end) return true;
      Fail(p, i, "the end of the line");
      return false;
    }
    const Element& e = es[i];
    switch (e.slot) {
      case Slot::kLiteral: {
        const size_t n = e.text.size();
        if (static_cast<size_t>(end - p) >= n && SameBytes(p, e.text.data(), n))
          return Run(i + 1, p + n);
        Fail(p, i, e.text);
        return false;
      }
      case Slot::kDate: {
        TimeError error;
        const char* q;
        const bool first = !date_seen;
        // The first %d gives the time: it is read into the match itself.
        TimeParts other;
        TimeParts& parts = first ? out->time : other;
        // Lines of one second share their time's text: read it once; lines
        // of one minute share all but the seconds of a time read by shape.
        Match::TimeCache& c = out->cache;
        const size_t left = static_cast<size_t>(end - p);
        const bool cached = first && c.element == i && c.begin == p - begin && c.looked > 0;
        const size_t seconds_at = e.date.seconds_at();
        if (cached && (c.ended ? left == c.looked : left >= c.looked) && std::memcmp(p, c.text, c.looked) == 0) {
          CopyTime(c.parts, &parts);
          q = p + c.consumed;
        } else if (cached && c.by_shape && seconds_at > 0 && left >= c.looked &&
                   std::memcmp(p, c.text, seconds_at) == 0 &&
                   (CopyTime(c.parts, &parts), q = e.date.ParseSeconds(p, end, &parts)) != nullptr) {
          std::memcpy(c.text, p, c.looked);  // the same length: the shape's
          c.parts.second = parts.second;
          c.parts.millis = parts.millis;
        } else {
          bool by_shape = false;
          q = e.date.Parse(p, end, &parts, &error, &by_shape);
          if (first && q != nullptr) {
            c.element = i;
            c.begin = p - begin;
            c.consumed = static_cast<size_t>(q - p);
            c.by_shape = by_shape;
            // Read by shape, the time's own bytes decide it; else a few after.
            const size_t after = by_shape ? 0 : 8;
            c.looked = std::min(left, std::min(sizeof(c.text), c.consumed + after));
            c.ended = !by_shape && c.looked == left;
            if (c.consumed + after > sizeof(c.text) && !c.ended) {
              c.looked = 0;  // too long to cache
            } else {
              std::memcpy(c.text, p, c.looked);
              c.parts = parts;
            }
          }
        }
        if (q == nullptr) {
          if (fail_at == nullptr || error.at >= fail_at) {
            fail_at = error.at;
            fail_element = i;
            fail_expected = error.expected;
            literal_expected = error.literal;
          }
          return false;
        }
        if (first) date_seen = true, time_read = true;
        if (Run(i + 1, q)) return true;
        if (first) date_seen = false;
        return false;
      }
      default:
        break;
    }
    // A value: right-aligned padding first.
    if (e.min_width > 0 && !e.left_align) {
      while (p < end && *p == ' ') ++p;
    }
    const Element* next = i + 1 < es.size() ? &es[i + 1] : nullptr;
    if (next == nullptr) {  // the rest of the line
      std::string_view v(p, end - p);
      if (e.min_width > 0 && e.left_align) {
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      }
      if (!Fits(e.slot, v.data(), v.size())) {
        Fail(p, i, "a value");
        return false;
      }
      out->values[i] = v;
      return true;
    }
    if (next->slot == Slot::kLiteral) {
      const std::string_view lit = next->text;
      std::string_view rest(p, end - p);
      const bool name = e.slot == Slot::kClass || e.slot == Slot::kFile || e.slot == Slot::kMethod ||
                        e.slot == Slot::kLine || e.slot == Slot::kRelative;
      const bool word = name || e.slot == Slot::kLevel || e.slot == Slot::kLogger;
      if (word && e.min_width == 0) {
        // Short values of a few characters (names are often tried after
        // every ':' of a thread before them): the value ends at an
        // occurrence of the text within its run of allowed characters, or
        // right after it.
        bool tried = false;
        const auto& stops = e.run_stops;
        auto stop = [&stops](const char* at) { return stops[static_cast<uint8_t>(*at)]; };
        for (const char* q = p;; ++q) {
          // Names run a few dozen characters: four at a time, then one by one.
          while (end - q >= 4 && !(stop(q) | stop(q + 1) | stop(q + 2) | stop(q + 3))) q += 4;
          while (q < end && !stop(q)) ++q;
          if (q == end || *q != lit[0]) break;
          if (static_cast<size_t>(end - q) >= lit.size() && SameBytes(q + 1, lit.data() + 1, lit.size() - 1)) {
            tried = true;
            if (q > p) {  // every character of it is allowed: it fits
              out->values[i] = std::string_view(p, q - p);
              if (Run(i + 2, q + lit.size())) return true;
              if (steps > kMaxSteps) return false;
            }
          }
          if (!InRun(e.slot, *q)) break;  // the run ends here
        }
        // A level or logger with the text after a space: the value is wrong.
        if (!tried && !name && rest.find(lit) != std::string_view::npos) tried = true;
        if (!tried) {
          Fail(p, i + 1, lit);
        } else {
          Fail(p, i, "a value");
        }
        return false;
      }
      if (name) {
        // The same with padding: the run and the padding after it.
        const char* q = p;
        while (q < end && InRun(e.slot, *q)) ++q;
        if (e.left_align) {
          while (q < end && *q == ' ') ++q;
        }
        rest = rest.substr(0, std::min(rest.size(), static_cast<size_t>(q - p) + lit.size()));
      }
      size_t from = 0;
      if (e.skip_to_last && hints) {
        // See Element::skip_to_last: from the last occurrence of the
        // character before the first of the second literal, in one pass.
        const std::string_view lit2 = es[i + 3].text;
        const size_t first2 = rest.size() > 1 ? rest.substr(1).find(lit2) : std::string_view::npos;
        if (first2 != std::string_view::npos) {
          const void* last = memrchr(rest.data() + 1, lit[0], first2);
          from = last ? static_cast<size_t>(static_cast<const char*>(last) - rest.data()) : 0;
          skipped |= from > 0;
        }
      }
      bool tried = false;
      while (true) {
        const size_t at = Find(rest, lit, from);
        if (at == std::string_view::npos) break;
        tried = true;
        std::string_view v = rest.substr(0, at);
        if (e.min_width > 0 && e.left_align) {
          while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        }
        if (Fits(e.slot, v.data(), v.size())) {
          out->values[i] = v;
          if (Run(i + 2, p + at + lit.size())) return true;
          if (steps > kMaxSteps) return false;
        } else if (!v.empty() && e.slot != Slot::kThread && e.slot != Slot::kMessage &&
                   e.slot != Slot::kMdc) {
          // It holds a character its conversion forbids: later occurrences
          // only make it longer (padding aside), so none can fit.
          break;
        }
        from = at + 1;
      }
      if (!tried) {
        Fail(p, i + 1, lit);
      } else {
        Fail(p, i, "a value");
      }
      return false;
    }
    // Another value follows directly: this one ends where its characters do.
    const char* q = p;
    while (q < end && InRun(e.slot, *q)) ++q;
    std::string_view v(p, q - p);
    if (e.min_width > 0 && e.left_align) {
      while (q < end && *q == ' ') ++q;
    }
    if (!Fits(e.slot, v.data(), v.size())) {
      Fail(p, i, "a value");
      return false;
    }
    out->values[i] = v;
    return Run(i + 1, q);
  }
};

namespace {
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return "\"" + out + "\"";
}
}  // namespace

bool PatternLayout::MatchLine(std::string_view line, Match* out, std::string* error,
                              bool* time_read) const {
  // A match sets the value of every conversion; literals' stay empty.
  if (out->values.size() != elements_.size()) out->values.assign(elements_.size(), std::string_view());
  Scan fast{*this, line.data(), line.data() + line.size(), out, true};
  if (fast.Start(time_read)) return true;
  if (error == nullptr) return false;
  // When the shortcut skipped attempts (all of them failing), again with
  // every attempt, so that the error names the furthest failure.
  Scan full{*this, line.data(), line.data() + line.size(), out, false};
  if (fast.skipped) full.Start(nullptr);
  const Scan& scan = fast.skipped ? full : fast;
  if (scan.steps > kMaxSteps) {
    *error = "the pattern needs more than " + std::to_string(kMaxSteps) +
             " attempts on this line (too many ways to split it)";
    return false;
  }
  const char* at = scan.fail_at ? scan.fail_at : line.data();
  const size_t column = static_cast<size_t>(at - line.data()) + 1;
  std::string found =
      at >= line.data() + line.size()
          ? "the end of the line"
          : Shown(std::string_view(at, std::min<size_t>(16, line.data() + line.size() - at)));
  const size_t ei = scan.fail_element;
  std::string what;
  if (ei >= elements_.size()) {
    what = "expected the end of the line after the pattern";
  } else {
    const Element& e = elements_[ei];
    if (e.slot == Slot::kLiteral) {
      what = "expected " + Shown(e.text);
      if (ei > 0) what += " after " + elements_[ei - 1].text;
    } else if (e.slot == Slot::kDate) {
      what = e.text + ": expected " +
             (scan.literal_expected ? Shown(std::string(1, scan.literal_expected))
                                    : std::string(scan.fail_expected));
    } else {
      const char* kind =
          e.slot == Slot::kLevel                               ? "a level word (no space)"
          : e.slot == Slot::kLogger                            ? "a logger name (no space)"
          : e.slot == Slot::kLine || e.slot == Slot::kRelative ? "digits"
          : e.slot == Slot::kClass || e.slot == Slot::kFile || e.slot == Slot::kMethod
              ? "a name (no space or ':')"
              : "a value";
      what = e.text + ": expected " + kind;
      if (ei + 1 < elements_.size() && elements_[ei + 1].slot == Slot::kLiteral) {
        what += " followed by " + Shown(elements_[ei + 1].text);
      }
    }
  }
  *error = "column " + std::to_string(column) + ": " + what + ", found " + found;
  return false;
}

}  // namespace logstream
