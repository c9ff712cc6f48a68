#include "src/ingest/ingester.h"
#include "src/ingest/prefetch.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include <simdjson.h>

#include "src/base/backoff.h"
#include "src/format/line_parser.h"
#include "src/ingest/dead_letter.h"
#include "src/ingest/line_reader.h"
#include "src/metrics/feed.h"
#include "src/metrics/health.h"
#include "src/metrics/metrics.h"
#include "src/record/json.h"
#include "src/record/parser.h"

namespace logstream {
namespace {

// Progress of one object in the ingest manifest (a state topic entry).
struct Manifest {
  std::string etag;
  uint64_t offset = 0;  // decompressed offset where the next chunk starts
  uint64_t lines = 0;
  uint64_t records = 0;
  uint64_t dead = 0;
  bool done = false;
  // The next chunk starts among continuation lines past the multi-line
  // bound (they are dead letters of that kind, not orphans).
  bool past_bound = false;
  std::string failed;         // why the object could not be read, if it could not
  std::string changed_etag;   // a later etag already reported as a change
  // Dead letters past IngestOptions::max_dead_letters, by reason (bounded).
  std::map<std::string, uint64_t> suppressed;
};

constexpr std::string_view kNotFoundReason =
    "object not found: the event came before the object or the object was deleted; it is "
    "ingested when an event or a listing finds it";

// At most this many reasons are told apart in a summary; the rest are "other".
constexpr size_t kMaxSuppressedReasons = 16;

// `writer`: the transactional id that wrote the entry (who ingested the
// object, for operators; not read back).
std::string EncodeManifest(const Manifest& m, std::string_view writer) {
  std::string s = "{\"etag\":";
  AppendJsonString(m.etag, &s);
  s += ",\"offset\":" + std::to_string(m.offset) + ",\"lines\":" + std::to_string(m.lines) +
       ",\"records\":" + std::to_string(m.records) + ",\"dead\":" + std::to_string(m.dead) +
       ",\"done\":" + (m.done ? "true" : "false");
  if (m.past_bound) s += ",\"past_bound\":true";
  if (!m.failed.empty()) {
    s += ",\"failed\":";
    AppendJsonString(m.failed, &s);
  }
  if (!m.changed_etag.empty()) {
    s += ",\"changed_etag\":";
    AppendJsonString(m.changed_etag, &s);
  }
  if (!m.suppressed.empty()) {
    s += ",\"suppressed\":{";
    bool first = true;
    for (const auto& [reason, n] : m.suppressed) {
      if (!first) s += ",";
      first = false;
      AppendJsonString(reason, &s);
      s += ":" + std::to_string(n);
    }
    s += "}";
  }
  s += ",\"writer\":";
  AppendJsonString(writer, &s);
  s += "}";
  return s;
}

Result<Manifest> DecodeManifest(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) {
    return Err(DataLoss("ingest manifest entry is not JSON: " + std::string(json)));
  }
  Manifest m;
  std::string_view sv;
  if (!doc["etag"].get(sv)) m.etag = sv;
  uint64_t n;
  if (!doc["offset"].get(n)) m.offset = n;
  if (!doc["lines"].get(n)) m.lines = n;
  if (!doc["records"].get(n)) m.records = n;
  if (!doc["dead"].get(n)) m.dead = n;
  bool b;
  if (!doc["done"].get(b)) m.done = b;
  if (!doc["past_bound"].get(b)) m.past_bound = b;
  if (!doc["failed"].get(sv)) m.failed = sv;
  if (!doc["changed_etag"].get(sv)) m.changed_etag = sv;
  simdjson::dom::object suppressed;
  if (!doc["suppressed"].get(suppressed)) {
    for (auto [reason, count] : suppressed) {
      if (!count.get(n)) m.suppressed[std::string(reason)] = n;
    }
  }
  return m;
}



bool IsDateComponent(std::string_view c) { return c.size() == 10 && ParseDate(c).has_value(); }


// Counts of the open transaction, added to IngestCounters and the metrics
// when it commits.
struct Totals {
  uint64_t objects = 0, duplicates = 0, failed = 0, lines = 0, records = 0, dead_letters = 0, bytes = 0;
  uint64_t object_bytes = 0;  // as stored (compressed)
  uint64_t dead_by_kind[kDeadKinds] = {};
};


}  // namespace

// The open transaction: records of one or more objects and the manifest
// entries written at commit.
struct Ingester::Batch {
  Batch(Log& l, const IngestOptions& opts, IngestCounters& c, std::vector<ObjectEvent>* done)
      : log(l), o(opts), counters(c), committed(done) {}

  Log& log;
  const IngestOptions& o;
  IngestCounters& counters;
  std::unique_ptr<Transaction> txn;
  std::map<std::string, Manifest> manifests;  // by manifest key, Put at commit
  size_t records = 0;                         // records and dead letters appended
  size_t bytes = 0;                           // their JSON bytes
  uint64_t writes = 0;                        // Appends and commits so far
  TimeMs begun = 0;
  Totals totals;
  std::vector<ObjectEvent> events;  // objects fully added since the last commit
  std::vector<ObjectEvent>* committed;
  std::function<Status(Transaction&)> before_commit;  // SetBeforeCommit

  Status Begin() {
    if (!txn) {
      ASSIGN_OR_RETURN(txn, log.Begin(o.transactional_id, TransactionOptions{.timeout = o.transaction_timeout_ms}));
      begun = NowMs();
    }
    return Status::Ok();
  }

  Status Append(std::string_view topic, std::string_view key, std::string_view value) {
    RETURN_IF_ERROR(Begin());
    ++writes;
    RETURN_IF_ERROR(txn->Append(topic, key, value));
    ++records;
    bytes += value.size();
    return Status::Ok();
  }

  bool Full() const { return records >= o.chunk_records || bytes >= o.chunk_bytes; }

  Status Commit() {
    ++writes;
    if (!manifests.empty() || before_commit) RETURN_IF_ERROR(Begin());
    if (txn) {
      if (before_commit) RETURN_IF_ERROR(before_commit(*txn));
      for (const auto& [key, m] : manifests) RETURN_IF_ERROR(txn->Put(o.manifest_topic, key, EncodeManifest(m, o.transactional_id)));
      metrics::Timer timer(IngestMetrics::Get().commit_seconds);
      Status s = txn->Commit();
      txn.reset();
      RETURN_IF_ERROR(s);
    }
    PublishMetrics();
    manifests.clear();
    records = bytes = 0;
    counters.objects.fetch_add(totals.objects, std::memory_order_relaxed);
    counters.duplicates.fetch_add(totals.duplicates, std::memory_order_relaxed);
    counters.failed.fetch_add(totals.failed, std::memory_order_relaxed);
    counters.lines.fetch_add(totals.lines, std::memory_order_relaxed);
    counters.records.fetch_add(totals.records, std::memory_order_relaxed);
    counters.dead_letters.fetch_add(totals.dead_letters, std::memory_order_relaxed);
    counters.bytes.fetch_add(totals.bytes, std::memory_order_relaxed);
    totals = {};
    committed->insert(committed->end(), std::make_move_iterator(events.begin()),
                      std::make_move_iterator(events.end()));
    events.clear();
    return Status::Ok();
  }

  void PublishMetrics() {
    IngestMetrics& m = IngestMetrics::Get();
    m.commits.Add();
    m.objects.Add(totals.objects);
    m.duplicates.Add(totals.duplicates);
    m.failed.Add(totals.failed);
    m.lines.Add(totals.lines);
    m.records.Add(totals.records);
    m.bytes.Add(totals.bytes);
    m.object_bytes.Add(totals.object_bytes);
    for (size_t k = 0; k < kDeadKinds; ++k) {
      if (totals.dead_by_kind[k]) m.dead.With({kDeadKindNames[k]}).Add(totals.dead_by_kind[k]);
    }
    const TimeMs now = NowMs();
    for (const ObjectEvent& e : events) {
      if (e.event_time > 0) m.object_latency.Observe(static_cast<double>(std::max<TimeMs>(0, now - e.event_time)) / 1e3);
    }
  }

  // Drops the open transaction after an error (the caller takes `events`).
  void Abort() {
    txn.reset();  // aborts
    manifests.clear();
    records = bytes = 0;
    totals = {};
  }
};

namespace {

// One object's ingest: line assembly, parsing and chunked commits into the
// ingester's open transaction.
class ObjectIngest {
 public:
  // `parser` reads this object's lines (StartObject is called here);
  // `mtime` is the object's last-modified time (0: unknown).
  ObjectIngest(Ingester::Batch& batch, LineParser& parser, std::string key, std::string manifest_key, Manifest m,
               TimeMs mtime)
      : batch_(batch),
        o_(batch.o),
        totals_(batch.totals),
        parser_(parser),
        key_(std::move(key)),
        manifest_key_(std::move(manifest_key)),
        m_(std::move(m)),
        source_(SourceFromKey(key_, o_.default_source)),
        json_prefix_(RecordJsonPrefix(source_, key_)),
        builtin_(parser.config().name.empty()) {
    past_bound_ = m_.past_bound;  // resuming inside such lines
    ObjectContext context;
    context.key = key_;
    context.key_date = ClassicDateFromKey(key_);
    context.reference = context.key_date >= 0 ? context.key_date : (mtime > 0 ? mtime : -1);
    context.source_from_key = !SourceFromKey(key_, "").empty();
    parser_.StartObject(context);
  }

  // Feeds one line.
  Status OnLine(Line line) {
    // A UTF-8 byte order mark starts some files: it is not part of the line.
    if (line.offset == 0 && line.text.starts_with("\xEF\xBB\xBF")) line.text.remove_prefix(3);
    ++m_.lines;
    ++totals_.lines;
    totals_.bytes += line.length + 1;
    if (line.too_long) {
      RETURN_IF_ERROR(FlushPending());
      return DeadLetter(kDeadLineTooLong, line.offset, "line of " + std::to_string(line.length) +
                                         " bytes is longer than the maximum " +
                                         std::to_string(o_.max_line_bytes) + " (head kept)",
                        line.text);
    }
    LogLine parsed;
    bool starts = false;
    Status st = parser_.Parse(line.text, &parsed, &starts);
    const bool multiline = parser_.multiline();
    if (st.ok() || starts || !multiline) {
      // A record starts (or fails to: a dead letter once its continuation
      // lines, if any, are joined to it).
      past_bound_ = false;
      RETURN_IF_ERROR(FlushPending());
      RETURN_IF_ERROR(MaybeCommit(line.offset));
      pending_offset_ = line.offset;
      pending_lines_ = 1;
      pending_bytes_ = line.text.size();
      has_pending_ = true;
      if (st.ok()) {
        pending_error_.clear();
        Keep(parsed, line.text);
      } else {
        pending_error_ = st.message();
        pending_raw_.assign(line.text);
      }
      if (!multiline) return FlushPending();
      return Status::Ok();
    }
    if (!has_pending_) {
      std::string_view reason = past_bound_ ? kPastBound : builtin_ ? kNoRecordAbove : std::string_view(st.message());
      const DeadKind kind = past_bound_ ? kDeadMultilineBound : builtin_ ? kDeadNoRecordAbove : kDeadUnparsable;
      RETURN_IF_ERROR(DeadLetter(kind, line.offset, reason, line.text));
      // Nothing is pending: a chunk may end after this line.
      return MaybeCommit(line.end);
    }
    if (pending_lines_ >= o_.multiline_max_lines ||
        pending_bytes_ + 1 + line.text.size() > o_.multiline_max_bytes) {
      // The record ends at its bound; the lines that follow until the next
      // record are dead letters (and chunks may end between them).
      RETURN_IF_ERROR(FlushPending());
      past_bound_ = true;
      RETURN_IF_ERROR(DeadLetter(kDeadMultilineBound, line.offset, kPastBound, line.text));
      return MaybeCommit(line.end);
    }
    // A continuation line: part of the message (and of the raw text).
    std::string_view text = line.text;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (pending_error_.empty() && !message_.in_raw) {
      record_.message.push_back('\n');
      record_.message.append(text);
    } else if (pending_error_.empty()) {  // the message ends the line: it runs on
      pending_raw_.push_back('\n');
      pending_raw_.append(text);
    } else {
      pending_raw_.push_back('\n');
      pending_raw_.append(line.text);
    }
    pending_bytes_ += 1 + line.text.size();
    ++pending_lines_;
    return Status::Ok();
  }

  // Ends the object: flushes, and its manifest entry (done = true) joins the
  // transaction.
  Status Finish(uint64_t end_offset, std::string failed_reason) {
    RETURN_IF_ERROR(FlushPending());
    if (!failed_reason.empty()) {
      RETURN_IF_ERROR(WriteDeadLetter(kDeadObjectUnreadable, end_offset, failed_reason, {}));
      m_.failed = failed_reason;
    }
    if (!m_.suppressed.empty()) {
      uint64_t total = 0;
      std::string reasons;
      for (const auto& [reason, n] : m_.suppressed) {
        total += n;
        reasons += (reasons.empty() ? "" : "; ") + reason + " x" + std::to_string(n);
      }
      RETURN_IF_ERROR(WriteDeadLetter(
          kDeadSummary, end_offset,
          std::to_string(total) + " more dead letters of this object were not written (at most " +
              std::to_string(o_.max_dead_letters) + " per object, [ingest] max_dead_letters): " + reasons,
          {}));
      m_.suppressed.clear();
    }
    m_.offset = end_offset;
    m_.done = true;
    m_.past_bound = false;
    batch_.manifests[manifest_key_] = m_;
    return Status::Ok();
  }

 private:
  // Where a kept value is: in pending_raw_ (a copy of the line) at
  // [at, at + size), or in a string of record_.
  struct Kept {
    bool in_raw = false;
    size_t at = 0, size = 0;
  };

  // Keeps a parsed record: the parser's views end with its next line. The
  // line is copied once; values that are not in it (unescaped JSON
  // strings, ...) are copied apart.
  void Keep(const LogLine& l, std::string_view text) {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    pending_raw_.assign(text);
    auto keep = [&](std::string_view v, std::string* copy, Kept* k) {
      k->size = v.size();
      k->in_raw = v.empty() || (v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size());
      if (k->in_raw) {
        k->at = v.empty() ? 0 : static_cast<size_t>(v.data() - text.data());
      } else {
        copy->assign(v);
      }
    };
    record_.time = l.time;
    record_.level = l.level;
    keep(l.thread, &record_.thread, &thread_);
    keep(l.logger, &record_.logger, &logger_);
    keep(l.source, &record_.source, &source_kept_);
    keep(l.message, &record_.message, &message_);
    // Continuation lines are appended to the message: in place when it ends
    // the line, else to its copy.
    if (message_.in_raw && message_.at + message_.size != text.size()) {
      record_.message.assign(l.message);
      message_.in_raw = false;
    }
    record_.fields.resize(l.fields.size());
    for (size_t i = 0; i < l.fields.size(); ++i) {
      const FieldView f = l.fields[i];
      record_.fields[i].first.assign(f.key);
      record_.fields[i].second.assign(f.value);
    }
  }

  std::string_view View(const Kept& k, const std::string& copy) const {
    return k.in_raw ? std::string_view(pending_raw_).substr(k.at, k.size) : std::string_view(copy);
  }

  Status FlushPending() {
    if (!has_pending_) return Status::Ok();
    has_pending_ = false;
    if (!pending_error_.empty()) return DeadLetter(kDeadUnparsable, pending_offset_, pending_error_, pending_raw_);
    // The message runs to the end of the record: it carries the
    // continuation lines.
    std::string_view message = message_.in_raw ? std::string_view(pending_raw_).substr(message_.at)
                                               : std::string_view(record_.message);
    LogLine line{record_.time,
                 record_.level,
                 View(thread_, record_.thread),
                 View(logger_, record_.logger),
                 message,
                 record_.fields,
                 {}};
    json_.clear();
    std::string_view source = source_;
    const std::string_view line_source = View(source_kept_, record_.source);
    if (line_source.empty()) {
      AppendRecordJsonWithPrefix(json_prefix_, pending_offset_, line, &json_);
    } else {  // the line named its host (syslog) and the key does not
      source = line_source;
      AppendRecordJsonWithPrefix(RecordJsonPrefix(source, key_), pending_offset_, line, &json_);
    }
    RETURN_IF_ERROR(batch_.Append(o_.logs_topic, source, json_));
    ++m_.records;
    ++totals_.records;
    return Status::Ok();
  }

  // A dead letter, or past the per-object cap only its count by reason.
  Status DeadLetter(DeadKind kind, uint64_t offset, std::string_view reason, std::string_view raw) {
    if (m_.dead >= o_.max_dead_letters) {
      ++totals_.dead_letters;  // counted, not written
      ++totals_.dead_by_kind[kind];
      std::string key(reason.substr(0, 120));
      if (m_.suppressed.size() >= kMaxSuppressedReasons && !m_.suppressed.contains(key)) key = "other";
      ++m_.suppressed[key];
      return Status::Ok();
    }
    return WriteDeadLetter(kind, offset, reason, raw);
  }

  Status WriteDeadLetter(DeadKind kind, uint64_t offset, std::string_view reason, std::string_view raw) {
    RETURN_IF_ERROR(
        batch_.Append(o_.dead_letter_topic, source_, DeadLetterJson(source_, key_, offset, reason, raw)));
    ++m_.dead;
    ++totals_.dead_letters;
    ++totals_.dead_by_kind[kind];
    metrics::DeadLettersFeed().Push(FeedEntry(kind, source_, key_, offset, reason, raw));
    return Status::Ok();
  }

  // Commits the transaction if it is big enough; this object's next chunk
  // starts at `next_offset`, the first line of a record, so no record is split.
  Status MaybeCommit(uint64_t next_offset) {
    if (!batch_.Full()) return Status::Ok();
    m_.offset = next_offset;
    m_.past_bound = past_bound_;
    batch_.manifests[manifest_key_] = m_;
    return batch_.Commit();
  }

  Ingester::Batch& batch_;
  const IngestOptions& o_;
  Totals& totals_;
  LineParser& parser_;
  std::string key_;
  std::string manifest_key_;
  Manifest m_;
  std::string source_;
  std::string json_prefix_;  // the JSON all records of this object start with
  bool builtin_;             // the built-in format: the reasons it always gave
  LogRecord record_;         // the pending record, when it parsed
  Kept thread_, logger_, source_kept_, message_;  // its values
  std::string pending_error_;  // why it did not, else empty
  std::string pending_raw_;    // its lines, when it did not
  uint64_t pending_offset_ = 0;
  size_t pending_lines_ = 0;
  size_t pending_bytes_ = 0;
  bool has_pending_ = false;
  bool past_bound_ = false;  // since the last record reached the multi-line bound
  std::string json_;

  static constexpr std::string_view kNoRecordAbove = "continuation line with no record above it";
  static constexpr std::string_view kPastBound =
      "continuation line beyond the multi-line bound ([ingest] multiline_max_lines, "
      "multiline_max_bytes)";
};

}  // namespace

std::string SourceFromKey(std::string_view key, std::string_view fallback) {
  std::string_view prev;
  size_t pos = 0;
  while (pos <= key.size()) {
    size_t slash = key.find('/', pos);
    std::string_view comp = key.substr(pos, slash == std::string_view::npos ? key.npos : slash - pos);
    if (slash == std::string_view::npos) break;  // the file name is never the date
    if (IsDateComponent(comp) && !prev.empty()) return std::string(prev);
    prev = comp;
    pos = slash + 1;
  }
  return std::string(fallback);
}

Ingester::Ingester(ObjectStore& store, Log& log, IngestOptions options)
    : store_(store), log_(log), options_(std::move(options)) {
  const TransactionSize preferred = log_.PreferredTransactionSize();
  if (options_.chunk_records == 0) options_.chunk_records = preferred.records;
  if (options_.chunk_bytes == 0) options_.chunk_bytes = preferred.bytes;
  batch_ = std::make_unique<Batch>(log_, options_, counters_, &committed_);
  prefetch_ = std::make_unique<Prefetcher>(store_, PrefetchOptions{options_.prefetch_objects, options_.prefetch_bytes});
  FormatConfig fallback;
  fallback.kind = options_.format == LineFormat::kIso       ? FormatKind::kIso
                  : options_.format == LineFormat::kClassic ? FormatKind::kClassic
                                                            : FormatKind::kAuto;
  fallback.multiline = options_.multiline ? Multiline::kAuto : Multiline::kOff;
  fallback.max_line_bytes = options_.max_line_bytes;
  std::vector<FormatConfig> formats = options_.formats;
  for (FormatConfig& f : formats) f.max_line_bytes = options_.max_line_bytes;
  auto set = FormatSet::Make(formats, fallback);
  if (set) {
    formats_ = std::make_unique<FormatSet>(std::move(*set));
  } else {
    formats_error_ = set.error();
  }
}

Ingester::~Ingester() = default;

Status Ingester::Init() {
  if (!formats_) return formats_error_;
  TopicOptions logs;
  logs.partitions = options_.partitions;
  RETURN_IF_ERROR(log_.EnsureTopic(options_.logs_topic, logs));
  RETURN_IF_ERROR(log_.EnsureTopic(options_.dead_letter_topic, TopicOptions{}));
  TopicOptions manifest;
  manifest.compacted = true;
  RETURN_IF_ERROR(log_.EnsureTopic(options_.manifest_topic, manifest));
  metrics::DefaultHealth().MarkReady("broker");
  return Status::Ok();
}

Result<IngestOutcome> Ingester::Add(const ObjectEvent& event) {
  const uint64_t writes = batch_->writes;
  const auto start = std::chrono::steady_clock::now();
  auto r = AddTo(event);
  if (r && *r == IngestOutcome::kIngested) {
    IngestMetrics::Get().object_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!r) {
    if (batch_->writes != writes) Abort();  // part of this object is in it
    return r;
  }
  batch_->events.push_back(event);
  return r;
}

Status Ingester::Flush() {
  Status s = batch_->Commit();
  if (!s.ok()) Abort();
  return s;
}

void Ingester::Abort() {
  aborted_.insert(aborted_.end(), std::make_move_iterator(batch_->events.begin()),
                  std::make_move_iterator(batch_->events.end()));
  batch_->events.clear();
  batch_->Abort();
}

size_t Ingester::uncommitted() const { return batch_->events.size(); }

bool Ingester::FlushDue() const {
  return batch_->txn && NowMs() - batch_->begun >= options_.commit_interval_ms;
}

void Ingester::SetBeforeCommit(std::function<Status(Transaction&)> hook) { batch_->before_commit = std::move(hook); }

std::vector<ObjectEvent> Ingester::TakeCommitted() { return std::exchange(committed_, {}); }

std::vector<ObjectEvent> Ingester::TakeUncommitted() { return std::exchange(aborted_, {}); }

Result<IngestOutcome> Ingester::IngestObject(const ObjectEvent& event) {
  auto outcome = Add(event);
  Status flushed = outcome ? Flush() : Status::Ok();
  committed_.clear();  // the caller has the outcome; nothing to acknowledge here
  aborted_.clear();
  if (!flushed.ok()) return Err(flushed);
  return outcome;
}

std::string Ingester::ManifestKey(const ObjectEvent& event) const {
  return (event.bucket.empty() ? store_.Bucket() : event.bucket) + "/" + event.key;
}

void Ingester::Prefetch(const ObjectEvent& event) {
  // Objects ingested before are not read again (a listing repeats them all).
  const std::string manifest_key = ManifestKey(event);
  if (batch_->manifests.contains(manifest_key) || !batch_->Begin().ok()) return;
  auto entry = log_.GetOwnState(options_.manifest_topic, manifest_key);
  if (!entry) return;
  if (*entry) {
    auto m = DecodeManifest(**entry);
    if (!m || m->done || m->offset > 0) return;  // done, or to be resumed with a ranged read
  }
  prefetch_->Want(event.key);
}

void Ingester::DropPrefetched() { prefetch_->Clear(); }

Result<IngestOutcome> Ingester::AddTo(const ObjectEvent& event) {
  Batch& batch = *batch_;
  std::optional<Prefetcher::Object> read_ahead = prefetch_->Take(event.key);
  const std::string manifest_key = ManifestKey(event);
  // The open transaction's own entry first (the same object twice in it).
  std::optional<std::string> entry;
  Manifest m;
  if (auto it = batch.manifests.find(manifest_key); it != batch.manifests.end()) {
    m = it->second;
    entry.emplace();
  } else {
    // Only transactions of our id write the manifest: with one begun (which
    // fences an older writer of the id), the log answers from what it read
    // and what we committed, without asking the broker per object.
    RETURN_IF_ERROR(batch.Begin());
    ASSIGN_OR_RETURN(entry, log_.GetOwnState(options_.manifest_topic, manifest_key));
    if (entry) {
      ASSIGN_OR_RETURN(m, DecodeManifest(*entry));
    }
  }
  auto report_failure = [&](const std::string& reason) -> Result<IngestOutcome> {
    ObjectIngest one(batch, formats_->For(event.key), event.key, manifest_key, m, 0);
    RETURN_IF_ERROR(one.Finish(m.offset, reason));
    ++batch.totals.failed;
    return IngestOutcome::kFailed;
  };
  // An object that is not there (an event ahead of its object, or a key
  // nobody wrote) leaves no manifest entry: a later event or listing of it
  // ingests it when it exists. Only a dead letter says what happened.
  const std::string source = SourceFromKey(event.key, options_.default_source);
  // A dead letter about the whole object (offset 0, no raw line).
  auto object_dead_letter = [&](DeadKind kind, std::string_view reason) -> Status {
    RETURN_IF_ERROR(batch.Append(options_.dead_letter_topic, source,
                                 DeadLetterJson(source, event.key, 0, reason, {})));
    ++batch.totals.dead_letters;
    ++batch.totals.dead_by_kind[kind];
    metrics::DeadLettersFeed().Push(FeedEntry(kind, source, event.key, 0, reason, {}));
    return Status::Ok();
  };
  auto report_missing = [&](std::string_view reason) -> Result<IngestOutcome> {
    RETURN_IF_ERROR(object_dead_letter(kDeadObjectMissing, reason));
    ++batch.totals.failed;
    return IngestOutcome::kFailed;
  };
  auto duplicate = [&] {
    ++batch.totals.duplicates;
    return IngestOutcome::kDuplicate;
  };
  // An entry without an etag never saw the object (written by releases that
  // recorded missing objects): it does not count as an ingest.
  if (entry && m.etag.empty() && m.lines == 0) {
    entry.reset();
    m = Manifest{};
  }

  auto info = read_ahead ? std::move(read_ahead->info) : store_.Head(event.key);
  if (!info) {
    if (info.error().code() == StatusCode::kUnavailable) return Err(info.error());
    if (m.done) return duplicate();  // deleted after it was ingested: nothing to do
    if (!entry && info.error().code() == StatusCode::kFailedPrecondition) {
      return report_missing(info.error().message());
    }
    if (info.error().code() == StatusCode::kNotFound) {
      if (!entry) return report_missing(kNotFoundReason);
      return report_failure("object deleted before it was read");
    }
    return report_failure("cannot read object: " + info.error().message());
  }
  if (entry && m.etag == info->etag && m.done) return duplicate();
  if (entry && m.etag != info->etag) {
    if (!options_.reingest_changed) {
      if (m.changed_etag == info->etag) return duplicate();
      RETURN_IF_ERROR(object_dead_letter(kDeadObjectChanged, "object changed after ingest (etag " + m.etag + ", now " +
                                         info->etag +
                                         "); not re-ingested (set reingest_changed = true in [ingest] "
                                         "to allow)"));
      m.changed_etag = info->etag;
      batch.manifests[manifest_key] = m;
      return IngestOutcome::kChanged;
    }
    m = Manifest{};
  }
  m.etag = info->etag;
  uint64_t resume = m.offset;

  std::optional<std::unique_ptr<ObjectReader>> ahead;
  if (read_ahead && resume == 0) ahead = Prefetcher::Reader(store_, event.key, *read_ahead);
  auto raw = ahead ? Result<std::unique_ptr<ObjectReader>>(std::move(*ahead)) : store_.Get(event.key);
  if (!raw) {
    if (raw.error().code() == StatusCode::kUnavailable) return Err(raw.error());
    if (raw.error().code() == StatusCode::kNotFound && !entry) return report_missing(kNotFoundReason);
    return report_failure(raw.error().code() == StatusCode::kNotFound
                              ? "object deleted before it was read"
                              : "cannot read object: " + raw.error().message());
  }
  auto decoded = OpenDecoded(std::move(*raw));
  if (!decoded) return report_failure("cannot read object: " + decoded.error().message());
  std::unique_ptr<ObjectReader> reader = std::move(decoded->reader);
  uint64_t base = 0;
  if (resume > 0 && decoded->compression == codec::Compression::kNone) {
    // Plain objects resume with a ranged read instead of re-reading.
    auto ranged = store_.Get(event.key, resume);
    if (!ranged) return report_failure("cannot read object: " + ranged.error().message());
    reader = std::move(*ranged);
    base = resume;
  }
  LineReader lines(std::move(reader), options_.max_line_bytes, base);
  if (base < resume) {
    Status s = lines.Skip(resume - base);
    if (!s.ok()) return report_failure("cannot resume object: " + s.message());
  }

  ObjectIngest one(batch, formats_->For(event.key), event.key, manifest_key, m, info->mtime);
  uint64_t end_offset = resume;
  std::string failure;
  while (true) {
    auto line = lines.Next();
    if (!line) {
      failure = "cannot read object: " + line.error().message();
      break;
    }
    if (!*line) break;
    end_offset = (*line)->end;
    RETURN_IF_ERROR(one.OnLine(**line));
  }
  RETURN_IF_ERROR(one.Finish(end_offset, failure));
  if (!failure.empty()) {
    ++batch.totals.failed;
    return IngestOutcome::kFailed;
  }
  ++batch.totals.objects;
  batch.totals.object_bytes += info->size;
  return IngestOutcome::kIngested;
}

}  // namespace logstream
