// Ingest: turns each object-created event into records on topic `logs`,
// exactly once. The records of an object (or of each chunk of a large
// object) and the object's progress entry in the ingest manifest (a state
// topic) are committed in one transaction, so a crash at any moment followed
// by a restart neither loses nor duplicates a line. One transaction carries
// several objects (records and manifest entries) when events come faster than
// transactions commit: a Kafka commit costs tens of milliseconds whatever its
// size.
//
// Lines that begin a record but do not parse, continuation lines with no
// record above them or past the multi-line bound, and objects that cannot be
// read (corrupt gzip, truncated zstd, deleted) go to topic `dead-letter` with
// a reason; they never stop the other objects.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/base/options.h"
#include "src/base/status.h"
#include "src/format/format_config.h"
#include "src/log/log.h"
#include "src/record/log_record.h"
#include "src/store/object_store.h"
#include "src/trigger/event_source.h"

namespace logstream {

class FormatSet;
class Prefetcher;

struct IngestOptions {
  std::string logs_topic = "logs";
  std::string dead_letter_topic = "dead-letter";
  std::string manifest_topic = "ingest-manifest";
  int partitions = 4;                     // of `logs`, when it is created
  std::string transactional_id = "ingest";
  // Kafka: the broker aborts a dead writer's open transaction after this
  // long (0: the log's default); a fleet writer's successor waits for it.
  TimeMs transaction_timeout_ms = 0;
  LineFormat format = LineFormat::kAuto;  // each line's own shape decides
  size_t max_line_bytes = 64 * 1024;
  // Dead letters written per object at most; the lines beyond are counted by
  // reason in one summary dead letter, so one bad object cannot flood the
  // topic (or memory).
  size_t max_dead_letters = 1000;
  bool multiline = true;                  // multiline = "auto"; false = "off"
  size_t multiline_max_lines = 500;       // lines per record, first included
  size_t multiline_max_bytes = 1 << 20;   // bytes per record
  std::string default_source = "unknown"; // for keys without HOST/YYYY-MM-DD/
  // Commit a large object at least every chunk_records records or
  // chunk_bytes JSON bytes; 0: the log's Log::PreferredTransactionSize.
  size_t chunk_records = 0;
  size_t chunk_bytes = 0;
  TimeMs commit_interval_ms = 200;        // RunIngest: ... or when a transaction is this old
  bool reingest_changed = false;          // same key, new etag: ingest again
  // RunIngest reads this many objects ahead of the one it parses (their
  // HEAD and first bytes), holding at most prefetch_bytes of them.
  size_t prefetch_objects = 4;
  size_t prefetch_bytes = 64 << 20;
  // IngestPool: threads, each the only writer of its share of the hosts;
  // 0: one per core. Kafka logs use one (Log::ThreadedWriters).
  size_t threads = 0;
  // [[formats]]: objects whose key matches one are parsed by it (the first
  // that matches); the others by `format` above.
  std::vector<FormatConfig> formats;
};

// The declarations of the [ingest] table.
const opt::Table<IngestOptions>& IngestTable();

// The host an object belongs to: the key component before the first
// component that is a YYYY-MM-DD date; `fallback` when there is none.
std::string SourceFromKey(std::string_view key, std::string_view fallback);

// Puts the events of each source (SourceFromKey) in key order, in the
// positions that source's events had (other sources' events stay where they
// are). One S3 event notification (a webhook request, a Lambda invocation)
// or one SQS receive may list a host's objects in any order; ingested as
// listed, an object ingested after a later one of its host has its records
// late.
void OrderEachSourceByKey(std::vector<ObjectEvent>* events);

struct IngestCounters {
  std::atomic<uint64_t> objects{0};     // objects fully ingested
  std::atomic<uint64_t> duplicates{0};  // events for objects already ingested
  std::atomic<uint64_t> failed{0};      // objects that could not be read
  std::atomic<uint64_t> lines{0};       // lines read
  std::atomic<uint64_t> records{0};     // records appended to `logs`
  std::atomic<uint64_t> dead_letters{0};
  std::atomic<uint64_t> bytes{0};       // decompressed bytes read
};

// IngestCounters added up (of several ingesters, or over time).
struct IngestTotals {
  uint64_t objects = 0, duplicates = 0, failed = 0, lines = 0, records = 0, dead_letters = 0, bytes = 0;
  IngestTotals& operator+=(const IngestCounters& c) {
    objects += c.objects;
    duplicates += c.duplicates;
    failed += c.failed;
    lines += c.lines;
    records += c.records;
    dead_letters += c.dead_letters;
    bytes += c.bytes;
    return *this;
  }
};

enum class IngestOutcome { kIngested, kDuplicate, kChanged, kFailed };

// Thread-compatible: one thread calls Add/Flush/IngestObject at a time. The
// store and the log must outlive the Ingester. Counters count committed work.
class Ingester {
 public:
  Ingester(ObjectStore& store, Log& log, IngestOptions options);
  ~Ingester();  // aborts an open transaction

  // Creates the topics if missing.
  Status Init();

  // Ingests the event's object exactly once into the open transaction (begun
  // when needed), resuming after the last chunk committed earlier. The
  // transaction commits by itself at a record boundary once it holds
  // chunk_records records or chunk_bytes bytes (objects added before are
  // then committed, see TakeCommitted), otherwise at Flush. Returns an error
  // only when the log or the store failed; this event must be added again.
  // If the error left part of the object in the open transaction, the
  // transaction is aborted and the events added to it since the last commit
  // must be added again too (TakeUncommitted); otherwise it stays open.
  // Unreadable objects are reported in dead-letter and return kFailed.
  Result<IngestOutcome> Add(const ObjectEvent& event);
  // Commits the open transaction, if any. On error it is aborted (see Add).
  Status Flush();
  // The events in the open transaction.
  size_t uncommitted() const;
  // True when a transaction is open and older than commit_interval_ms.
  bool FlushDue() const;
  // The events whose objects were committed since the last call (to Ack).
  std::vector<ObjectEvent> TakeCommitted();
  // The events of transactions aborted since the last call, to add again.
  std::vector<ObjectEvent> TakeUncommitted();

  // Starts reading ahead (see IngestOptions::prefetch_*) the objects of the
  // first prefetch_objects events of `next`, the events to be added after
  // the current one; DropPrefetched forgets what was read and not added.
  template <class Events>
  void PrefetchNext(const Events& next) {
    size_t n = 0;
    for (const ObjectEvent& event : next) {
      if (n++ == options_.prefetch_objects) break;
      Prefetch(event);
    }
  }
  void DropPrefetched();

  // Called with every transaction just before it commits, also one that
  // only the hook writes to (the fleet writer adds its consumed offsets).
  void SetBeforeCommit(std::function<Status(Transaction&)> hook);

  // Add and Flush: the object alone in its transaction(s) (Lambda).
  Result<IngestOutcome> IngestObject(const ObjectEvent& event);

  const IngestCounters& counters() const { return counters_; }
  const IngestOptions& options() const { return options_; }

  struct Batch;  // the open transaction (ingester.cc)

 private:
  // Starts reading the event's object ahead, unless the manifest has it.
  void Prefetch(const ObjectEvent& event);
  Result<IngestOutcome> AddTo(const ObjectEvent& event);
  std::string ManifestKey(const ObjectEvent& event) const;  // BUCKET/KEY
  void Abort();  // the open transaction, its events to aborted_

  ObjectStore& store_;
  Log& log_;
  IngestOptions options_;
  IngestCounters counters_;
  std::unique_ptr<FormatSet> formats_;  // null when a format did not compile:
  Status formats_error_;                // Init says why
  std::unique_ptr<Batch> batch_;
  std::unique_ptr<Prefetcher> prefetch_;
  std::vector<ObjectEvent> committed_;
  std::vector<ObjectEvent> aborted_;
};

// Polls `source` and ingests its events until the source is Done() (a
// one-time scan) or *stop becomes true. Events that arrive together share a
// transaction, committed when no event is waiting or a bound of the Ingester
// is reached; each event is acknowledged only after its object is
// committed. Log errors are retried with backoff; when ingest gives up
// (another error, or *stop while retrying), what is complete is committed and
// the events not acknowledged are Abandon()ed instead.
// With give_up_after_ms > 0 (`--exit-when-done`), errors retried that long
// without a commit in between end it with the error instead.
// With `queued`, the events polled and not yet ingested plus the source's
// backlog are stored there as they change (for a progress line).
Status RunIngest(EventSource& source, Ingester& ingester, const std::atomic<bool>& stop,
                 TimeMs give_up_after_ms = 0, std::atomic<uint64_t>* queued = nullptr);

}  // namespace logstream
