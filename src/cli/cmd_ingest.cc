// `logstream ingest`: object-created events from a bucket into topic `logs`.
#include <cstdlib>
#include <iostream>

#include "src/cli/commands.h"
#include "src/cli/log_config.h"
#include "src/cli/signals.h"
#include "src/ingest/ingester.h"
#include "src/log/log.h"
#include "src/store/object_store.h"
#include "src/trigger/dir_watch_source.h"
#include "src/trigger/list_poll_source.h"
#include "src/trigger/sqs_source.h"
#include "src/trigger/webhook_source.h"

namespace logstream::cli {
namespace {

struct IngestArgs {
  std::string store = "logstream-data/bucket";
  std::string broker = "logstream-data/broker";
  std::string config;
  std::string format;
  std::string multiline;
  bool exit_when_done = false;
  std::string events;  // watch | poll; default: watch for file stores, poll for s3://
  std::string poll_interval = "2s";
  std::string sqs_visibility = "5m";
  std::string s3_endpoint;
  std::string listen = "127.0.0.1:8090";
  std::string webhook_token;
  LogOptions log_options;  // from the global --namespace and -X
};

int RunIngestCommand(const IngestArgs& a) {
  IngestOptions options;
  LogOptions log_options = a.log_options;
  if (!a.config.empty()) {
    Status s = LoadIngestToml(a.config, &options);
    if (s.ok()) s = LoadLogToml(a.config, &log_options);
    if (!s.ok()) return Fail(s.message(), 2);
  }
  if (!a.format.empty()) options.format = *ParseLineFormat(a.format);
  if (!a.multiline.empty()) options.multiline = a.multiline == "auto";
  if (!a.s3_endpoint.empty()) setenv("AWS_ENDPOINT_URL_S3", a.s3_endpoint.c_str(), 1);
  const std::string events = !a.events.empty() ? a.events : a.store.starts_with("s3://") ? "poll" : "watch";
  auto interval = ParseDuration(a.poll_interval);
  if (!interval || *interval <= 0) return Fail("--poll-interval " + a.poll_interval + ": give a duration such as 2s", 2);
  auto store = OpenStore(a.store);
  if (!store) return Fail("cannot open store " + a.store + ": " + store.error().message());
  auto log = OpenLog(a.broker, log_options);
  if (!log) return Fail("cannot open broker " + a.broker + ": " + log.error().message());
  Ingester ingester(**store, **log, options);
  if (Status s = ingester.Init(); !s.ok()) return Fail(s.message());
  Result<std::unique_ptr<EventSource>> source = Err(Internal("no event source"));
  const SqsSource* sqs_source = nullptr;  // for its counters at the end
  if (events.starts_with("sqs://")) {
    auto visibility = ParseDuration(a.sqs_visibility);
    if (!visibility || *visibility < 2000 || *visibility > 12 * 3600 * 1000) {
      return Fail("--sqs-visibility " + a.sqs_visibility + ": give a duration from 2s to 12h, such as 5m", 2);
    }
    SqsSourceOptions sqs;
    sqs.visibility_s = static_cast<int>(*visibility / 1000);
    const std::string rest = events.substr(6);
    sqs.queue_url = rest.starts_with("http://") || rest.starts_with("https://") ? rest : "https://" + rest;
    sqs.bucket = (*store)->Bucket();
    if (a.store.starts_with("s3://")) {
      const size_t slash = a.store.find('/', 5);
      if (slash != std::string::npos) sqs.prefix = a.store.substr(slash + 1);
    }
    sqs.exit_when_empty = a.exit_when_done;
    sqs.on_set_aside = [](std::string_view body, std::string_view reason) {
      std::cerr << "logstream: set aside SQS message (" << reason << "): " << body.substr(0, 300) << "\n";
    };
    sqs.on_warning = [](std::string_view message) { std::cerr << "logstream: " << message << "\n"; };
    auto src = SqsSource::Open(std::move(sqs));
    if (src) {
      sqs_source = src->get();
      source = std::unique_ptr<EventSource>(std::move(*src));
    } else {
      source = Err(src.error());
    }
  } else if (events == "webhook") {
    WebhookOptions hook;
    hook.listen = a.listen;
    hook.bearer_token = !a.webhook_token.empty() ? a.webhook_token
                                                 : std::getenv("LOGSTREAM_WEBHOOK_TOKEN") ? std::getenv("LOGSTREAM_WEBHOOK_TOKEN") : "";
    hook.bucket = (*store)->Bucket();
    if (a.store.starts_with("s3://")) {
      const size_t slash = a.store.find('/', 5);
      if (slash != std::string::npos) hook.prefix = a.store.substr(slash + 1);
    }
    auto src = WebhookSource::Open(std::move(hook));
    if (src) {
      std::cerr << "logstream: listening for S3 event notifications on http://" << a.listen << "/\n";
      source = std::unique_ptr<EventSource>(std::move(*src));
    } else {
      source = Err(src.error());
    }
  } else if (events == "poll") {
    ListPollOptions poll;
    poll.once = a.exit_when_done;
    poll.interval_ms = *interval;
    source = ListPollSource::Open(store->get(), poll);
  } else {
    DirWatchOptions watch;
    watch.once = a.exit_when_done;
    source = DirWatchSource::Open(store->get(), watch);
  }
  if (!source) return Fail("cannot watch " + a.store + ": " + source.error().message());
  std::atomic<bool>& stop = InstallStopHandlers();
  Status s = RunIngest(**source, ingester, stop);
  const IngestCounters& c = ingester.counters();
  std::cout << "ingested " << c.objects << " objects (" << c.duplicates << " already ingested, "
            << c.failed << " unreadable): " << c.lines << " lines, " << c.records
            << " records, " << c.dead_letters << " dead letters\n";
  if (sqs_source != nullptr) {
    const SqsSource::Stats q = sqs_source->stats();
    std::cout << "SQS: received " << q.messages << " messages, deleted " << q.deleted << ", set aside "
              << q.set_aside << ", visibility extended " << q.extended << " times\n";
  }
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
  cmd->add_option("--store", args->store, "Bucket URL: file:///abs/path, a directory or s3://bucket/prefix")
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
  cmd->add_option("--events", args->events,
                  "Where object-created events come from:\n"
                  "  watch: inotify on a file:// bucket (the default there)\n"
                  "  poll: list the store every --poll-interval (the default for s3://)\n"
                  "  webhook: S3 event notification JSON POSTed to --listen, answered 200 once\n"
                  "    its objects are committed\n"
                  "  sqs://QUEUE_URL: S3 event notifications from SQS, e.g.\n"
                  "    sqs://http://127.0.0.1:PORT/ACCOUNT/QUEUE; a message is deleted once its\n"
                  "    objects are committed, and kept hidden (--sqs-visibility) until then")
      ->check([](const std::string& v) -> std::string {
        if (v == "watch" || v == "poll" || v == "webhook" || (v.starts_with("sqs://") && v.size() > 6)) return "";
        return "--events must be watch, poll, webhook or sqs://QUEUE_URL";
      });
  cmd->add_option("--listen", args->listen, "HOST:PORT for --events webhook")->capture_default_str();
  cmd->add_option("--webhook-token", args->webhook_token,
                  "Bearer token webhook requests must carry (default: LOGSTREAM_WEBHOOK_TOKEN, or none)");
  cmd->add_option("--poll-interval", args->poll_interval, "Time between listings with --events poll")
      ->capture_default_str();
  cmd->add_option("--sqs-visibility", args->sqs_visibility,
                  "With --events sqs://: visibility timeout of received messages, extended by as much\n"
                  "again whenever half of it is left while their objects are still being ingested")
      ->capture_default_str();
  cmd->add_option("--s3-endpoint", args->s3_endpoint,
                  "S3 endpoint for s3:// (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS); "
                  "credentials and region from the AWS environment")
      ->type_name("URL");
  cmd->add_flag("--exit-when-done", args->exit_when_done,
                "Ingest what is in the bucket now, then exit 0 (default: keep watching)");
  cmd->callback([args, &ctx] {
    args->log_options = ctx.log_options;
    ctx.exit_code = RunIngestCommand(*args);
  });
}

}  // namespace logstream::cli
