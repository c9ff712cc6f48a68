// `logstream process` and `logstream config check`.
#include <iostream>

#include <toml++/toml.h>

#include "src/base/toml_errors.h"
#include "src/cli/commands.h"
#include "src/cli/log_config.h"
#include "src/cli/signals.h"
#include "src/ingest/ingester.h"
#include "src/log/log.h"
#include "src/notify/sink_config.h"
#include "src/process/processor.h"

namespace logstream::cli {
namespace {

struct ProcessArgs {
  std::string broker = "logstream-data/broker";
  std::string config;
  bool exit_when_done = false;
  std::string instance;
  LogOptions log_options;  // from the global --namespace and -X
};

int RunProcess(const ProcessArgs& a) {
  ProcessorConfig config;
  LogOptions log_options = a.log_options;
  if (!a.config.empty()) {
    auto c = LoadProcessorConfigFile(a.config);
    if (!c) return Fail(c.error().message(), 2);
    config = *c;
    if (Status s = LoadLogToml(a.config, &log_options); !s.ok()) return Fail(s.message(), 2);
  }
  auto log = OpenLog(a.broker, log_options);
  if (!log) return Fail("cannot open broker " + a.broker + ": " + log.error().message());
  ProcessorOptions options;
  options.input_partitions = IngestOptions{}.partitions;
  options.commit_interval_ms = config.commit_interval;
  options.commit_records = config.commit_records;
  options.exit_when_done = a.exit_when_done;
  if (!a.instance.empty()) options.transactional_id = "processor-" + a.instance;
  options.on_rebalance = [](const std::vector<TopicPartition>& owned) {
    std::string line = "process: partitions now:";
    for (const TopicPartition& tp : owned) line += " " + tp.topic + "/" + std::to_string(tp.partition);
    if (owned.empty()) line += " none";
    std::cerr << line << std::endl;
  };
  auto processor = Processor::Create(log->get(), config, options);
  if (!processor) return Fail(processor.error().message());
  Status s = (*processor)->Run(&InstallStopHandlers());
  const ProcessorCounters& c = (*processor)->counters();
  std::cout << "processed " << c.records << " records: " << c.windows_closed
            << " windows closed, " << c.alerts << " alerts, " << c.late << " late, "
            << c.bad_records << " undecodable\n";
  if (!s.ok()) return Fail(s.message());
  return 0;
}

// Top-level tables a configuration file may hold, each checked by its owner.
constexpr std::string_view kKnownTables[] = {"generator", "ingest", "processor", "rules",
                                             "sinks",     "kafka",  "namespace"};

int CheckConfig(const std::string& path) {
  auto parsed = ParseTomlFile(path);
  if (!parsed) return Fail(parsed.error().message(), 2);
  const toml::table& doc = *parsed;
  for (const auto& [k, v] : doc) {
    bool known = false;
    for (auto t : kKnownTables) known = known || k.str() == t;
    if (!known) {
      return Fail(path + ":" + std::to_string(v.source().begin.line) + ": unknown key '" +
                      std::string(k.str()) +
                      "' (allowed: generator, ingest, processor, rules, sinks, kafka)",
                  2);
    }
  }
  auto config = LoadProcessorConfig(doc, path);
  if (!config) return Fail(config.error().message(), 2);
  LogOptions log_options;
  if (Status s = LoadLogToml(path, &log_options); !s.ok()) return Fail(s.message(), 2);
  IngestOptions ingest;
  if (Status s = LoadIngestToml(path, &ingest); !s.ok()) return Fail(s.message(), 2);
  if (auto sinks = LoadSinkConfigs(doc, path); !sinks) return Fail(sinks.error().message(), 2);
  std::cout << "# " << path << ": OK. Effective configuration:\n" << ProcessorConfigToToml(*config);
  return 0;
}

}  // namespace

void RegisterProcess(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ProcessArgs>();
  CLI::App* cmd = app.add_subcommand(
      "process",
      "Count log levels and rule matches of topic `logs` in event-time windows (per-source\n"
      "watermarks); write each final window once to topic `aggregates`, alerts to `alerts`\n"
      "as soon as a rule's count is reached, late records to `late`. Exactly once across\n"
      "crashes: outputs, window state and input offsets are committed together. Processors\n"
      "on one broker form a consumer group and split the partitions (see --instance).");
  cmd->add_option("--broker", args->broker, "Broker: a directory or file:///path (embedded log)")
      ->capture_default_str();
  cmd->add_option("--config", args->config, "TOML file with [processor] and [[rules]]")
      ->check(CLI::ExistingFile);
  cmd->add_option("--instance", args->instance,
                  "Name of this processor in its group (letters, digits, . _ -). Several processors\n"
                  "split the partitions of `logs` when each has its own name; a processor restarted\n"
                  "under the same name fences its previous run");
  cmd->add_flag("--exit-when-done",
                args->exit_when_done,
                "Process what is in `logs` now, emit every open window (watermark +infinity), exit 0");
  cmd->callback([args, &ctx] {
    args->log_options = ctx.log_options;
    ctx.exit_code = RunProcess(*args);
  });

  CLI::App* config = app.add_subcommand("config", "Configuration files");
  config->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App* check = config->add_subcommand(
      "check", "Validate a TOML configuration file and print the effective configuration");
  check->add_option("FILE", *file, "The file")->required()->check(CLI::ExistingFile);
  check->callback([file, &ctx] { ctx.exit_code = CheckConfig(*file); });
}

}  // namespace logstream::cli
