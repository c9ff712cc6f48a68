#include "src/ingest/ingester.h"

#include <chrono>
#include <random>
#include <thread>

#include <simdjson.h>
#include <toml++/toml.h>

#include "src/ingest/line_reader.h"
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
  std::string failed;         // why the object could not be read, if it could not
  std::string changed_etag;   // a later etag already reported as a change
};

std::string EncodeManifest(const Manifest& m) {
  std::string s = "{\"etag\":";
  AppendJsonString(m.etag, &s);
  s += ",\"offset\":" + std::to_string(m.offset) + ",\"lines\":" + std::to_string(m.lines) +
       ",\"records\":" + std::to_string(m.records) + ",\"dead\":" + std::to_string(m.dead) +
       ",\"done\":" + (m.done ? "true" : "false");
  if (!m.failed.empty()) {
    s += ",\"failed\":";
    AppendJsonString(m.failed, &s);
  }
  if (!m.changed_etag.empty()) {
    s += ",\"changed_etag\":";
    AppendJsonString(m.changed_etag, &s);
  }
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
  if (!doc["failed"].get(sv)) m.failed = sv;
  if (!doc["changed_etag"].get(sv)) m.changed_etag = sv;
  return m;
}

bool IsDateComponent(std::string_view c) { return c.size() == 10 && ParseDate(c).has_value(); }

// One object's ingest: line assembly, parsing and chunked commits.
class ObjectIngest {
 public:
  ObjectIngest(Log& log, const IngestOptions& o, IngestCounters& counters, std::string key,
               std::string manifest_key, Manifest m)
      : log_(log),
        o_(o),
        counters_(counters),
        key_(std::move(key)),
        manifest_key_(std::move(manifest_key)),
        m_(std::move(m)),
        source_(SourceFromKey(key_, o.default_source)),
        json_prefix_(RecordJsonPrefix(source_, key_)) {
    parse_.format = o.format;
    parse_.max_line_bytes = o.max_line_bytes;
    parse_.classic_date = ClassicDateFromKey(key_);
  }

  Status Begin() {
    ASSIGN_OR_RETURN(txn_, log_.Begin(o_.transactional_id));
    return Status::Ok();
  }

  // Feeds one line.
  Status OnLine(const Line& line) {
    ++m_.lines;
    counters_.lines.fetch_add(1, std::memory_order_relaxed);
    counters_.bytes.fetch_add(line.length + 1, std::memory_order_relaxed);
    if (line.too_long) {
      RETURN_IF_ERROR(FlushPending());
      return DeadLetter(line.offset, "line of " + std::to_string(line.length) +
                                         " bytes is longer than the maximum " +
                                         std::to_string(o_.max_line_bytes) + " (head kept)",
                        line.text);
    }
    bool starts = !o_.multiline || StartsRecord(line.text);
    if (starts) {
      RETURN_IF_ERROR(FlushPending());
      RETURN_IF_ERROR(MaybeCommit(line.offset));
      pending_offset_ = line.offset;
      pending_.assign(line.text);
      pending_lines_ = 1;
      has_pending_ = true;
      return Status::Ok();
    }
    if (!has_pending_) {
      return DeadLetter(line.offset, "continuation line with no record above it", line.text);
    }
    if (pending_lines_ >= o_.multiline_max_lines ||
        pending_.size() + 1 + line.text.size() > o_.multiline_max_bytes) {
      return DeadLetter(line.offset,
                        "continuation line beyond the multi-line bound (" +
                            std::to_string(o_.multiline_max_lines) + " lines, " +
                            std::to_string(o_.multiline_max_bytes) + " bytes)",
                        line.text);
    }
    pending_.push_back('\n');
    pending_.append(line.text);
    ++pending_lines_;
    return Status::Ok();
  }

  // Ends the object: flushes and commits with done = true.
  Status Finish(uint64_t end_offset, std::string failed_reason) {
    RETURN_IF_ERROR(FlushPending());
    if (!failed_reason.empty()) {
      RETURN_IF_ERROR(DeadLetter(end_offset, failed_reason, {}));
      m_.failed = failed_reason;
    }
    m_.offset = end_offset;
    m_.done = true;
    return Commit();
  }

  uint64_t resume_offset() const { return m_.offset; }

 private:
  Status FlushPending() {
    if (!has_pending_) return Status::Ok();
    has_pending_ = false;
    // Parse the first line; the message runs to the end of the record so it
    // carries the continuation lines.
    size_t first_end = pending_.find('\n');
    std::string_view first = std::string_view(pending_).substr(0, first_end);
    auto parsed = ParseLine(first, parse_);
    if (!parsed) {
      return DeadLetter(pending_offset_, parsed.error().message(), pending_);
    }
    LogLine line = *parsed;
    if (first_end != std::string::npos) {
      const char* msg_begin = line.message.data();
      line.message = std::string_view(msg_begin, pending_.data() + pending_.size() - msg_begin);
    }
    json_.clear();
    AppendRecordJsonWithPrefix(json_prefix_, pending_offset_, line, &json_);
    RETURN_IF_ERROR(txn_->Append(o_.logs_topic, source_, json_));
    ++m_.records;
    ++chunk_records_;
    chunk_bytes_ += json_.size();
    counters_.records.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }

  Status DeadLetter(uint64_t offset, std::string_view reason, std::string_view raw) {
    std::string v = "{\"source\":";
    AppendJsonString(source_, &v);
    v += ",\"object\":";
    AppendJsonString(key_, &v);
    v += ",\"offset\":" + std::to_string(offset) + ",\"reason\":";
    AppendJsonString(reason, &v);
    v += ",\"raw\":";
    AppendJsonString(raw.substr(0, 64 * 1024), &v);
    v += "}";
    RETURN_IF_ERROR(txn_->Append(o_.dead_letter_topic, source_, v));
    ++m_.dead;
    ++chunk_records_;
    chunk_bytes_ += v.size();
    counters_.dead_letters.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }

  // Commits the chunk so far if it is big enough; the next chunk starts at
  // `next_offset`, the first line of a record, so no record is split.
  Status MaybeCommit(uint64_t next_offset) {
    if (chunk_records_ < o_.chunk_records && chunk_bytes_ < o_.chunk_bytes) return Status::Ok();
    m_.offset = next_offset;
    RETURN_IF_ERROR(Commit());
    return Begin();
  }

  Status Commit() {
    RETURN_IF_ERROR(txn_->Put(o_.manifest_topic, manifest_key_, EncodeManifest(m_)));
    RETURN_IF_ERROR(txn_->Commit());
    chunk_records_ = 0;
    chunk_bytes_ = 0;
    return Status::Ok();
  }

  Log& log_;
  const IngestOptions& o_;
  IngestCounters& counters_;
  std::string key_;
  std::string manifest_key_;
  Manifest m_;
  std::string source_;
  std::string json_prefix_;  // the JSON all records of this object start with
  ParseOptions parse_;
  std::unique_ptr<Transaction> txn_;
  std::string pending_;
  uint64_t pending_offset_ = 0;
  size_t pending_lines_ = 0;
  bool has_pending_ = false;
  size_t chunk_records_ = 0;
  size_t chunk_bytes_ = 0;
  std::string json_;
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

Status LoadIngestToml(std::string_view path, IngestOptions* o) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(std::string(path) + ": " + std::string(e.description()));
  }
  const toml::table* t = doc["ingest"].as_table();
  if (t == nullptr) return Status::Ok();
  for (const auto& [k, v] : *t) {
    std::string key(k.str());
    auto where = std::string(path) + ": [ingest] " + key;
    auto integer = [&](auto* dst, int64_t min) -> Status {
      auto x = v.value<int64_t>();
      if (!x || *x < min) return InvalidArgument(where + " must be an integer >= " + std::to_string(min));
      *dst = static_cast<std::remove_pointer_t<decltype(dst)>>(*x);
      return Status::Ok();
    };
    if (key == "format") {
      auto f = ParseLineFormat(v.value<std::string>().value_or(""));
      if (!f) return InvalidArgument(where + " must be \"auto\", \"iso\" or \"classic\"");
      o->format = *f;
    } else if (key == "multiline") {
      auto m = v.value<std::string>().value_or("");
      if (m != "auto" && m != "off") return InvalidArgument(where + " must be \"auto\" or \"off\"");
      o->multiline = m == "auto";
    } else if (key == "multiline_max_lines") {
      RETURN_IF_ERROR(integer(&o->multiline_max_lines, 1));
    } else if (key == "multiline_max_bytes") {
      RETURN_IF_ERROR(integer(&o->multiline_max_bytes, 1));
    } else if (key == "max_line_bytes") {
      RETURN_IF_ERROR(integer(&o->max_line_bytes, 1));
    } else if (key == "partitions") {
      RETURN_IF_ERROR(integer(&o->partitions, 1));
    } else if (key == "chunk_records") {
      RETURN_IF_ERROR(integer(&o->chunk_records, 1));
    } else if (key == "chunk_bytes") {
      RETURN_IF_ERROR(integer(&o->chunk_bytes, 1));
    } else if (key == "default_source") {
      auto s = v.value<std::string>();
      if (!s || s->empty()) return InvalidArgument(where + " must be a non-empty string");
      o->default_source = *s;
    } else if (key == "reingest_changed") {
      auto b = v.value<bool>();
      if (!b) return InvalidArgument(where + " must be true or false");
      o->reingest_changed = *b;
    } else {
      return InvalidArgument(std::string(path) + ": unknown key [ingest] " + key);
    }
  }
  return Status::Ok();
}

Ingester::Ingester(ObjectStore& store, Log& log, IngestOptions options)
    : store_(store), log_(log), options_(std::move(options)) {}

Status Ingester::Init() {
  TopicOptions logs;
  logs.partitions = options_.partitions;
  RETURN_IF_ERROR(log_.EnsureTopic(options_.logs_topic, logs));
  RETURN_IF_ERROR(log_.EnsureTopic(options_.dead_letter_topic, TopicOptions{}));
  TopicOptions manifest;
  manifest.compacted = true;
  return log_.EnsureTopic(options_.manifest_topic, manifest);
}

Result<IngestOutcome> Ingester::IngestObject(const ObjectEvent& event) {
  std::string bucket = event.bucket.empty() ? store_.Bucket() : event.bucket;
  std::string manifest_key = bucket + "/" + event.key;
  ASSIGN_OR_RETURN(auto entry, log_.GetState(options_.manifest_topic, manifest_key));
  Manifest m;
  if (entry) {
    ASSIGN_OR_RETURN(m, DecodeManifest(*entry));
  }
  auto report_failure = [&](const std::string& reason) -> Result<IngestOutcome> {
    Manifest failed = m;
    ObjectIngest one(log_, options_, counters_, event.key, manifest_key, failed);
    RETURN_IF_ERROR(one.Begin());
    RETURN_IF_ERROR(one.Finish(m.offset, reason));
    counters_.failed.fetch_add(1);
    return IngestOutcome::kFailed;
  };

  auto info = store_.Head(event.key);
  if (!info) {
    if (info.error().code() == StatusCode::kUnavailable) return Err(info.error());
    if (m.done) {  // deleted after it was ingested: nothing to do
      counters_.duplicates.fetch_add(1);
      return IngestOutcome::kDuplicate;
    }
    if (info.error().code() == StatusCode::kNotFound) {
      return report_failure("object deleted before it was read");
    }
    return report_failure("cannot read object: " + info.error().message());
  }
  if (entry && m.etag == info->etag && m.done) {
    counters_.duplicates.fetch_add(1);
    return IngestOutcome::kDuplicate;
  }
  if (entry && m.etag != info->etag) {
    if (!options_.reingest_changed) {
      if (m.changed_etag == info->etag) {
        counters_.duplicates.fetch_add(1);
        return IngestOutcome::kDuplicate;
      }
      auto txn = log_.Begin(options_.transactional_id);
      if (!txn) return Err(txn.error());
      std::string source = SourceFromKey(event.key, options_.default_source);
      std::string v = "{\"source\":";
      AppendJsonString(source, &v);
      v += ",\"object\":";
      AppendJsonString(event.key, &v);
      v += ",\"offset\":0,\"reason\":";
      AppendJsonString("object changed after ingest (etag " + m.etag + ", now " + info->etag +
                           "); not re-ingested (set reingest_changed = true in [ingest] to allow)",
                       &v);
      v += ",\"raw\":\"\"}";
      RETURN_IF_ERROR((*txn)->Append(options_.dead_letter_topic, source, v));
      m.changed_etag = info->etag;
      RETURN_IF_ERROR((*txn)->Put(options_.manifest_topic, manifest_key, EncodeManifest(m)));
      RETURN_IF_ERROR((*txn)->Commit());
      counters_.dead_letters.fetch_add(1);
      return IngestOutcome::kChanged;
    }
    m = Manifest{};
  }
  m.etag = info->etag;
  uint64_t resume = m.offset;

  auto raw = store_.Get(event.key);
  if (!raw) {
    if (raw.error().code() == StatusCode::kUnavailable) return Err(raw.error());
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

  ObjectIngest one(log_, options_, counters_, event.key, manifest_key, m);
  RETURN_IF_ERROR(one.Begin());
  uint64_t end_offset = resume;
  std::string failure;
  while (true) {
    auto line = lines.Next();
    if (!line) {
      failure = "cannot read object: " + line.error().message();
      break;
    }
    if (!*line) break;
    end_offset = (*line)->offset + (*line)->length + 1;
    RETURN_IF_ERROR(one.OnLine(**line));
  }
  RETURN_IF_ERROR(one.Finish(end_offset, failure));
  if (!failure.empty()) {
    counters_.failed.fetch_add(1);
    return IngestOutcome::kFailed;
  }
  counters_.objects.fetch_add(1);
  return IngestOutcome::kIngested;
}

Status RunIngest(EventSource& source, Ingester& ingester, const std::atomic<bool>& stop) {
  std::mt19937_64 jitter(std::random_device{}());
  while (!stop.load()) {
    if (source.Done()) return Status::Ok();
    auto events = source.Poll(200);
    if (!events) return events.error();
    for (size_t i = 0; i < events->size(); ++i) {
      const ObjectEvent& e = (*events)[i];
      TimeMs backoff = 100;
      while (true) {
        auto r = ingester.IngestObject(e);
        if (r) break;
        if (r.error().code() != StatusCode::kUnavailable || stop.load()) {
          // Neither this event nor the rest of the batch will be acknowledged:
          // let the source deliver them again later.
          for (size_t j = i; j < events->size(); ++j) source.Abandon((*events)[j]);
          return r.error().WithContext("ingesting " + e.key);
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(backoff + static_cast<TimeMs>(jitter() % backoff)));
        backoff = std::min<TimeMs>(backoff * 2, 10000);
      }
      RETURN_IF_ERROR(source.Ack(e));
    }
  }
  return Status::Ok();
}

}  // namespace logstream
