// The subcommands of the `logstream` binary. Each Register* function adds one
// subcommand to the app; when it runs, it stores its exit code in ctx.
// Only cli wires stages together; nothing includes cli.
#pragma once

#include <CLI/CLI.hpp>

namespace logstream::cli {

struct Context {
  int exit_code = 0;
};

void RegisterGenerate(CLI::App& app, Context& ctx);
void RegisterLog(CLI::App& app, Context& ctx);
void RegisterIngest(CLI::App& app, Context& ctx);
void RegisterProcess(CLI::App& app, Context& ctx);
void RegisterRun(CLI::App& app, Context& ctx);

// Prints "logstream: <what>" to stderr and returns the exit code for it.
int Fail(const std::string& what, int code = 1);

}  // namespace logstream::cli
