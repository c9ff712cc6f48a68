#include "src/trigger/source_factory.h"

#include <cstdio>
#include <vector>

#include "src/trigger/dir_watch_source.h"
#include "src/trigger/list_poll_source.h"
#include "src/trigger/sqs_source.h"
#include "src/trigger/webhook_source.h"

namespace logstream {

metrics::Family<metrics::Counter>& EventSourceErrors() {
  static auto& f = metrics::Default().CounterFamily(
      "logstream_events_request_errors_total",
      "requests of event sources to their servers that failed and are tried again, by source", {"source"});
  return f;
}
namespace {

using Opener = Result<std::unique_ptr<EventSource>> (*)(const EventSettings&, const EventSourceContext&);

// One kind of event source: `name` is matched exactly, or as a prefix when it
// ends in "://".
struct Kind {
  std::string_view name;
  std::string_view help;
  Opener open;
};

// The key prefix of an s3://bucket/prefix URL ("" otherwise).
std::string PrefixOf(std::string_view url) {
  if (!url.starts_with("s3://")) return {};
  const size_t slash = url.find('/', 5);
  return slash == std::string_view::npos ? std::string() : std::string(url.substr(slash + 1));
}

Result<std::unique_ptr<EventSource>> OpenWatch(const EventSettings&, const EventSourceContext& c) {
  DirWatchOptions watch;
  watch.once = c.once;
  return Upcast<EventSource>(DirWatchSource::Open(c.store, watch));
}

Result<std::unique_ptr<EventSource>> OpenPoll(const EventSettings& s, const EventSourceContext& c) {
  ListPollOptions poll;
  poll.once = c.once;
  poll.interval_ms = s.poll_interval;
  poll.give_up_after_ms = c.give_up_after_ms;
  poll.on_warning = c.report;
  return Upcast<EventSource>(ListPollSource::Open(c.store, poll));
}

Result<std::unique_ptr<EventSource>> OpenWebhook(const EventSettings& s, const EventSourceContext& c) {
  WebhookOptions hook;
  hook.listen = s.listen;
  hook.bearer_token = s.webhook_token;
  hook.bucket = c.store->Bucket();
  hook.prefix = PrefixOf(c.store_url);
  ASSIGN_OR_RETURN(auto source, WebhookSource::Open(std::move(hook)));
  c.report("listening for S3 event notifications on http://" + s.listen + "/");
  return std::unique_ptr<EventSource>(std::move(source));
}

Result<std::unique_ptr<EventSource>> OpenSqs(const EventSettings& s, const EventSourceContext& c) {
  SqsSourceOptions sqs;
  sqs.visibility_s = static_cast<int>(s.sqs_visibility / 1000);
  const std::string rest = s.source.substr(6);
  sqs.queue_url = rest.starts_with("http://") || rest.starts_with("https://") ? rest : "https://" + rest;
  sqs.bucket = c.store->Bucket();
  sqs.prefix = PrefixOf(c.store_url);
  sqs.exit_when_empty = c.once;
  auto report = c.report;
  sqs.on_set_aside = [report](std::string_view body, std::string_view reason) {
    report("set aside SQS message (" + std::string(reason) + "): " + std::string(body.substr(0, 300)));
  };
  sqs.on_warning = [report](std::string_view message) { report(message); };
  return Upcast<EventSource>(SqsSource::Open(std::move(sqs)));
}

// Every kind; adding a source adds one line here.
constexpr Kind kKinds[] = {
    {"watch", "inotify on a file:// bucket (the default there)", &OpenWatch},
    {"poll", "list the store every poll_interval (the default for s3://)", &OpenPoll},
    {"webhook", "S3 event notification JSON POSTed to `listen`, answered 200 once its objects are committed",
     &OpenWebhook},
    {"sqs://", "S3 event notifications from SQS, e.g. sqs://http://127.0.0.1:PORT/ACCOUNT/QUEUE; "
               "a message is deleted once its objects are committed, hidden (sqs_visibility) until then",
     &OpenSqs},
};

const Kind* FindKind(std::string_view source) {
  for (const Kind& k : kKinds) {
    if (k.name.ends_with("://") ? source.starts_with(k.name) && source.size() > k.name.size()
                                : source == k.name) {
      return &k;
    }
  }
  return nullptr;
}

std::string KindNames() {
  std::string names;
  for (const Kind& k : kKinds) {
    names += (names.empty() ? "" : ", ") + std::string(k.name) + (k.name.ends_with("://") ? "QUEUE_URL" : "");
  }
  return names;
}

}  // namespace

const opt::Table<EventSettings>& EventsTable() {
  using E = EventSettings;
  static const opt::Table<E> table = [] {
    opt::Table<E> t("events", "Where `ingest` learns of new objects.");
    std::string help = "where object-created events come from (default: watch for file stores, poll for s3://):";
    for (const Kind& k : kKinds) {
      help += "\n  " + std::string(k.name) + (k.name.ends_with("://") ? "QUEUE_URL" : "") + ": " +
              std::string(k.help);
    }
    t.CheckedString(
        "source", &E::source, help,
        [](const std::string& source) -> Status {
          if (source.empty() || FindKind(source) != nullptr) return Status::Ok();
          return InvalidArgument("'" + source + "' is not an event source (want " + KindNames() + ")");
        },
        {.flag = "--events"});
    t.String("listen", &E::listen, "HOST:PORT the webhook source listens on", {.flag = "--listen"});
    t.String("webhook_token", &E::webhook_token,
             "bearer token webhook requests must carry (default: none)",
             {.flag = "--webhook-token", .env = "LOGSTREAM_WEBHOOK_TOKEN", .secret = true});
    t.Duration("poll_interval", &E::poll_interval, "time between listings of the poll source", 1,
               {.flag = "--poll-interval"});
    t.Custom(
        "sqs_visibility", opt::Type::kDuration,
        "visibility timeout of received SQS messages, extended by as much again whenever half of it "
        "is left while their objects are still being ingested (2s to 12h)",
        [](E& e, const opt::Value& v) -> Status {
          auto d = ParseDuration(v.text);
          if (!d || *d < 2000 || *d > 12 * 3600 * 1000) {
            return InvalidArgument("'" + v.text + "' is not a duration from 2s to 12h, such as 5m");
          }
          e.sqs_visibility = *d;
          return Status::Ok();
        },
        [](const E& e) { return opt::Value{FormatDuration(e.sqs_visibility), {}}; },
        {.flag = "--sqs-visibility"});
    return t;
  }();
  return table;
}

Result<std::unique_ptr<EventSource>> OpenEventSource(const EventSettings& settings,
                                                     const EventSourceContext& context) {
  EventSourceContext c = context;
  if (!c.report) c.report = [](std::string_view m) { std::fprintf(stderr, "logstream: %.*s\n", int(m.size()), m.data()); };
  std::string source = settings.source;
  if (source.empty()) source = c.store_url.starts_with("s3://") ? "poll" : "watch";
  const Kind* kind = FindKind(source);
  if (kind == nullptr) {
    return Err(InvalidArgument("event source '" + source + "' is none of " + KindNames()));
  }
  EventSettings s = settings;
  s.source = source;
  return kind->open(s, c);
}

std::string EventSourceSummary(const EventSource& source) {
  if (const auto* sqs = dynamic_cast<const SqsSource*>(&source)) {
    const SqsSource::Stats q = sqs->stats();
    return "SQS: received " + std::to_string(q.messages) + " messages, deleted " +
           std::to_string(q.deleted) + ", set aside " + std::to_string(q.set_aside) +
           ", visibility extended " + std::to_string(q.extended) + " times";
  }
  return {};
}

}  // namespace logstream
