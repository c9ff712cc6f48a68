// `logstream ingest`: object-created events from a bucket into topic `logs`.
#include <chrono>
#include <iostream>
#include <thread>

#include "src/cli/commands.h"
#include "src/cli/observe.h"
#include "src/cli/progress.h"
#include "src/cli/settings.h"
#include "src/cli/signals.h"
#include "src/ingest/fleet.h"
#include "src/ingest/ingest_pool.h"
#include "src/log/log.h"
#include "src/store/object_store.h"
#include "src/trigger/source_factory.h"

namespace logstream::cli {
namespace {

// With --exit-when-done, how long errors are retried before ingest fails.
constexpr TimeMs kGiveUpAfterMs = 60'000;

struct IngestArgs {
  std::string config;
  bool exit_when_done = false;
  std::string instance;  // a fleet member (or, with enqueue, the enqueuer's name)
  bool enqueue = false;
};

// `ingest --instance NAME`: a member of the ingest fleet. Its event source's
// events go to topic objects (on a connection of their own), and it ingests
// the share of topic objects that the group assigns it.
int RunFleetMember(const IngestArgs& a, const Settings& settings, ObjectStore& store, Log& log,
                   EventSource& source, const std::atomic<bool>& stop) {
  auto enqueue_log = OpenLog(settings.broker.url, settings.broker.options);
  if (!enqueue_log) return Fail("cannot open broker " + RedactUrl(settings.broker.url) + ": " + enqueue_log.error().message());
  IngestOptions options = settings.ingest;
  options.transactional_id = "ingest-" + a.instance;
  // A dead writer's partitions wait for its open transaction to end.
  options.transaction_timeout_ms = 10'000;
  std::atomic<bool> enqueued_all{false};
  FleetOptions fleet;
  fleet.exit_when_done = a.exit_when_done;
  fleet.enqueue_done = &enqueued_all;
  fleet.on_rebalance = [&](const std::vector<int>& owned) {
    std::string line = "ingest: partitions now:";
    for (int p : owned) line += " " + fleet.objects_topic + "/" + std::to_string(p);
    if (owned.empty()) line += " none";
    std::cerr << line << std::endl;
  };
  FleetWriter writer(store, log, options, fleet);
  if (Status s = writer.Init(); !s.ok()) return Fail(s.message());
  // `halt` stops both threads: at a signal, or when enqueueing failed.
  std::atomic<bool> halt{false}, written{false};
  Status enqueue_status, write_status;
  uint64_t enqueued = 0;
  std::thread enqueuer([&] {
    enqueue_status = RunEnqueue(source, **enqueue_log, "enqueue-" + a.instance, settings.ingest, fleet, halt, &enqueued);
    enqueued_all.store(true);
  });
  std::thread ingester([&] {
    write_status = writer.Run(halt);
    written.store(true);
  });
  while (!written.load()) {
    if (stop.load() || (enqueued_all.load() && !enqueue_status.ok())) halt.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  halt.store(true);
  ingester.join();
  enqueuer.join();
  const IngestTotals c = writer.Totals();
  std::cout << "ingested " << c.objects << " objects (" << c.duplicates << " already ingested, " << c.failed
            << " unreadable): " << c.lines << " lines, " << c.records << " records, " << c.dead_letters
            << " dead letters; enqueued " << enqueued << " events\n";
  return ExitCode(enqueue_status.ok() ? write_status : enqueue_status);
}

// `ingest --enqueue`: the event source's events to topic objects.
int RunEnqueueCommand(const IngestArgs& a, const Settings& settings, EventSource& source, Log& log,
                      const std::atomic<bool>& stop) {
  FleetOptions fleet;
  if (Status s = EnsureObjectsTopic(log, settings.ingest, fleet); !s.ok()) return Fail(s.message());
  uint64_t enqueued = 0;
  Status s = RunEnqueue(source, log, a.instance.empty() ? "enqueue" : "enqueue-" + a.instance, settings.ingest,
                        fleet, stop, &enqueued);
  std::cout << "enqueued " << enqueued << " object events on topic " << fleet.objects_topic << "\n";
  return ExitCode(s);
}

int RunIngestCommand(const IngestArgs& a, const GivenFlags& given) {
  Settings settings;
  if (Status s = ResolveFile(a.config, given, &settings); !s.ok()) return Fail(s.message(), 2);
  // Before anything slow: a SIGTERM while connecting still ends cleanly.
  std::atomic<bool>& stop = InstallStopHandlers();
  ApplyS3Endpoint(settings.store);
  const std::string& store_url = settings.store.url;
  auto store = OpenStore(store_url);
  if (!store) return Fail("cannot open store " + RedactUrl(store_url) + ": " + store.error().message());
  auto log = OpenLog(settings.broker.url, settings.broker.options);
  if (!log) return Fail("cannot open broker " + RedactUrl(settings.broker.url) + ": " + log.error().message());
  auto telemetry = StartTelemetry(settings.http, false, "ingest", {"ingest", "log"}, {"broker", "store"});
  if (!telemetry) return Fail(telemetry.error().message());
  metrics::CollectorHandle offsets = CollectEndOffsets(**log, settings.ingest.logs_topic);
  EventSourceContext context;
  context.store = store->get();
  context.store_url = store_url;
  context.once = a.exit_when_done;
  context.give_up_after_ms = a.exit_when_done ? kGiveUpAfterMs : 0;
  auto source = OpenEventSource(settings.events, context);
  if (!source) return Fail("cannot watch " + store_url + ": " + source.error().message());
  if (a.enqueue) return RunEnqueueCommand(a, settings, **source, **log, stop);
  if (!a.instance.empty()) return RunFleetMember(a, settings, **store, **log, **source, stop);
  IngestPool ingest(**store, **log, settings.ingest);
  if (Status s = ingest.Init(); !s.ok()) return Fail(s.message());
  Status s;
  {
    ProgressLine progress(a.exit_when_done, "ingest", "objects", [&] {
      const IngestTotals c = ingest.Totals();
      const uint64_t done = c.objects + c.duplicates + c.failed;
      return std::pair{done, done + ingest.queued()};
    });
    s = ingest.Run(**source, stop, a.exit_when_done ? kGiveUpAfterMs : 0);
  }
  const IngestTotals c = ingest.Totals();
  std::cout << "ingested " << c.objects << " objects (" << c.duplicates << " already ingested, "
            << c.failed << " unreadable): " << c.lines << " lines, " << c.records
            << " records, " << c.dead_letters << " dead letters\n";
  if (std::string summary = EventSourceSummary(**source); !summary.empty()) std::cout << summary << "\n";
  if (*telemetry && a.exit_when_done) (*telemetry)->Linger(stop);
  return ExitCode(s);
}

}  // namespace

constexpr std::string_view kIngestHelp = R"(
Ingest every object of a bucket into topic `logs`, exactly once: each line becomes a
record (multi-line stack traces stay in their record); lines that do not parse and
objects that cannot be read go to topic `dead-letter` with a reason. Lists the bucket
at start (objects that landed while it was down are picked up), then watches it.

A fleet of writers on Kafka (docs/ingest-scale.md): each `ingest --instance NAME` puts
the events it learns of on topic `objects` (keyed by host) and ingests the hosts that
consumer group `ingest` assigns it; every object exactly once, each host in order.
`ingest --enqueue` only puts events on `objects`.
)";

void RegisterIngest(CLI::App& app, Context& ctx) {
  auto [cmd, args] = AddCommand<IngestArgs>(app, "ingest", kIngestHelp);
  AddFlags(cmd, StoreTable(), &ctx.given, StoreSettings{}, "Store");
  AddBrokerFlag(cmd, ctx);
  AddConfigFlag(cmd, &args->config);
  AddFlags(cmd, IngestTable(), &ctx.given, IngestOptions{}, "Ingest");
  AddFlags(cmd, EventsTable(), &ctx.given, EventSettings{}, "Events");
  AddInstanceFlag(cmd, &args->instance,
                  "Name of this writer of the ingest fleet (letters, digits, . _ -): ingest the events\n"
                  "of topic objects that its group share assigns it; a writer restarted under the same\n"
                  "name fences its previous run");
  cmd->add_flag("--enqueue", args->enqueue,
                "Put the object events on topic objects for the fleet instead of ingesting them");
  AddExitWhenDoneFlag(cmd, &args->exit_when_done);
  AddFlags(cmd, HttpTable(), &ctx.given, HttpSettings{}, "Metrics and dashboard");
  cmd->callback([args, &ctx] { ctx.exit_code = RunIngestCommand(*args, ctx.given); });
}

}  // namespace logstream::cli
