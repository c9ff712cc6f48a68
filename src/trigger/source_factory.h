// Event sources by kind, each registered once with its own settings:
//   watch            inotify on a file:// bucket (the default there)
//   poll             list the store every poll_interval (the default for s3://)
//   webhook          S3 event notifications POSTed to `listen`
//   sqs://QUEUE_URL  S3 event notifications from an SQS queue
// The [events] table and the --events, --listen, ... flags come from these
// declarations; `ingest` opens a source with OpenEventSource.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "src/base/options.h"
#include "src/base/status.h"
#include "src/store/object_store.h"
#include "src/trigger/event_source.h"

namespace logstream {

struct EventSettings {
  std::string source;  // a kind (watch, poll, webhook) or sqs://QUEUE_URL; "": by the store
  std::string listen = "127.0.0.1:8090";
  std::string webhook_token;
  TimeMs poll_interval = 2000;
  TimeMs sqs_visibility = 300000;
};

// [events]: the settings of every registered kind.
const opt::Table<EventSettings>& EventsTable();

struct EventSourceContext {
  ObjectStore* store = nullptr;  // not owned; outlives the source
  std::string store_url;         // as given (s3://bucket/prefix names a prefix)
  bool once = false;             // --exit-when-done: finite sources end, queues end when empty
  TimeMs give_up_after_ms = 0;   // a store failing this long makes Poll fail (0: never)
  // Notices and warnings for the operator (default: stderr).
  std::function<void(std::string_view)> report;
};

// The source of settings.source (or the store's default kind).
// InvalidArgument naming the kinds when it is none of them.
Result<std::unique_ptr<EventSource>> OpenEventSource(const EventSettings& settings,
                                                     const EventSourceContext& context);

// One line of the source's own counters for the end-of-run summary ("" if
// it has none).
std::string EventSourceSummary(const EventSource& source);

}  // namespace logstream
