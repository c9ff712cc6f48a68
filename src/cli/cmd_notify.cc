// `logstream notify`: delivers topic `alerts` to the [[sinks]] of a config
// file (email, webhook, kafka, file, stdout), at least once per sink and
// de-duplicated by alert id; `logstream notify test` sends one test alert to
// every sink and reports each answer.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "src/cli/commands.h"
#include "src/cli/observe.h"
#include "src/cli/settings.h"
#include "src/cli/signals.h"
#include "src/log/log.h"
#include "src/notify/notifier.h"
#include "src/process/config.h"

namespace logstream::cli {
namespace {

struct NotifyArgs {
  std::string config;
  bool exit_when_done = false;
};

void PrintEvent(std::string_view line) {
  static const bool tty = isatty(STDERR_FILENO) == 1;
  std::fprintf(stderr, "%s%.*s\n", tty ? "\r\033[K" : "", static_cast<int>(line.size()), line.data());
}

int RunNotify(const NotifyArgs& a, const GivenFlags& given) {
  Settings settings;
  if (Status s = ResolveFile(a.config, given, &settings); !s.ok()) return Fail(s.message(), 2);
  const std::vector<SinkConfig>& sinks = settings.sinks;
  if (sinks.empty()) return Fail(a.config + " has no [[sinks]]: nothing to deliver to", 2);
  const std::string& broker = settings.broker.url;
  auto log = OpenLog(broker, settings.broker.options);
  if (!log) return Fail("cannot open broker " + RedactUrl(broker) + ": " + log.error().message());
  auto notifier = MakeNotifier(log->get(), sinks, settings.processor);
  if (!notifier) return Fail(notifier.error().message(), 2);
  auto telemetry = StartTelemetry(settings.http, false, "notify", {"notify"}, {"broker"});
  if (!telemetry) return Fail(telemetry.error().message());
  std::atomic<bool> drain{a.exit_when_done};
  std::atomic<bool>& stop = InstallStopHandlers();
  Status s = (*notifier)->Run(&stop, &drain);
  PrintNotifierSummary(**notifier);
  if (*telemetry && a.exit_when_done) (*telemetry)->Linger(stop);
  return ExitCode(s);
}

int RunNotifyTest(const NotifyArgs& a, const GivenFlags& given) {
  Settings settings;
  if (Status s = ResolveFile(a.config, given, &settings); !s.ok()) return Fail(s.message(), 2);
  const std::vector<SinkConfig>* sinks = &settings.sinks;
  if (sinks->empty()) return Fail(a.config + " has no [[sinks]]", 2);
  const std::string& broker = settings.broker.url;
  std::unique_ptr<Log> log;
  for (const SinkConfig& c : *sinks) {
    if (c.type == SinkType::kKafka && c.url.empty() && !log) {
      auto l = OpenLog(broker, settings.broker.options);
      if (!l) return Fail("cannot open broker " + RedactUrl(broker) + ": " + l.error().message());
      log = std::move(*l);
    }
  }
  const std::string alert = TestAlertJson(NowMs());
  std::cout << "sending a test alert (rule \"test\") to " << sinks->size() << " sink(s)\n";
  int failed = 0;
  for (const SinkConfig& c : *sinks) {
    std::cout << c.name << " (" << SinkTypeName(c.type) << "): " << std::flush;
    auto sink = MakeSink(c, SinkContext{log.get()});
    if (!sink) {
      ++failed;
      std::cout << "ERROR: " << sink.error().message() << "\n";
      continue;
    }
    Delivery d = (*sink)->Deliver(alert);
    if (!d.ok()) ++failed;
    std::cout << DeliveryCodeName(d.code) << (d.ok() ? "" : ": " + d.reason) << "\n";
  }
  std::cout << (failed ? std::to_string(failed) + " sink(s) failed" : "every sink works") << "\n";
  return failed ? 1 : 0;
}

}  // namespace

Result<std::unique_ptr<Notifier>> MakeNotifier(Log* log, const std::vector<SinkConfig>& sinks,
                                               const ProcessorConfig& rules) {
  RuleSinks rule_sinks;
  for (const RuleConfig& r : rules.rules) rule_sinks[r.name] = r.sinks;
  NotifierOptions options;
  options.on_event = PrintEvent;
  return Notifier::FromConfig(log, sinks, std::move(rule_sinks), std::move(options));
}

void PrintNotifierSummary(const Notifier& n) {
  const NotifierCounters& c = n.counters();
  std::fprintf(stderr,
               "notify: %lld alerts read; %lld deliveries, %lld already delivered before, "
               "%lld retries, %lld parked in alerts-undelivered\n",
               static_cast<long long>(c.alerts.load()), static_cast<long long>(c.delivered.load()),
               static_cast<long long>(c.skipped.load()), static_cast<long long>(c.retries.load()),
               static_cast<long long>(c.parked.load()));
}

constexpr std::string_view kNotifyHelp = R"(
Deliver the alerts of topic `alerts` to the [[sinks]] of --config (stdout, file,
email over SMTP, webhook, kafka topic), each rule to its `sinks` (all by default).
At least once per sink, de-duplicated by alert id: a restart never re-sends what a
sink confirmed. Failing sinks are retried with backoff without holding up the
others; alerts that keep failing are parked in topic `alerts-undelivered`.
)";

void RegisterNotify(CLI::App& app, Context& ctx) {
  auto [cmd, args] = AddCommand<NotifyArgs>(app, "notify", kNotifyHelp);
  AddBrokerFlag(cmd, ctx);
  AddConfigFlag(cmd, &args->config);
  AddExitWhenDoneFlag(cmd, &args->exit_when_done);
  AddFlags(cmd, HttpTable(), &ctx.given, HttpSettings{}, "Metrics and dashboard");
  CLI::App* test = cmd->add_subcommand(
      "test", "Send one clearly marked test alert (rule \"test\") to every sink of --config and\n"
              "report each answer; exit 1 if any sink failed.");
  AddConfigFlag(test, &args->config);
  test->get_option("--config")->required();
  AddBrokerFlag(test, ctx);
  test->callback([args, &ctx] { ctx.exit_code = RunNotifyTest(*args, ctx.given); });
  cmd->callback([cmd, test, args, &ctx] {
    if (test->parsed()) return;
    if (args->config.empty()) {
      ctx.exit_code = Fail("notify needs --config FILE (with [[sinks]])", 2);
      return;
    }
    ctx.exit_code = RunNotify(*args, ctx.given);
  });
}

}  // namespace logstream::cli
