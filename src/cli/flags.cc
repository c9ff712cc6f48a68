#include "src/cli/flags.h"

#include <algorithm>
#include <cctype>

#include "src/base/toml_errors.h"

namespace logstream::cli {

const toml::table* ConfigFile::Table(std::string_view name, opt::Problems* problems) const {
  if (name.empty()) return &root;
  const toml::table* t = &root;
  while (!name.empty()) {
    const size_t dot = name.find('.');
    const std::string_view part = name.substr(0, dot);
    const toml::node* n = t->get(part);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) {
      problems->Add(TomlError(path, *n, "'" + std::string(part) + "' must be a table ([" +
                                            std::string(part) + "])"));
      return nullptr;
    }
    t = n->as_table();
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  return t;
}

Result<ConfigFile> LoadConfigFile(const std::string& path) {
  ConfigFile file;
  if (path.empty()) return file;
  ASSIGN_OR_RETURN(file.root, ParseTomlFile(path));
  file.path = path;
  return file;
}

void AddConfigFlag(CLI::App* cmd, std::string* path) {
  cmd->add_option("--config", *path,
                  "TOML configuration file; each command reads the tables it uses (see `logstream "
                  "config reference`)")
      ->check(CLI::ExistingFile);
}

void AddExitWhenDoneFlag(CLI::App* cmd, bool* exit_when_done) {
  cmd->add_flag("--exit-when-done", *exit_when_done,
                "Work through what is there now (the bucket's objects, the topic's records, the "
                "generator's lines), emit every final window and alert, then exit 0 instead of "
                "watching for more");
}

void AddInstanceFlag(CLI::App* cmd, std::string* instance, const std::string& help) {
  cmd->add_option("--instance", *instance, help)
      ->check(CLI::Validator(
          [](const std::string& v) -> std::string {
            const bool ok = !v.empty() && v.size() <= 100 && std::ranges::all_of(v, [](unsigned char c) {
              return std::isalnum(c) || c == '.' || c == '_' || c == '-';
            });
            return ok ? "" : "must be 1 to 100 letters, digits, '.', '_' or '-'";
          },
          "NAME"));
}

}  // namespace logstream::cli
