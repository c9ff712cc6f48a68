// `logstream ingest`: object-created events from a bucket into topic `logs`.
#include <iostream>

#include "src/cli/commands.h"
#include "src/cli/signals.h"
#include "src/ingest/ingester.h"
#include "src/log/log.h"
#include "src/store/object_store.h"
#include "src/trigger/dir_watch_source.h"

namespace logstream::cli {
namespace {

struct IngestArgs {
  std::string store = "logstream-data/bucket";
  std::string broker = "logstream-data/broker";
  std::string config;
  std::string format;
  std::string multiline;
  bool exit_when_done = false;
};

int RunIngestCommand(const IngestArgs& a) {
  IngestOptions options;
  if (!a.config.empty()) {
    Status s = LoadIngestToml(a.config, &options);
    if (!s.ok()) return Fail(s.message());
  }
  if (!a.format.empty()) options.format = *ParseLineFormat(a.format);
  if (!a.multiline.empty()) options.multiline = a.multiline == "auto";
  auto store = OpenStore(a.store);
  if (!store) return Fail("cannot open store " + a.store + ": " + store.error().message());
  auto log = OpenLog(a.broker);
  if (!log) return Fail("cannot open broker " + a.broker + ": " + log.error().message());
  Ingester ingester(**store, **log, options);
  if (Status s = ingester.Init(); !s.ok()) return Fail(s.message());
  DirWatchOptions watch;
  watch.once = a.exit_when_done;
  auto source = DirWatchSource::Open(store->get(), watch);
  if (!source) return Fail("cannot watch " + a.store + ": " + source.error().message());
  std::atomic<bool>& stop = InstallStopHandlers();
  Status s = RunIngest(**source, ingester, stop);
  const IngestCounters& c = ingester.counters();
  std::cout << "ingested " << c.objects << " objects (" << c.duplicates << " already ingested, "
            << c.failed << " unreadable): " << c.lines << " lines, " << c.records
            << " records, " << c.dead_letters << " dead letters\n";
  if (!s.ok()) return Fail(s.message());
  return 0;
}

}  // namespace

void RegisterIngest(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Ingest every object of a bucket into topic `logs`, exactly once: each line becomes a\n"
      "record (multi-line stack traces stay in their record); lines that do not parse and\n"
      "objects that cannot be read go to topic `dead-letter` with a reason. Lists the bucket\n"
      "at start (objects that landed while it was down are picked up), then watches it.");
  cmd->add_option("--store", args->store, "Bucket URL: file:///abs/path or a directory")
      ->capture_default_str();
  cmd->add_option("--broker", args->broker, "Broker: a directory or file:///path (embedded log)")
      ->capture_default_str();
  cmd->add_option("--config", args->config, "TOML file; its [ingest] table is read")
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", args->format, "Line format (default auto: each line decides)")
      ->check(CLI::IsMember({"auto", "iso", "classic"}));
  cmd->add_option("--multiline", args->multiline,
                  "auto: lines without a leading timestamp continue the record above; off")
      ->check(CLI::IsMember({"auto", "off"}));
  cmd->add_flag("--exit-when-done", args->exit_when_done,
                "Ingest what is in the bucket now, then exit 0 (default: keep watching)");
  cmd->callback([args, &ctx] { ctx.exit_code = RunIngestCommand(*args); });
}

}  // namespace logstream::cli
