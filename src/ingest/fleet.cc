#include "src/ingest/fleet.h"

#include <chrono>
#include <iostream>
#include <span>
#include <thread>

#include <simdjson.h>

#include "src/base/backoff.h"
#include "src/base/json_string.h"
#include "src/metrics/health.h"

namespace logstream {

std::string EncodeObjectEvent(const ObjectEvent& e) {
  std::string out = "{\"event\":";
  AppendJsonString(e.event_name, &out);
  out += ",\"bucket\":";
  AppendJsonString(e.bucket, &out);
  out += ",\"key\":";
  AppendJsonString(e.key, &out);
  out += ",\"size\":" + std::to_string(e.size) + ",\"etag\":";
  AppendJsonString(e.etag, &out);
  out += ",\"time\":" + std::to_string(e.event_time) + "}";
  return out;
}

Result<ObjectEvent> DecodeObjectEvent(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view key;
  if (parser.parse(json.data(), json.size()).get(doc) || doc["key"].get(key) || key.empty()) {
    return Err(InvalidArgument("not an object event (JSON with a \"key\"): " + std::string(json.substr(0, 200))));
  }
  ObjectEvent e;
  e.key = key;
  std::string_view sv;
  if (!doc["event"].get(sv)) e.event_name = sv;
  if (!doc["bucket"].get(sv)) e.bucket = sv;
  if (!doc["etag"].get(sv)) e.etag = sv;
  uint64_t n;
  if (!doc["size"].get(n)) e.size = n;
  int64_t t;
  if (!doc["time"].get(t)) e.event_time = t;
  return e;
}

Status EnsureObjectsTopic(Log& log, const IngestOptions& ingest, const FleetOptions& fleet) {
  TopicOptions o;
  o.partitions = ingest.partitions;
  if (auto logs = log.DescribeTopic(ingest.logs_topic); logs && logs->partitions > 0) o.partitions = logs->partitions;
  return log.EnsureTopic(fleet.objects_topic, o);
}

Status Enqueue(Log& log, std::string_view transactional_id, const IngestOptions& ingest, const FleetOptions& fleet,
               std::vector<ObjectEvent> events) {
  if (events.empty()) return Status::Ok();
  OrderEachSourceByKey(&events);
  ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, log.Begin(transactional_id));
  for (const ObjectEvent& e : events) {
    RETURN_IF_ERROR(txn->Append(fleet.objects_topic, SourceFromKey(e.key, ingest.default_source), EncodeObjectEvent(e)));
  }
  return txn->Commit();
}

Status RunEnqueue(EventSource& source, Log& log, std::string_view transactional_id, const IngestOptions& ingest,
                  const FleetOptions& fleet, const std::atomic<bool>& stop, uint64_t* enqueued) {
  metrics::Heartbeat progress = metrics::DefaultHealth().Register("enqueue");
  const BackoffPolicy backoff{.initial = 200, .max = 20000, .min_fraction = 0.5};
  int failures = 0;
  while (!stop.load() && !source.Done()) {
    auto events = source.Poll(200);
    if (!events) return events.error();
    progress.Beat();
    Status s = Enqueue(log, transactional_id, ingest, fleet, *events);
    if (!s.ok()) {
      for (const ObjectEvent& e : *events) source.Abandon(e);
      if (s.code() != StatusCode::kUnavailable || stop.load()) return s.WithContext("enqueueing");
      const TimeMs wait = RandomBackoffDelay(backoff, ++failures);
      std::cerr << "logstream: enqueue: " << s.message() << " (retrying in " << wait << " ms)\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      continue;
    }
    failures = 0;
    for (const ObjectEvent& e : *events) RETURN_IF_ERROR(source.Ack(e));
    if (enqueued) *enqueued += events->size();
  }
  return Status::Ok();
}

FleetWriter::FleetWriter(ObjectStore& store, Log& log, IngestOptions ingest, FleetOptions fleet)
    : store_(store), log_(log), ingest_(std::move(ingest)), fleet_(std::move(fleet)) {}

FleetWriter::~FleetWriter() = default;

Status FleetWriter::Init() {
  RETURN_IF_ERROR(Reset());
  RETURN_IF_ERROR(ingester_->Init());
  RETURN_IF_ERROR(EnsureObjectsTopic(log_, ingest_, fleet_));
  // Fence (and on Kafka abort the open transaction of) a previous run under
  // this name first: its successor's offsets would wait for it.
  auto fence = log_.Begin(ingest_.transactional_id, TransactionOptions{.timeout = ingest_.transaction_timeout_ms});
  if (!fence) return fence.error();
  (*fence)->Abort();
  ASSIGN_OR_RETURN(subscription_, log_.Subscribe(fleet_.group, {fleet_.objects_topic}));
  return Status::Ok();
}

IngestTotals FleetWriter::Totals() const {
  IngestTotals t = retired_;
  if (ingester_) t += ingester_->counters();
  return t;
}

std::vector<int> FleetWriter::partitions() const {
  std::vector<int> out;
  for (const auto& [p, part] : parts_) out.push_back(p);
  return out;
}

Status FleetWriter::Reset() {
  if (ingester_) retired_ += ingester_->counters();
  ingester_ = std::make_unique<Ingester>(store_, log_, ingest_);  // the old one aborts its transaction
  // Every transaction carries the group's offsets of what it holds: the
  // events before `next` of each owned partition.
  ingester_->SetBeforeCommit([this](Transaction& txn) -> Status {
    for (const auto& [p, part] : parts_) {
      RETURN_IF_ERROR(txn.CommitOffset(fleet_.group, fleet_.objects_topic, p, part.next));
    }
    return Status::Ok();
  });
  std::vector<TopicPartition> owned;
  for (const auto& [p, part] : parts_) owned.push_back({fleet_.objects_topic, p});
  parts_.clear();
  return Assign(owned);
}

Status FleetWriter::Assign(const std::vector<TopicPartition>& partitions) {
  bool any = false;
  for (const TopicPartition& tp : partitions) {
    if (tp.topic != fleet_.objects_topic || parts_.contains(tp.partition)) continue;
    // On Kafka this waits for a former owner's open transaction to end.
    ASSIGN_OR_RETURN(parts_[tp.partition].next, log_.CommittedOffset(fleet_.group, tp.topic, tp.partition));
    any = true;
  }
  // The manifest as the former owners left it, their last commit included
  // (Kafka answers the ingester from a cache that only follows this
  // process's own commits).
  return any ? log_.SettleState(ingest_.manifest_topic) : Status::Ok();
}

Status FleetWriter::PollGroup(TimeMs wait) {
  ASSIGN_OR_RETURN(AssignmentChange change, subscription_->Poll(wait));
  if (change.empty()) return Status::Ok();
  if (!change.revoked.empty()) {
    if (change.lost) {
      // Already another member's: nothing of them is ours to commit.
      for (const TopicPartition& tp : change.revoked) parts_.erase(tp.partition);
      RETURN_IF_ERROR(Reset());
    } else {
      RETURN_IF_ERROR(Flush());  // hand over what was ingested from them
      for (const TopicPartition& tp : change.revoked) parts_.erase(tp.partition);
    }
  }
  RETURN_IF_ERROR(Assign(change.assigned));
  if (fleet_.on_rebalance) fleet_.on_rebalance(partitions());
  return Status::Ok();
}

Status FleetWriter::Flush() {
  Status s = ingester_->Flush();
  ingester_->TakeCommitted();
  ingester_->TakeUncommitted();
  return s;
}

Result<bool> FleetWriter::Done() {
  ASSIGN_OR_RETURN(TopicInfo info, log_.DescribeTopic(fleet_.objects_topic));
  for (int p = 0; p < info.partitions; ++p) {
    ASSIGN_OR_RETURN(int64_t committed, log_.CommittedOffset(fleet_.group, fleet_.objects_topic, p));
    if (committed >= info.end_offsets[p]) continue;
    // On Kafka the end offset also counts transaction markers, which are
    // never read: a partition short of its end that yields nothing is done.
    ASSIGN_OR_RETURN(std::vector<LogRecordEntry> rest, log_.Read(fleet_.objects_topic, p, committed, 1));
    if (!rest.empty()) return false;
  }
  return true;
}

Status FleetWriter::Loop(const std::atomic<bool>& stop) {
  metrics::Heartbeat progress = metrics::DefaultHealth().Register("ingest");
  bool dirty = false;  // events added since the last commit
  while (!stop.load()) {
    progress.Beat();
    RETURN_IF_ERROR(PollGroup(0));
    size_t got = 0;
    for (int p : partitions()) {
      // A rebalance waits for every member to poll: poll between partitions,
      // so that a joining member gets its share while this one is busy.
      RETURN_IF_ERROR(PollGroup(0));
      auto owned = parts_.find(p);
      if (owned == parts_.end()) continue;  // just revoked
      Part& part = owned->second;
      ASSIGN_OR_RETURN(std::vector<LogRecordEntry> entries,
                       log_.Read(fleet_.objects_topic, p, part.next, fleet_.read_batch));
      if (entries.empty()) continue;
      std::vector<ObjectEvent> events;
      for (const LogRecordEntry& entry : entries) {
        auto event = DecodeObjectEvent(entry.value);
        if (event && !event->bucket.empty() && event->bucket != store_.Bucket()) {
          // Another bucket's object is not in this writer's store (and
          // would have another manifest key than the same key listed here).
          std::cerr << "logstream: ingest: skipping " << fleet_.objects_topic << " " << p << "@" << entry.offset
                    << ": an event of bucket " << event->bucket << ", not " << store_.Bucket() << "\n";
        } else if (event) {
          events.push_back(std::move(*event));
        } else {
          std::cerr << "logstream: ingest: skipping " << fleet_.objects_topic << " " << p << "@" << entry.offset
                    << ": " << event.error().message() << "\n";
        }
      }
      // A host's events enqueued out of key order (concurrent enqueuers)
      // are put back in order within what is read at once. Until the whole
      // read is added, the offset committed stays at its start: after a
      // crash it is read again, and what was done is a duplicate.
      OrderEachSourceByKey(&events);
      for (size_t i = 0; i < events.size(); ++i) {
        // The next objects are read while this one is parsed (as RunIngest).
        ingester_->PrefetchNext(std::span(events).subspan(i + 1));
        // An error leaves the open transaction (and the reads ahead) to Run's Reset.
        if (auto added = ingester_->Add(events[i]); !added) return added.error();
      }
      ingester_->DropPrefetched();
      part.next = entries.back().offset + 1;
      dirty = true;
      got += entries.size();
    }
    if (dirty && (got == 0 || ingester_->FlushDue())) {
      RETURN_IF_ERROR(PollGroup(0));  // the latest generation: an outdated one fails the commit
      RETURN_IF_ERROR(Flush());
      dirty = false;
    }
    if (got > 0) continue;
    if (fleet_.exit_when_done && (!fleet_.enqueue_done || fleet_.enqueue_done->load())) {
      ASSIGN_OR_RETURN(bool done, Done());
      if (done) return Status::Ok();
    }
    RETURN_IF_ERROR(PollGroup(parts_.empty() ? 500 : 100));
  }
  return Flush();
}

Status FleetWriter::Run(const std::atomic<bool>& stop) {
  const BackoffPolicy backoff{.initial = 200, .max = 20000, .min_fraction = 0.5};
  int failures = 0;
  while (true) {
    Status s = Loop(stop);
    if (s.ok()) return s;
    const bool stopping = stop.load();  // once: a stop between two reads would take neither branch
    if (stopping && s.code() == StatusCode::kAborted) {
      // The last commit of a stopping member lost to a rebalance: what it
      // did not commit is ingested by the partitions' new owners.
      std::cerr << "logstream: ingest: " << s.message() << " (stopping; the group's other members ingest the rest)\n";
      return Status::Ok();
    }
    // A lost membership (kAborted: a commit with an outdated generation) or
    // an unavailable broker: start over from what the group committed.
    if (stopping || (s.code() != StatusCode::kAborted && s.code() != StatusCode::kUnavailable)) return s;
    if (s.code() == StatusCode::kUnavailable) {
      const TimeMs wait = RandomBackoffDelay(backoff, ++failures);
      std::cerr << "logstream: ingest: " << s.message() << " (retrying in " << wait << " ms)\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
    RETURN_IF_ERROR(Reset());
  }
}

}  // namespace logstream
