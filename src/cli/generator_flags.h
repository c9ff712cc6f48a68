// Command-line flags and TOML configuration of the generator, shared by
// `logstream generate` and `logstream run`.
//
// Every GeneratorOptions field has a kebab-case long option and a snake_case
// TOML key under [generator] (the level ranges under [generator.levels]):
//   --min-string / min_string, ..., --error-range LO,HI / levels.error = [LO, HI].
// Values given on the command line win over the file. Unknown keys inside
// [generator] and [generator.levels] are errors; other top-level tables are
// left to their own commands.
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "src/base/status.h"
#include "src/generate/generator.h"

namespace logstream::cli {

// Adds the generator's options to cmd, writing parsed values into *opts
// (which must outlive parsing). Bad values (e.g. --start yesterday) make
// CLI11 report a ValidationError naming the option.
void AddGeneratorFlags(CLI::App* cmd, GeneratorOptions* opts);

// Applies [generator] (and [generator.levels]) of root to *opts, skipping
// every key whose option was given on cmd's command line. Call after parsing.
Status ApplyGeneratorToml(const toml::table& root, const CLI::App& cmd, GeneratorOptions* opts);

// Parses the TOML file at path and applies it as above.
Status LoadGeneratorConfig(const std::string& path, const CLI::App& cmd, GeneratorOptions* opts);

}  // namespace logstream::cli
