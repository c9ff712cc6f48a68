// `logstream process`.
#include <iostream>

#include "src/cli/commands.h"
#include "src/cli/observe.h"
#include "src/cli/progress.h"
#include "src/cli/settings.h"
#include "src/cli/signals.h"
#include "src/log/log.h"
#include "src/process/processor.h"
#include "src/process/template_stage.h"

namespace logstream::cli {
namespace {

struct ProcessArgs {
  std::string config;
  bool exit_when_done = false;
  std::string instance;
};

int RunProcess(const ProcessArgs& a, const GivenFlags& given) {
  Settings settings;
  if (Status s = ResolveFile(a.config, given, &settings); !s.ok()) return Fail(s.message(), 2);
  const ProcessorConfig& config = settings.processor;
  const std::string& broker = settings.broker.url;
  auto log = OpenLog(broker, settings.broker.options);
  if (!log) return Fail("cannot open broker " + RedactUrl(broker) + ": " + log.error().message());
  auto telemetry = StartTelemetry(settings.http, false, "process", {"log", "process"}, {"broker"});
  if (!telemetry) return Fail(telemetry.error().message());
  metrics::CollectorHandle offsets = CollectEndOffsets(**log, "logs");
  ProcessorOptions options;
  options.input_partitions = settings.ingest.partitions;
  options.commit_interval_ms = config.commit_interval;
  options.commit_records = config.commit_records;
  options.exit_when_done = a.exit_when_done;
  if (config.templates) options.templates = TemplateOptionsFor(settings.ingest.formats);
  if (!a.instance.empty()) options.transactional_id = "processor-" + a.instance;
  options.on_rebalance = [](const std::vector<TopicPartition>& owned) {
    std::string line = "process: partitions now:";
    for (const TopicPartition& tp : owned) line += " " + tp.topic + "/" + std::to_string(tp.partition);
    if (owned.empty()) line += " none";
    std::cerr << line << std::endl;
  };
  auto processor = Processor::Create(log->get(), config, options);
  if (!processor) return Fail(processor.error().message());
  std::atomic<bool>& stop = InstallStopHandlers();
  const ProcessorCounters& c = (*processor)->counters();
  Status s;
  {
    // Records of `logs` (on Kafka its offsets also count transaction markers).
    ProgressLine progress(a.exit_when_done, "process", "records", [&] {
      uint64_t total = 0;
      if (auto info = (*log)->DescribeTopic(options.input_topic)) {
        for (int64_t end : info->end_offsets) total += static_cast<uint64_t>(end);
      }
      return std::pair{static_cast<uint64_t>(c.records.load()), total};
    });
    s = (*processor)->Run(&stop);
  }
  std::cout << "processed " << c.records << " records: " << c.windows_closed
            << " windows closed, " << c.alerts << " alerts, " << c.late << " late, "
            << c.bad_records << " undecodable\n";
  if (*telemetry && a.exit_when_done) (*telemetry)->Linger(stop);
  return ExitCode(s);
}

}  // namespace

constexpr std::string_view kProcessHelp = R"(
Count log levels and rule matches of topic `logs` in event-time windows (per-source
watermarks); write each final window once to topic `aggregates`, alerts to `alerts`
as soon as a rule's count is reached, late records to `late`. Exactly once across
crashes: outputs, window state and input offsets are committed together. Processors
on one broker form a consumer group and split the partitions (see --instance).
)";

void RegisterProcess(CLI::App& app, Context& ctx) {
  auto [cmd, args] = AddCommand<ProcessArgs>(app, "process", kProcessHelp);
  AddBrokerFlag(cmd, ctx);
  AddConfigFlag(cmd, &args->config);
  AddInstanceFlag(cmd, &args->instance,
                  "Name of this processor in its group (letters, digits, . _ -). Several processors\n"
                  "split the partitions of `logs` when each has its own name; a processor restarted\n"
                  "under the same name fences its previous run");
  AddExitWhenDoneFlag(cmd, &args->exit_when_done);
  AddFlags(cmd, HttpTable(), &ctx.given, HttpSettings{}, "Metrics and dashboard");
  cmd->callback([args, &ctx] { ctx.exit_code = RunProcess(*args, ctx.given); });
}

}  // namespace logstream::cli
