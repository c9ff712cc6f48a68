// `logstream run`: the whole pipeline in one process on embedded defaults:
// generator hosts -> DIR/bucket -> inotify events -> ingest -> DIR/broker
// (embedded log) -> processor -> DIR/aggregates.jsonl, DIR/alerts.jsonl,
// DIR/templates.jsonl and alerts on stdout.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "src/cli/commands.h"
#include "src/cli/observe.h"
#include "src/cli/settings.h"
#include "src/generate/generator_options.h"
#include "src/cli/signals.h"
#include "src/generate/generator.h"
#include "src/ingest/ingest_pool.h"
#include "src/log/log.h"
#include "src/notify/alert_text.h"
#include "src/notify/notifier.h"
#include "src/notify/topic_file.h"
#include "src/process/processor.h"
#include "src/process/template_stage.h"
#include "src/store/object_store.h"
#include "src/trigger/dir_watch_source.h"

namespace logstream::cli {
namespace {

struct RunArgs {
  std::string data = "logstream-data";
  std::string config;
  bool exit_when_done = false;
};

// `run`'s own defaults: 3 hosts in real time with an occasional error burst,
// objects published every second, and service log lines, whose templates
// say which error an alert is about (random strings would each be one).
GeneratorOptions RunGeneratorDefaults() {
  GeneratorOptions gen;
  gen.hosts = 3;
  gen.messages = MessageKind::kServices;
  gen.burst.enabled = true;
  gen.burst.period = 60 * 1000;
  gen.burst.length = 5 * 1000;
  gen.roll_seconds = 1;
  return gen;
}

HttpSettings RunHttpDefaults() {
  HttpSettings http;
  http.listen = kRunHttpListen;
  return http;
}

// The first error of any stage wins and stops the others.
class Failure {
 public:
  void Set(const Status& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = s;
  }
  Status Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }

 private:
  std::mutex mu_;
  Status status_;
};

int64_t Lag(Log& log) {
  auto info = log.DescribeTopic("logs");
  if (!info) return 0;
  int64_t lag = 0;
  for (int p = 0; p < info->partitions; ++p) {
    auto committed = log.CommittedOffset("processor", "logs", p);
    lag += info->end_offsets[p] - committed.value_or(0);
  }
  return lag;
}

int RunPipeline(RunArgs& a, const GivenFlags& given) {
  namespace fs = std::filesystem;
  Settings settings;
  settings.generator = RunGeneratorDefaults();
  settings.http = RunHttpDefaults();
  if (Status s = ResolveFile(a.config, given, &settings); !s.ok()) return Fail(s.message(), 2);
  const ProcessorConfig& pconfig = settings.processor;
  const IngestOptions& ioptions = settings.ingest;
  const std::vector<SinkConfig>& sinks = settings.sinks;  // delivered by a notifier thread
  const GeneratorOptions& gen = settings.generator;
  if (Status s = ValidateGeneratorOptions(gen); !s.ok()) return Fail(s.message(), 2);
  std::error_code ec;
  fs::create_directories(a.data, ec);
  if (ec) return Fail("cannot create --data " + a.data + ": " + ec.message());
  const std::string data = fs::absolute(a.data).string();

  auto store = OpenStore("file://" + data + "/bucket");
  if (!store) return Fail(store.error().message());
  LogOptions log_options = settings.broker.options;
  log_options.fsync_interval = 100;
  // The embedded log inside --data unless a broker was given.
  const std::string broker =
      IsSet(settings.provenance, "broker") ? settings.broker.url : data + "/broker";
  auto log = OpenLog(broker, log_options);
  if (!log) return Fail(log.error().message());
  std::vector<std::string> stages = {"bucket", "ingest", "log", "process"};
  if (!sinks.empty()) stages.push_back("notify");
  auto telemetry = StartTelemetry(settings.http, !IsSet(settings.provenance, "http.listen"), "run", stages,
                                  {"broker", "store"});
  if (!telemetry) return Fail(telemetry.error().message());
  metrics::CollectorHandle offsets = CollectEndOffsets(**log, ioptions.logs_topic);
  IngestPool ingest(**store, **log, ioptions);
  if (Status s = ingest.Init(); !s.ok()) return Fail(s.message());

  ProcessorOptions poptions;
  poptions.input_partitions = ioptions.partitions;
  poptions.commit_interval_ms = pconfig.commit_interval;
  poptions.commit_records = pconfig.commit_records;
  if (pconfig.templates) poptions.templates = TemplateOptionsFor(ioptions.formats);
  auto make_processor = [&](bool finite) {
    ProcessorOptions o = poptions;
    o.exit_when_done = finite;
    return Processor::Create(log->get(), pconfig, o);
  };
  auto processor = make_processor(false);
  if (!processor) return Fail(processor.error().message());

  std::unique_ptr<Notifier> notifier;
  if (!sinks.empty()) {
    auto n = MakeNotifier(log->get(), sinks, pconfig);
    if (!n) return Fail(n.error().message(), 2);
    notifier = std::move(*n);
  }
  // With a stdout sink the notifier prints the alerts; else they are echoed here.
  bool stdout_sink = false;
  for (const SinkConfig& c : sinks) stdout_sink = stdout_sink || c.type == SinkType::kStdout;

  const bool tty = isatty(STDERR_FILENO) == 1;
  std::mutex out_mu;
  auto print_alert = [&](std::string_view json) {
    std::lock_guard<std::mutex> lock(out_mu);
    if (tty) std::fprintf(stderr, "\r\033[K");
    std::printf("%s\n", AlertToText(json).c_str());
    std::fflush(stdout);
  };
  TopicFile aggregates(**log, poptions.aggregates_topic, data + "/aggregates.jsonl",
                       "aggregates.jsonl");
  TopicFile alerts(**log, poptions.alerts_topic, data + "/alerts.jsonl", "alerts.jsonl",
                   stdout_sink ? nullptr : TopicFile::OnLine(print_alert));
  TopicFile templates(**log, poptions.templates_topic, data + "/templates.jsonl", "templates.jsonl");
  for (TopicFile* f : {&aggregates, &alerts, &templates}) {
    if (Status s = f->Init(); !s.ok()) return Fail(s.message());
  }

  std::atomic<bool>& stop = InstallStopHandlers();
  Failure failure;
  std::atomic<bool> gen_done{false}, ingest_done{false}, process_done{false};
  std::atomic<bool> notify_done{!notifier}, notify_drain{false};
  std::atomic<bool> stop_watch{false}, stop_stream{false};
  std::atomic<uint64_t> generated{0};
  auto fail = [&](const Status& s) {
    failure.Set(s);
    stop.store(true);
  };

  // Generator: publishes rolled objects into the bucket.
  std::thread gen_thread([&] {
    ObjectStore& bucket = **store;
    metrics::Registry& m = metrics::Default();
    metrics::Counter& objects = m.CounterFamily("logstream_generate_objects_total", "objects published").Get();
    metrics::Counter& object_bytes =
        m.CounterFamily("logstream_generate_bytes_total", "bytes of the objects published").Get();
    metrics::Counter& lines = m.CounterFamily("logstream_generate_lines_total", "lines generated").Get();
    Publisher publish = [&](std::string_view key, std::string_view bytes) -> Result<bool> {
      ASSIGN_OR_RETURN(PutResult r, bucket.Put(key, bytes));
      objects.Add();
      object_bytes.Add(bytes.size());
      return r.created;
    };
    GenerateHooks hooks;
    hooks.stop = &stop;
    hooks.progress = [&](const GenerateStats& s) {
      const uint64_t total = s.TotalLines();
      lines.Add(total - generated.exchange(total));
    };
    auto stats = Generate(gen, publish, hooks);
    if (!stats) {
      fail(stats.error().WithContext("generate"));
    } else {
      lines.Add(stats->TotalLines() - generated.exchange(stats->TotalLines()));
    }
    gen_done.store(true);
  });

  // Ingest: inotify events until the generator is done (with
  // --exit-when-done), then one last listing of the bucket.
  std::thread ingest_thread([&] {
    DirWatchOptions watch;
    auto source = DirWatchSource::Open(store->get(), watch);
    if (!source) return fail(source.error());
    Status s = ingest.Run(**source, stop_watch);
    if (s.ok() && a.exit_when_done && !stop.load()) {
      DirWatchOptions once;
      once.once = true;
      auto last = DirWatchSource::Open(store->get(), once);
      s = last ? ingest.Run(**last, stop) : last.error();
    }
    if (!s.ok()) fail(s.WithContext("ingest"));
    ingest_done.store(true);
  });

  // Processor: streaming; with --exit-when-done, once ingest is done, a
  // finite run consumes the rest and closes every window.
  std::thread process_thread([&] {
    Status s = (*processor)->Run(&stop_stream);
    if (s.ok() && a.exit_when_done && !stop.load()) {
      processor->reset();
      auto finite = make_processor(true);
      s = finite ? (*finite)->Run(&stop) : finite.error();
      if (finite) processor = std::move(finite);
    }
    if (!s.ok()) fail(s.WithContext("process"));
    process_done.store(true);
  });

  // Notifier: [[sinks]]; with --exit-when-done it delivers every alert
  // once the processor is done, then ends.
  std::thread notify_thread;
  if (notifier) {
    notify_thread = std::thread([&] {
      Status s = notifier->Run(&stop, &notify_drain);
      if (!s.ok()) fail(s.WithContext("notify"));
      notify_done.store(true);
    });
  }

  auto poll_sinks = [&](TimeMs wait) -> Status {
    for (TopicFile* f : {&aggregates, &templates}) {
      if (auto n = f->Poll(0); !n) return n.error();
    }
    auto m = alerts.Poll(wait);
    if (!m) return m.error();
    return Status::Ok();
  };
  auto last_progress = std::chrono::steady_clock::now();
  while (true) {
    if (a.exit_when_done) {
      if (gen_done.load()) stop_watch.store(true);
      if (ingest_done.load()) stop_stream.store(true);
      if (process_done.load()) notify_drain.store(true);
    }
    if (stop.load()) {
      stop_watch.store(true);
      stop_stream.store(true);
    }
    if (Status s = poll_sinks(100); !s.ok()) fail(s.WithContext("file sinks"));
    if (process_done.load() && ingest_done.load() && gen_done.load() && notify_done.load()) break;
    auto now = std::chrono::steady_clock::now();
    if (tty && now - last_progress > std::chrono::milliseconds(250)) {
      last_progress = now;
      const IngestTotals ic = ingest.Totals();
      const ProcessorCounters& pc = (*processor)->counters();
      std::lock_guard<std::mutex> lock(out_mu);
      const std::string line = "generated " + std::to_string(generated.load()) + " | ingested " +
                               std::to_string(ic.lines) + " lines, " + std::to_string(ic.objects) +
                               " objects | processed " + std::to_string(pc.records.load()) + " | lag " +
                               std::to_string(Lag(**log)) + " | windows " + std::to_string(pc.windows_closed.load()) +
                               " | alerts " + std::to_string(pc.alerts.load());
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      std::fflush(stderr);
    }
  }
  gen_thread.join();
  ingest_thread.join();
  process_thread.join();
  if (notify_thread.joinable()) notify_thread.join();
  if (Status s = poll_sinks(0); !s.ok()) failure.Set(s);
  if (tty) std::fprintf(stderr, "\r\033[K");
  const IngestTotals ic = ingest.Totals();
  std::cerr << "run: generated " << generated.load() << " lines; ingested " << ic.objects << " objects, "
            << ic.records << " records, " << ic.dead_letters << " dead letters; data in " << data
            << " (aggregates.jsonl, alerts.jsonl, templates.jsonl)\n";
  if (notifier) PrintNotifierSummary(*notifier);
  if (*telemetry && a.exit_when_done) (*telemetry)->Linger(stop);
  return ExitCode(failure.Get());
}

}  // namespace

constexpr std::string_view kRunHelp = R"(
Run the whole pipeline in one process: generator hosts -> DIR/bucket -> inotify ->
ingest -> embedded log DIR/broker -> processor -> DIR/aggregates.jsonl,
DIR/alerts.jsonl, DIR/templates.jsonl (log templates at WARN and above per window and
host) and one line per alert on stdout. Defaults need no configuration:
3 hosts in real time with an error burst every minute, window 10s, the error-burst
rule (>= 20 ERROR lines per host in a window). Ctrl-C stops cleanly; a restart
resumes without loss or duplicates.
)";

void RegisterRun(CLI::App& app, Context& ctx) {
  auto [cmd, args] = AddCommand<RunArgs>(app, "run", kRunHelp);
  AddBrokerFlag(cmd, ctx, "DATA/broker");
  cmd->add_option("--data", args->data, "Directory for bucket/, broker/ and the .jsonl sinks")
      ->capture_default_str();
  AddConfigFlag(cmd, &args->config);
  AddExitWhenDoneFlag(cmd, &args->exit_when_done);
  AddFlags(cmd, HttpTable(), &ctx.given, RunHttpDefaults(), "Metrics and dashboard");
  AddFlags(cmd, GeneratorTable(), &ctx.given, RunGeneratorDefaults(), "Generator");
  AddFlags(cmd, GeneratorLevelsTable(), &ctx.given, RunGeneratorDefaults(), "Generator");
  cmd->callback([args, &ctx] { ctx.exit_code = RunPipeline(*args, ctx.given); });
}

}  // namespace logstream::cli
