// `logstream config check FILE` and `logstream config reference`.
#include <iostream>

#include "src/cli/commands.h"
#include "src/cli/settings.h"
#include "src/process/rule_matcher.h"

namespace logstream::cli {
namespace {

int CheckConfig(const std::string& path, const GivenFlags& given) {
  auto file = LoadConfigFile(path);
  if (!file) return Fail(file.error().message(), 2);
  Settings settings;
  Status s = Resolve(*file, given, &settings);
  if (!s.ok()) return Fail(s.message(), 2);
  std::cout << "# " << path << ": OK. Effective configuration (each value's origin: default, file,\n"
            << "# environment or flag):\n"
            << ShowSettings(settings);
  // Rules are matched in one Hyperscan pass; say which ones are not.
  if (auto matcher = RuleMatcher::Compile(settings.processor.rules)) {
    for (const std::string& rule : (*matcher)->re2_only()) {
      std::cout << "# note: rule " << rule << "; it is matched with RE2 on its own (slower)\n";
    }
  }
  return 0;
}

}  // namespace

void RegisterConfig(CLI::App& app, Context& ctx) {
  CLI::App* config = app.add_subcommand("config", "Configuration files");
  config->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* check = config->add_subcommand(
      "check",
      "Validate every table of a TOML configuration file (every problem, as FILE:LINE:COLUMN)\n"
      "and print the effective configuration with where each value came from");
  check->add_option("FILE", *file, "The file")->required()->check(CLI::ExistingFile);
  check->callback([file, &ctx] { ctx.exit_code = CheckConfig(*file, ctx.given); });
  CLI::App* reference = config->add_subcommand(
      "reference",
      "Print the reference of every table, key, flag and environment variable (docs/config.md)");
  reference->callback([] { std::cout << opt::Reference(AllTables()); });
}

}  // namespace logstream::cli
