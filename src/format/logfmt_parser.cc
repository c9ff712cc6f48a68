// kind = "logfmt": key=value pairs separated by spaces; values may be
// double-quoted with \" \\ \n \t escapes; a key without '=' has an empty value.
#include <charconv>

#include "src/base/ascii.h"
#include "src/format/structured.h"

namespace logstream::format_internal {
namespace {


// Epoch digits ("1700000000", "1700000000.123")?
bool EpochText(std::string_view v, double* out) {
  if (v.empty() || v.size() > 24) return false;
  bool dot = false;
  for (char c : v) {
    if (c == '.' && !dot)
      dot = true;
    else if (!IsAsciiDigit(c))
      return false;
  }
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

class LogfmtParser final : public LineParser {
 public:
  LogfmtParser(const FormatConfig& config, KeyMapper mapper)
      : LineParser(config), mapper_(std::move(mapper)) {}

 protected:
  Status ParseLine(std::string_view line, LogLine* out, bool* starts_record) override {
    items_.clear();
    arena_.clear();
    unescaped_.clear();
    const char* p = line.data();
    const char* end = p + line.size();
    size_t pairs = 0;
    auto column = [&](const char* at) { return std::to_string(at - line.data() + 1); };
    while (true) {
      while (p < end && (*p == ' ' || *p == '\t')) ++p;
      if (p >= end) break;
      const char* key = p;
      while (p < end && *p != '=' && *p != ' ' && *p != '\t' && *p != '"') ++p;
      if (p == key) {
        return InvalidArgument("column " + column(p) + ": expected a key, found '" +
                               std::string(1, *p) + "'");
      }
      Item it;
      it.key = std::string_view(key, p - key);
      if (p < end && *p == '=') {
        ++p;
        ++pairs;
        if (p < end && *p == '"') {
          const char* open = p++;
          const char* v = p;
          bool escaped = false;
          while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end) escaped = true, ++p;
            ++p;
          }
          if (p >= end)
            return InvalidArgument("column " + column(open) + ": quoted value of '" +
                                   std::string(it.key) + "' not closed by '\"'");
          std::string_view raw(v, p - v);
          ++p;  // the closing quote
          if (escaped) {
            unescaped_.push_back({items_.size(), arena_.size(), 0});
            for (size_t i = 0; i < raw.size(); ++i) {
              char c = raw[i];
              if (c == '\\' && i + 1 < raw.size()) {
                c = raw[++i];
                if (c == 'n')
                  c = '\n';
                else if (c == 't')
                  c = '\t';
                else if (c == 'r')
                  c = '\r';
              }
              arena_.push_back(c);
            }
            unescaped_.back().size = arena_.size() - unescaped_.back().at;
          } else {
            it.value = raw;
          }
        } else {
          const char* v = p;
          while (p < end && *p != ' ' && *p != '\t') ++p;
          it.value = std::string_view(v, p - v);
          it.number = EpochText(it.value, &it.number_value);
        }
      } else if (p < end && *p == '"') {
        return InvalidArgument("column " + column(p) + ": '\"' inside key '" + std::string(it.key) +
                               "'");
      }
      items_.push_back(it);
    }
    if (pairs == 0) return InvalidArgument("no key=value pair");
    *starts_record = true;
    for (const Unescaped& u : unescaped_)
      items_[u.item].value = std::string_view(arena_.data() + u.at, u.size);
    return mapper_.Map(items_, context_, out, &fields_);
  }

 private:
  struct Unescaped {
    size_t item, at, size;
  };
  KeyMapper mapper_;
  std::vector<Item> items_;
  std::string arena_;
  std::vector<Unescaped> unescaped_;
  FieldBuffer fields_;
};

}  // namespace

Result<std::unique_ptr<LineParser>> MakeLogfmtParser(const FormatConfig& config) {
  ASSIGN_OR_RETURN(KeyMapper mapper, MakeKeyMapper(config));
  return std::unique_ptr<LineParser>(new LogfmtParser(config, std::move(mapper)));
}

}  // namespace logstream::format_internal
