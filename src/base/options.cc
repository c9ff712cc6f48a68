#include "src/base/options.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>

namespace logstream::opt {

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kString: return "string";
    case Type::kInt: return "integer";
    case Type::kNumber: return "number";
    case Type::kBool: return "boolean";
    case Type::kDuration: return "duration";
    case Type::kList: return "list";
    case Type::kMap: return "table";
  }
  return "?";
}

std::string_view OriginName(Origin origin) {
  switch (origin) {
    case Origin::kDefault: return "default";
    case Origin::kFile: return "file";
    case Origin::kEnv: return "environment";
    case Origin::kFlag: return "flag";
  }
  return "?";
}

Status Problems::ToStatus() const {
  if (list_.empty()) return Status::Ok();
  std::string all;
  for (const Status& s : list_) all += (all.empty() ? "" : "\n") + s.message();
  return InvalidArgument(all);
}

bool LooksSecret(std::string_view name) {
  for (std::string_view word : {"password", "secret", "token", "key"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

std::string TableLabel(std::string_view name, bool array) {
  if (name.empty()) return "the top level";
  return array ? "[[" + std::string(name) + "]]" : "[" + std::string(name) + "]";
}

namespace {

std::string Scalar(const toml::node& n) {
  if (auto v = n.as_string()) return v->get();
  if (auto v = n.as_integer()) return std::to_string(v->get());
  if (auto v = n.as_floating_point()) return ShowDouble(v->get());
  if (auto v = n.as_boolean()) return v->get() ? "true" : "false";
  return {};
}

// A TOML basic string: "..." with \\, \" and control characters escaped.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string OneOf(const std::vector<std::string>& allowed) {
  std::string list;
  for (size_t i = 0; i < allowed.size(); ++i) {
    list += i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ";
    list += allowed[i];
  }
  return list;
}

}  // namespace

std::string TomlKey(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) {
    bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  }
  return bare ? std::string(key) : Quoted(key);
}

Result<Value> FromToml(const toml::node& n, Type type) {
  Value v;
  switch (type) {
    case Type::kString:
    case Type::kDuration:
      if (!n.is_string()) {
        return Err(InvalidArgument(type == Type::kString ? "must be a string"
                                                         : "must be a duration string such as \"10s\""));
      }
      v.text = n.as_string()->get();
      return v;
    case Type::kInt:
      if (!n.is_integer()) return Err(InvalidArgument("must be an integer"));
      v.text = Scalar(n);
      return v;
    case Type::kNumber:
      if (!n.is_number()) return Err(InvalidArgument("must be a number"));
      v.text = Scalar(n);
      return v;
    case Type::kBool:
      if (!n.is_boolean()) return Err(InvalidArgument("must be true or false"));
      v.text = Scalar(n);
      return v;
    case Type::kList:
      if (n.is_string()) {
        v.items.push_back(n.as_string()->get());
        return v;
      }
      if (!n.is_array()) return Err(InvalidArgument("must be a list of strings"));
      for (const toml::node& e : *n.as_array()) {
        if (!e.is_string() && !e.is_number()) return Err(InvalidArgument("must be a list of strings"));
        v.items.push_back(Scalar(e));
      }
      return v;
    case Type::kMap:
      if (!n.is_table()) return Err(InvalidArgument("must be a table"));
      for (const auto& [k, e] : *n.as_table()) {
        if (!e.is_string() && !e.is_number() && !e.is_boolean()) {
          return Err(InvalidArgument(std::string(k.str()) + " must be a string, number or boolean"));
        }
        v.items.push_back(std::string(k.str()) + "=" + Scalar(e));
      }
      return v;
  }
  return Err(Internal("unknown option type"));
}

Result<Value> AnyKeyValue(std::string_view key, const toml::node& node) {
  if (!node.is_string() && !node.is_number() && !node.is_boolean()) {
    return Err(InvalidArgument("must be a string, number or boolean"));
  }
  return Value{{}, {std::string(key) + "=" + Scalar(node)}};
}

std::string ToTomlText(const Value& v, Type type) {
  switch (type) {
    case Type::kString:
    case Type::kDuration:
      return Quoted(v.text);
    case Type::kInt:
    case Type::kNumber:
    case Type::kBool:
      return v.text;
    case Type::kList: {
      std::string out = "[";
      for (size_t i = 0; i < v.items.size(); ++i) out += (i ? ", " : "") + Quoted(v.items[i]);
      return out + "]";
    }
    case Type::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < v.items.size(); ++i) {
        const size_t eq = v.items[i].find('=');
        out += (i ? ", " : " ") + Quoted(v.items[i].substr(0, eq)) + " = " +
               Quoted(v.items[i].substr(eq + 1));
      }
      return out + (v.items.empty() ? "}" : " }");
    }
  }
  return {};
}

Status CheckText(const OptionInfo& info, const Value& v) {
  if (info.type == Type::kBool && v.text != "true" && v.text != "false") {
    return InvalidArgument("'" + v.text + "' is not true or false");
  }
  if (info.type == Type::kMap) {
    for (const std::string& item : v.items) {
      const size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        return InvalidArgument("want PROPERTY=VALUE, got '" + item + "'");
      }
    }
  }
  if (!info.allowed.empty() && info.type == Type::kString) {
    for (const std::string& a : info.allowed) {
      if (a == v.text) return Status::Ok();
    }
    return InvalidArgument("'" + v.text + "' is not allowed (want " + OneOf(info.allowed) + ")");
  }
  return Status::Ok();
}

void WarnAlias(std::string_view table, std::string_view alias, std::string_view key) {
  static std::mutex mu;
  static std::set<std::string> warned;
  const std::string what = TableLabel(table, false) + " " + std::string(alias);
  std::lock_guard<std::mutex> lock(mu);
  if (!warned.insert(what).second) return;
  std::fprintf(stderr, "logstream: warning: %s is now called %s; the old name still works for now\n",
               what.c_str(), std::string(key).c_str());
}

Result<int64_t> ParseIntIn(std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const std::string range = max == INT64_MAX ? "of at least " + std::to_string(min)
                                             : "from " + std::to_string(min) + " to " + std::to_string(max);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
    return Err(InvalidArgument("'" + std::string(text) + "' is not an integer " + range));
  }
  return v;
}

Result<double> ParseNumberIn(std::string_view text, double min, double max) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v) ||
      v < min || v > max) {
    return Err(InvalidArgument("'" + std::string(text) + "' is not a number from " + ShowDouble(min) +
                               " to " + ShowDouble(max)));
  }
  return v;
}

Result<TimeMs> ParseDurationAtLeastMs(std::string_view text, TimeMs min) {
  auto d = ParseDuration(text);
  if (!d) return Err(d.error());
  if (*d < min) {
    return Err(InvalidArgument("'" + std::string(text) + "' is less than " + FormatDuration(min)));
  }
  return *d;
}

std::string ShowDouble(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

Status CheckNonEmpty(const std::string& text) {
  if (text.empty()) return InvalidArgument("must be a non-empty string");
  return Status::Ok();
}

std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

namespace {

std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string Reference(const std::vector<TableInfo>& tables) {
  std::string out =
      "# Configuration reference\n\n"
      "This page is the output of `logstream config reference`; a test fails when it differs.\n"
      "Every setting is declared once, next to the code that uses it. A value comes from, the\n"
      "later winning: the default, the `--config` TOML file, the environment variable, the\n"
      "command-line flag. `logstream config check FILE` validates a file and prints the\n"
      "effective configuration with where each value came from. Unknown keys and wrong types\n"
      "are errors, reported as `FILE:LINE:COLUMN: what is wrong, and what is allowed`.\n";
  for (const TableInfo& t : tables) {
    out += "\n## " + (t.name.empty() ? std::string("Top level") : "`" + TableLabel(t.name, t.array) + "`") +
           "\n\n" + t.help + "\n\n";
    out += "| key | type | default | flag | environment | description |\n";
    out += "|---|---|---|---|---|---|\n";
    for (const OptionInfo& o : t.options) {
      std::string type(TypeName(o.type));
      if (!o.allowed.empty()) type = OneOf(o.allowed);
      if (!o.unit.empty()) type += " (" + o.unit + ")";
      std::string help = o.help;
      if (!o.alias.empty()) help += " (formerly `" + o.alias + "`)";
      out += "| `" + o.key + "` | " + Cell(type) + " | " +
             (o.default_text.empty() || o.default_text == "\"\"" || o.default_text == "[]" ||
                      o.default_text == "{}"
                  ? std::string()
                  : "`" + Cell(o.default_text) + "`") +
             " | " + (o.flag.empty() ? "" : "`" + o.flag + "`") + " | " +
             (o.env.empty() ? "" : "`" + o.env + "`") + " | " + Cell(help) + " |\n";
    }
  }
  return out;
}

}  // namespace logstream::opt
