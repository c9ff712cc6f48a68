// Command-line flags and the config file, from the option tables of the
// modules (src/base/options.h). A command adds the tables it uses with
// AddFlags; after parsing, Resolve applies, the later winning: the defaults,
// the table of the config file, the environment, the flags.
//
// The config file is parsed once per process (ConfigFile) and each table is
// handed to its owner.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "src/base/options.h"
#include "src/base/status.h"

namespace logstream::cli {

// A parsed config file; empty (no path) when none was given.
struct ConfigFile {
  std::string path;
  toml::table root;

  bool empty() const { return path.empty(); }
  // The table `name` (nullptr when absent); a value that is not a table is a
  // problem. `name` may be dotted ("generator.levels").
  const toml::table* Table(std::string_view name, opt::Problems* problems) const;
};

// Parses the file at path ("" gives an empty ConfigFile).
Result<ConfigFile> LoadConfigFile(const std::string& path);

// The values given on the command line, by "TABLE.KEY"; filled by CLI11.
using GivenFlags = std::map<std::string, opt::Value>;

// Adds a flag for every option of `table` that has one, in --help group
// `group`, its default from `defaults`. CLI11 checks each value with the
// option's own setter, so `--window ten` fails naming the flag.
// `only`: the keys whose flags are added (empty: every flag of the table).
template <typename T>
void AddFlags(CLI::App* cmd, const opt::Table<T>& table, GivenFlags* given, const T& defaults = T{},
              const std::string& group = "Options", const std::vector<std::string>& only = {}) {
  const opt::TableInfo info = table.Describe(defaults);
  for (size_t i = 0; i < info.options.size(); ++i) {
    const opt::OptionInfo& o = info.options[i];
    if (o.flag.empty()) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), o.key) == only.end()) continue;
    std::string names = o.flag;
    if (!o.alias.empty()) names += ",--" + o.alias;
    std::string help = o.help;
    if (!o.env.empty()) help += " [env " + o.env + "]";
    help += " [TOML " + table.Qualified(o.key) + "]";
    const std::string key = table.Qualified(o.key);
    const auto* option = &table.options()[i];
    auto check = [&table, option, defaults](const opt::Value& v) -> std::string {
      T scratch = defaults;
      Status s = table.Set(*option, v, &scratch);
      return s.ok() ? std::string() : s.message();
    };
    CLI::Option* added = nullptr;
    if (o.type == opt::Type::kBool) {
      added = cmd->add_flag_callback(
          names, [given, key] { (*given)[key] = opt::Value{"true", {}}; }, help);
    } else if (o.type == opt::Type::kList || o.type == opt::Type::kMap) {
      added = cmd->add_option_function<std::vector<std::string>>(
          names,
          [given, key, check, flag = o.flag](const std::vector<std::string>& items) {
            opt::Value v{{}, items};
            if (std::string e = check(v); !e.empty()) throw CLI::ValidationError(flag, e);
            (*given)[key] = std::move(v);
          },
          help);
      added->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    } else {
      added = cmd->add_option_function<std::string>(
          names,
          [given, key, check, flag = o.flag](const std::string& text) {
            opt::Value v{text, {}};
            if (std::string e = check(v); !e.empty()) throw CLI::ValidationError(flag, e);
            (*given)[key] = std::move(v);
          },
          help);
      std::string type_name = o.allowed.empty() ? std::string(opt::TypeName(o.type)) : "";
      for (const std::string& a : o.allowed) type_name += (type_name.empty() ? "" : "|") + a;
      for (char& c : type_name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (o.type == opt::Type::kMap) type_name = "PROP=VALUE";
      added->type_name(o.allowed.empty() ? type_name : "{" + type_name + "}");
      std::string shown = o.default_text;  // as TOML; a string without its quotes
      if (shown.size() >= 2 && shown.front() == '"') shown = shown.substr(1, shown.size() - 2);
      if (!shown.empty() && !o.secret) added->default_str(shown);
    }
    added->group(group);
  }
}

// Applies, the later winning: the table of `file` (when given), the
// environment, then the flags of `given`, to *out (which holds the defaults).
// Every problem is returned, one per line.
template <typename T>
Status Resolve(const opt::Table<T>& table, const ConfigFile& file, const GivenFlags& given, T* out,
               opt::Provenance* provenance = nullptr,
               const std::function<bool(std::string_view)>& skip = nullptr) {
  opt::Problems problems;
  if (!file.empty()) {
    if (const toml::table* t = file.Table(table.name(), &problems)) {
      table.Read(*t, file.path, out, &problems, provenance, skip);
    }
  }
  table.ReadEnv(out, &problems, provenance);
  for (const auto& o : table.options()) {
    auto it = given.find(table.Qualified(o.info.key));
    if (it == given.end()) continue;
    if (Status s = table.Set(o, it->second, out); !s.ok()) {
      problems.Add(InvalidArgument(o.info.flag + ": " + s.message()));
      continue;
    }
    if (provenance != nullptr) (*provenance)[table.Qualified(o.info.key)] = opt::Origin::kFlag;
  }
  return problems.ToStatus();
}

// True when the option `key` of table was set by anything but its default.
inline bool IsSet(const opt::Provenance& provenance, const std::string& qualified_key) {
  auto it = provenance.find(qualified_key);
  return it != provenance.end() && it->second != opt::Origin::kDefault;
}

// The flags every command spells the same way, declared here once.
void AddConfigFlag(CLI::App* cmd, std::string* path);
void AddExitWhenDoneFlag(CLI::App* cmd, bool* exit_when_done);
// --instance NAME: part of a transactional id, so letters, digits, . _ - only.
void AddInstanceFlag(CLI::App* cmd, std::string* instance, const std::string& help);

}  // namespace logstream::cli
