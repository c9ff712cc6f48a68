// `logstream lambda`: the AWS Lambda custom runtime. Configuration comes from
// the function's environment (the deployment's `bootstrap` passes no
// arguments): the [lambda] settings (src/lambda/lambda_settings.h) and the
// broker's (LOGSTREAM_BROKER, LOGSTREAM_NAMESPACE).
#include <cstdlib>
#include <iostream>

#include "src/cli/commands.h"
#include "src/cli/settings.h"
#include "src/cli/signals.h"
#include "src/lambda/runtime.h"
#include "src/lambda/s3_ingest_handler.h"
#include "src/lambda/ssm_handler.h"

namespace logstream::cli {
namespace {

std::string Env(const char* name, std::string fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

int RunLambda(const GivenFlags& given) {
  const std::string api = Env("AWS_LAMBDA_RUNTIME_API");
  if (api.empty()) {
    return Fail("AWS_LAMBDA_RUNTIME_API is not set: run `logstream lambda` as a Lambda custom runtime "
                "(the deployment's bootstrap) or under the Runtime Interface Emulator", 2);
  }
  lambda::RuntimeClient client(api);
  auto init_failed = [&](const std::string& type, const std::string& message) {
    Status s = client.FailInit({type, message});
    if (!s.ok()) std::cerr << "logstream: " << s.message() << "\n";
    return Fail(message);
  };
  // The function's environment: the Lambda and broker settings.
  Settings settings;
  if (Status s = ResolveFile("", given, &settings); !s.ok()) return init_failed("InvalidConfig", s.message());
  const lambda::LambdaSettings& lambda = settings.lambda;
  std::atomic<bool>& stop = InstallStopHandlers();
  if (lambda.action == "ssm") {
    lambda::SsmOptions options;
    const std::string config =
        !lambda.config.empty() ? lambda.config : Env("LAMBDA_TASK_ROOT", ".") + "/application.json";
    if (Status s = lambda::LoadSsmOptions(config, {lambda.ssm_instance_ids, lambda.ssm_script}, &options);
        !s.ok()) {
      return init_failed("InvalidConfig", s.message());
    }
    lambda::SsmHandler handler(options);
    Status s = lambda::RunLoop(
        client, [&](const lambda::Invocation& inv) { return handler.Handle(inv.payload); }, stop);
    if (!s.ok()) return Fail(s.message());
    return 0;
  }
  if (!IsSet(settings.provenance, "broker")) {
    return init_failed("InvalidConfig", "LOGSTREAM_BROKER is not set: give the broker, e.g. kafka://HOST:9092");
  }
  const std::string& broker = settings.broker.url;
  auto log = OpenLog(broker, settings.broker.options);
  if (!log) return init_failed("BrokerError", "cannot open broker " + RedactUrl(broker) + ": " + log.error().message());
  if (lambda.action == "enqueue") {
    lambda::S3EnqueueHandler handler(**log, settings.ingest);
    return ExitCode(lambda::RunLoop(
        client, [&](const lambda::Invocation& inv) { return handler.Handle(inv.payload); }, stop));
  }
  lambda::S3IngestOptions options;
  options.store_url = lambda.store;
  lambda::S3IngestHandler handler(**log, options);
  Status s = lambda::RunLoop(
      client, [&](const lambda::Invocation& inv) { return handler.Handle(inv.payload); }, stop);
  return ExitCode(s);
}

}  // namespace

void RegisterLambda(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "lambda",
      "AWS Lambda custom runtime (run by the deployment's `bootstrap`): serves invocations from\n"
      "AWS_LAMBDA_RUNTIME_API. Each S3 event's objects are ingested into LOGSTREAM_BROKER exactly\n"
      "once; an invocation succeeds only after its objects are committed. Environment:\n"
      "  LOGSTREAM_LAMBDA_ACTION ingest (default) or ssm (SSM SendCommand AWS-RunShellScript of\n"
      "  sh '/home/ec2-user/SCRIPT' 'BUCKET' 'KEY' on the instances of application.json, quoted);\n"
      "  LOGSTREAM_BROKER kafka://HOST:PORT or a directory;\n"
      "  LOGSTREAM_STORE (default s3://BUCKET of each record); LOGSTREAM_NAMESPACE; AWS_ENDPOINT_URL_S3");
  cmd->callback([&ctx] { ctx.exit_code = RunLambda(ctx.given); });
}

}  // namespace logstream::cli
