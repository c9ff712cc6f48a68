// The subcommands of the `logstream` binary. Each Register* function adds one
// subcommand to the app; when it runs, it stores its exit code in ctx.
// Only cli wires stages together; nothing includes cli.
#pragma once

#include <CLI/CLI.hpp>

#include "src/cli/flags.h"
#include "src/log/log.h"

#include <memory>
#include <vector>

#include "src/base/status.h"

namespace logstream {
class Log;
class Notifier;
struct ProcessorConfig;
struct SinkConfig;
}  // namespace logstream

namespace logstream::cli {

struct Context {
  int exit_code = 0;
  // Every flag given, by "TABLE.KEY": the global --namespace and -X (before
  // or after the subcommand) and the subcommand's own.
  GivenFlags given;
};

// Adds --broker to a command that opens a broker (--namespace, -X and
// --config are the same for every such command); `shown_default` replaces
// the default in --help when the command has its own.
void AddBrokerFlag(CLI::App* cmd, Context& ctx, const std::string& shown_default = "");

void RegisterGenerate(CLI::App& app, Context& ctx);
void RegisterLog(CLI::App& app, Context& ctx);
void RegisterIngest(CLI::App& app, Context& ctx);
void RegisterProcess(CLI::App& app, Context& ctx);
void RegisterRun(CLI::App& app, Context& ctx);
void RegisterNotify(CLI::App& app, Context& ctx);
void RegisterLambda(CLI::App& app, Context& ctx);
void RegisterConfig(CLI::App& app, Context& ctx);
void RegisterFormats(CLI::App& app, Context& ctx);
void RegisterTemplates(CLI::App& app, Context& ctx);

// The notifier of `sinks`, each rule of `rules` to its sinks; retries and
// parking reported on stderr (cmd_notify.cc, shared with `run`).
Result<std::unique_ptr<Notifier>> MakeNotifier(Log* log, const std::vector<SinkConfig>& sinks,
                                               const ProcessorConfig& rules);
// One summary line of the notifier's counters on stderr.
void PrintNotifierSummary(const Notifier& notifier);

// Prints "logstream: <what>" to stderr and returns the exit code for it.
int Fail(const std::string& what, int code = 1);
// A command's exit code for its final status: 0, or Fail(message).
int ExitCode(const Status& status);

// A subcommand and its arguments, which its callbacks keep alive.
template <typename Args>
struct Command {
  CLI::App* cmd;
  std::shared_ptr<Args> args;
};
// `help` may start and end with a newline (a raw string literal's lines).
template <typename Args>
Command<Args> AddCommand(CLI::App& app, const std::string& name, std::string_view help) {
  if (help.starts_with('\n')) help.remove_prefix(1);
  if (help.ends_with('\n')) help.remove_suffix(1);
  return {app.add_subcommand(name, std::string(help)), std::make_shared<Args>()};
}

}  // namespace logstream::cli
