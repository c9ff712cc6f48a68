#include <cstdio>
#include <iostream>

#include "src/cli/commands.h"
#include "src/kafka/kafka_log.h"
#include "src/kafka/kafka_properties.h"
#include "src/log/broker_settings.h"

#ifndef LOGSTREAM_VERSION
#define LOGSTREAM_VERSION "0.0.0"
#endif

namespace logstream::cli {

int Fail(const std::string& what, int code) {
  std::cerr << "logstream: " << what << "\n";
  return code;
}

int ExitCode(const Status& status) { return status.ok() ? 0 : Fail(status.message()); }

void AddBrokerFlag(CLI::App* cmd, Context& ctx, const std::string& shown_default) {
  BrokerSettings defaults;
  if (!shown_default.empty()) defaults.url = shown_default;
  AddFlags(cmd, BrokerTable(), &ctx.given, defaults, "Broker", {"broker"});
}

}  // namespace logstream::cli

int main(int argc, char** argv) {
  using namespace logstream::cli;
  CLI::App app{
      "logstream: log files from a bucket to windowed counts and alerts, exactly once.\n"
      "Try `logstream run` (everything on embedded defaults) or `logstream COMMAND --help`."};
  app.name("logstream");
  app.set_version_flag("--version", std::string("logstream ") + LOGSTREAM_VERSION);
  app.require_subcommand(1);
  Context ctx;
  logstream::RegisterKafkaLog();
  logstream::RegisterPropertyChecker(&logstream::CheckKafkaProperty);
  app.fallthrough();
  // Broker naming and librdkafka properties: given before or after the
  // subcommand (fallthrough), the same for every command.
  AddFlags(&app, logstream::BrokerTable(), &ctx.given, logstream::BrokerSettings{}, "Broker",
           {"namespace"});
  AddFlags(&app, logstream::KafkaTable(), &ctx.given, logstream::BrokerSettings{}, "Broker");
  RegisterRun(app, ctx);
  RegisterGenerate(app, ctx);
  RegisterIngest(app, ctx);
  RegisterProcess(app, ctx);
  RegisterLog(app, ctx);
  RegisterNotify(app, ctx);
  RegisterLambda(app, ctx);
  RegisterConfig(app, ctx);
  RegisterFormats(app, ctx);
  RegisterTemplates(app, ctx);
  CLI11_PARSE(app, argc, argv);
  return ctx.exit_code;
}
