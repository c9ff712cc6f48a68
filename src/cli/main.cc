#include <cstdio>
#include <iostream>

#include "src/cli/commands.h"
#include "src/kafka/kafka_log.h"

#ifndef LOGSTREAM_VERSION
#define LOGSTREAM_VERSION "0.0.0"
#endif

namespace logstream::cli {

int Fail(const std::string& what, int code) {
  std::cerr << "logstream: " << what << "\n";
  return code;
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
  app.fallthrough();
  app.add_option("--namespace", ctx.log_options.name_space,
                 "Kafka: prefix of topic, transactional and group names (default logstream)");
  app.add_option("-X", "Kafka: a librdkafka property, -X property=value (repeatable)")
      ->type_name("PROP=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->each([&ctx](const std::string& kv) {
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
          throw CLI::ValidationError("-X", "want property=value, got '" + kv + "'");
        }
        ctx.log_options.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
      });
  RegisterRun(app, ctx);
  RegisterGenerate(app, ctx);
  RegisterIngest(app, ctx);
  RegisterProcess(app, ctx);
  RegisterLog(app, ctx);
  RegisterNotify(app, ctx);
  RegisterLambda(app, ctx);
  CLI11_PARSE(app, argc, argv);
  return ctx.exit_code;
}
