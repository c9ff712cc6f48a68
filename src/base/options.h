// Options declared once, as data (the model: Fluent Bit's config_map and
// DuckDB's setting structs). Each module owns a Table of the settings it
// uses, bound to the fields of its options struct; from those tables, and
// from nowhere else, come the TOML readers, the command-line flags
// (src/cli/flags.h), `logstream config check` and `logstream config reference`.
//
// A value is applied in this order, the later winning: the struct's default,
// the config file, the environment variable, the command-line flag. Where
// each value came from is kept in a Provenance for `config check`.
//
// Errors have one form everywhere: "FILE:LINE:COLUMN: what is wrong, and what
// is allowed". Readers collect every problem of a file (Problems) instead of
// stopping at the first, so that one run of `config check` names them all.
// Tables are immutable after construction; thread-compatible.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "src/base/redact.h"
#include "src/base/status.h"
#include "src/base/time.h"
#include "src/base/toml_errors.h"

namespace logstream::opt {

enum class Type { kString, kInt, kNumber, kBool, kDuration, kList, kMap };
// "string", "integer", "number", "boolean", "duration", "list", "table".
std::string_view TypeName(Type type);

enum class Origin { kDefault, kFile, kEnv, kFlag };
// "default", "file", "environment", "flag".
std::string_view OriginName(Origin origin);

// A value as read from a file, the environment or a flag: scalars as text
// (a duration as written, "10s"); a list or a map ("KEY=VALUE") as items.
struct Value {
  std::string text;
  std::vector<std::string> items;
};

// The description of one option: everything but how it is stored.
struct OptionInfo {
  std::string key;    // TOML key inside its table
  std::string flag;   // "--window"; empty: no flag
  std::string env;    // environment variable; empty: none
  Type type = Type::kString;
  std::string unit;                  // shown in the reference ("bytes", "ms")
  std::vector<std::string> allowed;  // the values allowed; empty: any of the type
  std::string help;                  // one line
  std::string alias;                 // a former key (and --flag) that still works, warning once
  bool secret = false;               // never shown: config check prints "(secret)"
  std::string default_text;          // the default as TOML text, filled in by Table::Info
};

// The extra names of an option, all optional.
struct Names {
  std::string flag = {};
  std::string env = {};
  std::string unit = {};
  std::string alias = {};
  bool secret = false;
};

// Every problem found while reading, in file order.
class Problems {
 public:
  void Add(Status s) {
    if (!s.ok()) list_.push_back(std::move(s));
  }
  bool ok() const { return list_.empty(); }
  const std::vector<Status>& list() const { return list_; }
  // OK, or InvalidArgument with every problem's message, one per line.
  Status ToStatus() const;

 private:
  std::vector<Status> list_;
};

// Where each value came from, by "TABLE.KEY" (or "KEY" at the top level).
using Provenance = std::map<std::string, Origin>;

// The description of one table, for config check, the reference and flags.
struct TableInfo {
  std::string name;   // "processor"; empty: the top level
  std::string help;
  bool array = false;  // [[name]]
  std::vector<OptionInfo> options;
};

// Converts a TOML node to a Value of `type`; InvalidArgument "what is wrong"
// without the position (the caller adds it).
Result<Value> FromToml(const toml::node& node, Type type);
// The TOML text of a value of `type` ("\"10s\"", "20", "[\"a\", \"b\"]").
std::string ToTomlText(const Value& value, Type type);
// The value of `text` checked against `type` (and `allowed`); an error says
// what is allowed.
Status CheckText(const OptionInfo& info, const Value& value);
// Warns once per process on stderr that `alias` is a former name of `key`.
void WarnAlias(std::string_view table, std::string_view alias, std::string_view key);
// The key of an option that takes every key no other option of its table
// names (a map of pass-through properties such as [kafka]); its value is a
// kMap whose items are "KEY=VALUE".
inline constexpr std::string_view kAnyKey = "*";
// The Value of such a key: one item "KEY=VALUE" of a scalar node.
Result<Value> AnyKeyValue(std::string_view key, const toml::node& node);

// A key as TOML writes it: bare when it can be, else quoted.
std::string TomlKey(std::string_view key);

// True for a pass-through property whose value may be a secret (a name
// with password, secret, token or key in it).
bool LooksSecret(std::string_view name);

// "[name]", "[[name]]" or "the top level".
std::string TableLabel(std::string_view name, bool array);

// Text to value, with the range in the error: "is not an integer from 1 to 10".
Result<int64_t> ParseIntIn(std::string_view text, int64_t min, int64_t max);
Result<double> ParseNumberIn(std::string_view text, double min, double max);
Result<TimeMs> ParseDurationAtLeastMs(std::string_view text, TimeMs min);
// The shortest text that reads back as d.
std::string ShowDouble(double d);
// "a,b , c" -> {"a", "b", "c"}.
std::vector<std::string> SplitCommaList(std::string_view text);
// InvalidArgument "must be a non-empty string" for "" (a CheckedString check).
Status CheckNonEmpty(const std::string& text);

// The options of one table, bound to the fields of T.
template <typename T>
class Table {
 public:
  using Setter = std::function<Status(T&, const Value&)>;
  using Shower = std::function<Value(const T&)>;

  struct Option {
    OptionInfo info;
    Setter set;
    Shower show;
  };

  Table(std::string name, std::string help, bool array = false)
      : name_(std::move(name)), help_(std::move(help)), array_(array) {}

  // Fields are member pointers or callables T& -> field&.
  template <typename F>
  Table& String(std::string key, F field, std::string help, Names n = {},
                std::vector<std::string> allowed = {}) {
    return Add(Info(std::move(key), Type::kString, std::move(help), std::move(n), std::move(allowed)),
               [field](T& t, const Value& v) {
                 std::invoke(field, t) = v.text;
                 return Status::Ok();
               },
               [field](const T& t) { return Value{Get(field, t), {}}; });
  }

  // A string that `check` accepts; the error of check is the problem reported.
  template <typename F>
  Table& CheckedString(std::string key, F field, std::string help,
                       std::function<Status(const std::string&)> check, Names n = {}) {
    return Add(Info(std::move(key), Type::kString, std::move(help), std::move(n)),
               [field, check = std::move(check)](T& t, const Value& v) -> Status {
                 RETURN_IF_ERROR(check(v.text));
                 std::invoke(field, t) = v.text;
                 return Status::Ok();
               },
               [field](const T& t) { return Value{Get(field, t), {}}; });
  }

  template <typename F>
  Table& Int(std::string key, F field, std::string help, int64_t min, int64_t max = INT64_MAX,
             Names n = {}) {
    return Add(Info(std::move(key), Type::kInt, std::move(help), std::move(n)),
               [field, min, max](T& t, const Value& v) -> Status {
                 ASSIGN_OR_RETURN(int64_t x, ParseIntIn(v.text, min, max));
                 using M = std::remove_cvref_t<std::invoke_result_t<F, T&>>;
                 std::invoke(field, t) = static_cast<M>(x);
                 return Status::Ok();
               },
               [field](const T& t) { return Value{std::to_string(Get(field, t)), {}}; });
  }

  template <typename F>
  Table& Number(std::string key, F field, std::string help, double min, double max, Names n = {}) {
    return Add(Info(std::move(key), Type::kNumber, std::move(help), std::move(n)),
               [field, min, max](T& t, const Value& v) -> Status {
                 ASSIGN_OR_RETURN(double x, ParseNumberIn(v.text, min, max));
                 std::invoke(field, t) = x;
                 return Status::Ok();
               },
               [field](const T& t) { return Value{ShowDouble(Get(field, t)), {}}; });
  }

  template <typename F>
  Table& Bool(std::string key, F field, std::string help, Names n = {}) {
    return Add(Info(std::move(key), Type::kBool, std::move(help), std::move(n)),
               [field](T& t, const Value& v) -> Status {
                 std::invoke(field, t) = v.text == "true";
                 return Status::Ok();
               },
               [field](const T& t) { return Value{Get(field, t) ? "true" : "false", {}}; });
  }

  // A duration in ms, at least `min`.
  template <typename F>
  Table& Duration(std::string key, F field, std::string help, TimeMs min = 0, Names n = {}) {
    return Add(Info(std::move(key), Type::kDuration, std::move(help), std::move(n)),
               [field, min](T& t, const Value& v) -> Status {
                 ASSIGN_OR_RETURN(TimeMs d, ParseDurationAtLeastMs(v.text, min));
                 std::invoke(field, t) = d;
                 return Status::Ok();
               },
               [field](const T& t) { return Value{FormatDuration(Get(field, t)), {}}; });
  }

  // A field of enum type E, written as one of `names`.
  template <typename F, typename E>
  Table& Enum(std::string key, F field, std::string help, std::vector<std::pair<std::string, E>> names,
              Names n = {}) {
    std::vector<std::string> allowed;
    for (const auto& [name, e] : names) allowed.push_back(name);
    return Add(Info(std::move(key), Type::kString, std::move(help), std::move(n), std::move(allowed)),
               [field, names](T& t, const Value& v) -> Status {
                 for (const auto& [name, e] : names) {
                   if (name == v.text) {
                     std::invoke(field, t) = e;
                     return Status::Ok();
                   }
                 }
                 return InvalidArgument("unknown value");  // CheckText rejects it first
               },
               [field, names](const T& t) {
                 for (const auto& [name, e] : names) {
                   if (e == Get(field, t)) return Value{name, {}};
                 }
                 return Value{};
               });
  }

  // A list of strings (a TOML array; a repeated flag).
  template <typename F>
  Table& List(std::string key, F field, std::string help, Names n = {}) {
    return Add(Info(std::move(key), Type::kList, std::move(help), std::move(n)),
               [field](T& t, const Value& v) {
                 std::invoke(field, t) = v.items;
                 return Status::Ok();
               },
               [field](const T& t) { return Value{{}, Get(field, t)}; });
  }

  // Anything else: the caller converts.
  Table& Custom(std::string key, Type type, std::string help, Setter set, Shower show, Names n = {},
                std::vector<std::string> allowed = {}) {
    return Add(Info(std::move(key), type, std::move(help), std::move(n), std::move(allowed)),
               std::move(set), std::move(show));
  }

  // The options of `other` appended (e.g. a sink type's own keys after the
  // keys every sink has).
  Table& Include(const Table& other) {
    for (const Option& o : other.options_) options_.push_back(o);
    return *this;
  }

  const std::string& name() const { return name_; }
  bool array() const { return array_; }
  const std::vector<Option>& options() const { return options_; }

  // The option of a TOML key (or its alias); nullptr when unknown.
  const Option* Find(std::string_view key) const {
    for (const Option& o : options_) {
      if (o.info.key == key || (!o.info.alias.empty() && o.info.alias == key)) return &o;
    }
    return nullptr;
  }

  // The description, defaults taken from `defaults`.
  TableInfo Describe(const T& defaults = T{}) const {
    TableInfo info{name_, help_, array_, {}};
    for (const Option& o : options_) {
      OptionInfo i = o.info;
      i.default_text = ToTomlText(o.show(defaults), i.type);
      info.options.push_back(std::move(i));
    }
    return info;
  }

  // Applies one value of an option to *out, checked against its type.
  Status Set(const Option& o, const Value& v, T* out) const {
    RETURN_IF_ERROR(CheckText(o.info, v));
    return o.set(*out, v);
  }

  // Reads the keys of `table` into *out. Unknown keys, wrong types and bad
  // values go to *problems as "FILE:LINE:COLUMN: ..."; the other keys are
  // still read. `skip(key)` keys are left alone (they belong to the caller).
  void Read(const toml::table& table, std::string_view file, T* out, Problems* problems,
            Provenance* provenance = nullptr,
            const std::function<bool(std::string_view)>& skip = nullptr) const {
    for (const auto& [k, node] : table) {
      const std::string_view key = k.str();
      if (skip && skip(key)) continue;
      const Option* o = Find(key);
      const bool any_key = o == nullptr && (o = Find(kAnyKey)) != nullptr;
      if (o == nullptr) {
        problems->Add(InvalidArgument(TomlWhere(file, k.source()) + ": unknown key '" +
                                      std::string(key) + "' in " + TableLabel(name_, array_) +
                                      " (allowed: " + AllowedKeys() + ")"));
        continue;
      }
      if (!any_key && key != o->info.key) WarnAlias(name_, key, o->info.key);
      auto v = any_key ? AnyKeyValue(key, node) : FromToml(node, o->info.type);
      Status s = v ? Set(*o, *v, out) : v.error();
      const std::string qualified = Qualified(any_key ? key : o->info.key);
      if (!s.ok()) {
        problems->Add(TomlError(file, node, qualified + ": " + s.message()));
        continue;
      }
      if (provenance != nullptr) (*provenance)[qualified] = Origin::kFile;
    }
  }

  // Applies the environment variables of the options that have one.
  void ReadEnv(T* out, Problems* problems, Provenance* provenance = nullptr) const {
    for (const Option& o : options_) {
      if (o.info.env.empty()) continue;
      const char* text = std::getenv(o.info.env.c_str());
      if (text == nullptr || *text == '\0') continue;
      Value v{text, {}};
      if (o.info.type == Type::kList || o.info.type == Type::kMap) v.items = SplitCommaList(text);
      Status s = Set(o, v, out);
      if (!s.ok()) {
        problems->Add(InvalidArgument("environment variable " + o.info.env + ": " + s.message()));
        continue;
      }
      if (provenance != nullptr) (*provenance)[Qualified(o.info.key)] = Origin::kEnv;
    }
  }

  // The values of *t as TOML lines "key = value  # origin", one per option
  // (lists and maps included; the header is the caller's).
  std::string Show(const T& t, const Provenance* provenance = nullptr) const {
    std::string out;
    for (const Option& o : options_) {
      if (o.info.key == kAnyKey) {  // one line per entry
        for (const std::string& item : o.show(t).items) {
          const size_t eq = item.find('=');
          const std::string key = item.substr(0, eq);
          out += TomlKey(key) + " = " +
                 (LooksSecret(key) ? "\"(secret)\""
                                   : ToTomlText(Value{item.substr(eq + 1), {}}, Type::kString));
          if (provenance != nullptr) {
            auto it = provenance->find(Qualified(key));
            out += "  # " + std::string(OriginName(it == provenance->end() ? Origin::kFlag : it->second));
          }
          out += "\n";
        }
        continue;
      }
      Value shown = o.show(t);
      if (o.info.type == Type::kString) shown.text = RedactUrl(shown.text);
      std::string text = ToTomlText(shown, o.info.type);
      if (o.info.type == Type::kMap && text == "{}") continue;
      if (o.info.secret && text != "\"\"") text = "\"(secret)\"";
      out += TomlKey(o.info.key);
      out += " = " + text;
      if (provenance != nullptr) {
        auto it = provenance->find(Qualified(o.info.key));
        out += "  # " + std::string(OriginName(it == provenance->end() ? Origin::kDefault : it->second));
      }
      out += "\n";
    }
    return out;
  }

  // "table.key", or "key" at the top level.
  std::string Qualified(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
  }

  std::string AllowedKeys() const {
    std::string list;
    for (const Option& o : options_) list += (list.empty() ? "" : ", ") + o.info.key;
    return list;
  }

 private:
  template <typename F>
  static auto Get(F field, const T& t) {
    return std::invoke(field, const_cast<T&>(t));
  }

  OptionInfo Info(std::string key, Type type, std::string help, Names n,
                  std::vector<std::string> allowed = {}) {
    OptionInfo i;
    i.key = std::move(key);
    i.type = type;
    i.help = std::move(help);
    i.flag = std::move(n.flag);
    i.env = std::move(n.env);
    i.unit = std::move(n.unit);
    i.alias = std::move(n.alias);
    i.secret = n.secret;
    i.allowed = std::move(allowed);
    return i;
  }

  Table& Add(OptionInfo info, Setter set, Shower show) {
    options_.push_back({std::move(info), std::move(set), std::move(show)});
    return *this;
  }

  std::string name_;
  std::string help_;
  bool array_ = false;
  std::vector<Option> options_;
};

// The reference of every table, as Markdown (docs/config.md).
std::string Reference(const std::vector<TableInfo>& tables);

}  // namespace logstream::opt
