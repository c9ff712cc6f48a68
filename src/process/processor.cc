#include "src/process/processor.h"

#include <algorithm>

#include "src/metrics/feed.h"
#include "src/metrics/health.h"
#include "src/metrics/metrics.h"

namespace logstream {
namespace {

static_assert(RecordBuffer::kPadding >= RecordDecoder::kPadding);

// Creates the topic with `options` unless it exists (with any partition count).
Status EnsureExists(Log* log, const std::string& topic, const TopicOptions& options) {
  auto info = log->DescribeTopic(topic);
  if (info) return Status::Ok();
  if (info.error().code() != StatusCode::kNotFound) return info.error();
  return log->EnsureTopic(topic, options);
}

std::string DeadLetterJson(std::string_view topic, int partition, int64_t offset,
                           std::string_view value, std::string_view reason) {
  std::string s = "{\"stage\":\"process\",\"topic\":";
  AppendJsonString(topic, &s);
  s += ",\"partition\":" + std::to_string(partition) + ",\"offset\":" + std::to_string(offset) +
       ",\"reason\":";
  AppendJsonString(reason, &s);
  s += ",\"value\":";
  AppendJsonString(value, &s);
  s += "}";
  return s;
}

// State keys of a `logs` partition's engine: "p<N>/" + the engine's key.
std::string PartPrefix(int partition) { return "p" + std::to_string(partition) + "/"; }
// "p<N>/finished": the offset at which --exit-when-done finished the partition.
constexpr std::string_view kFinishedKey = "finished";

std::map<std::string, std::string> WithPrefix(const std::map<std::string, std::string>& state,
                                              const std::string& prefix) {
  std::map<std::string, std::string> out;
  for (auto it = state.lower_bound(prefix); it != state.end() && it->first.starts_with(prefix); ++it) {
    std::string key = it->first.substr(prefix.size());
    if (key != kFinishedKey) out.emplace(std::move(key), it->second);
  }
  return out;
}

void AddStats(EngineStats& to, const EngineStats& from) {
  to.records += from.records;
  to.late += from.late;
  to.windows_closed += from.windows_closed;
  to.alerts += from.alerts;
}

// The processor's metrics (metrics.h), declared once.
struct ProcessMetrics {
  metrics::Registry& r = metrics::Default();
  metrics::Counter& records =
      r.CounterFamily("logstream_process_records_total", "records read from `logs` and committed").Get();
  metrics::Counter& late = r.CounterFamily("logstream_process_late_records_total",
                                           "records older than their source's watermark (counted nowhere)")
                               .Get();
  metrics::Counter& bad = r.CounterFamily("logstream_process_bad_records_total",
                                          "records of `logs` that could not be decoded (dead-lettered)")
                              .Get();
  metrics::Counter& windows =
      r.CounterFamily("logstream_process_windows_emitted_total", "aggregate rows (window, source, level) emitted")
          .Get();
  metrics::Family<metrics::Counter>& alerts =
      r.CounterFamily("logstream_process_alerts_fired_total", "alerts fired, by rule", {"rule"});
  metrics::Counter& commits = r.CounterFamily("logstream_process_commits_total", "transactions committed").Get();
  metrics::Histogram& commit_seconds =
      r.HistogramFamily("logstream_process_commit_duration_seconds", "time to write and commit a transaction").Get();
  metrics::Histogram& alert_latency =
      r.HistogramFamily("logstream_alert_latency_seconds",
                        "from the log append of the newest record read before an alert (its object's "
                        "ingest) to the alert's commit; logstream_ingest_object_latency_seconds adds the "
                        "time from the object's publication to its ingest")
          .Get();
  metrics::Gauge& open_windows =
      r.GaugeFamily("logstream_process_open_windows", "(window, source) cells not yet emitted").Get();
  metrics::Gauge& sources = r.GaugeFamily("logstream_process_sources", "log sources (hosts) seen").Get();
  metrics::Gauge& wm_low = r.GaugeFamily("logstream_process_watermark_low_seconds",
                                         "the lowest source watermark, event time since the epoch")
                               .Get();
  metrics::Gauge& wm_high = r.GaugeFamily("logstream_process_watermark_high_seconds",
                                          "the highest source watermark, event time since the epoch")
                                .Get();
  metrics::Family<metrics::Gauge>& lag =
      r.GaugeFamily("logstream_process_lag_records", "records of `logs` not yet processed, by partition",
                    {"partition"});
};

ProcessMetrics& M() {
  static ProcessMetrics m;
  return m;
}

}  // namespace

Result<std::unique_ptr<Processor>> Processor::Create(Log* log, const ProcessorConfig& config,
                                                     ProcessorOptions options) {
  RETURN_IF_ERROR(ValidateProcessorConfig(config));
  TopicOptions input;
  input.partitions = options.input_partitions;
  RETURN_IF_ERROR(EnsureExists(log, options.input_topic, input));
  for (const std::string* topic : {&options.aggregates_topic, &options.alerts_topic,
                                   &options.late_topic, &options.dead_letter_topic,
                                   &options.partials_topic, &options.templates_topic}) {
    RETURN_IF_ERROR(EnsureExists(log, *topic, TopicOptions{}));
  }
  TopicOptions state;
  state.compacted = true;
  RETURN_IF_ERROR(EnsureExists(log, options.state_topic, state));
  ASSIGN_OR_RETURN(TopicInfo partials, log->DescribeTopic(options.partials_topic));
  if (partials.partitions != 1) {
    return Err(FailedPrecondition("topic " + options.partials_topic + " has " +
                                  std::to_string(partials.partitions) + " partitions; it needs exactly 1"));
  }
  ASSIGN_OR_RETURN(auto old, log->GetState(options.state_topic, "global"));
  if (old) {
    return Err(FailedPrecondition(
        "the state topic " + options.state_topic +
        " was written by an older processor (one engine for all partitions); delete the state topic "
        "and the group's offsets to reprocess, or use another namespace"));
  }
  auto p = std::unique_ptr<Processor>(new Processor(log, config, std::move(options)));
  if (auto probe = WindowEngine::Create(config, p->engine_options_); !probe) return Err(probe.error());
  ASSIGN_OR_RETURN(p->subscription_,
                   log->Subscribe(p->options_.group, {p->options_.input_topic, p->options_.partials_topic}));
  return p;
}

Processor::Processor(Log* log, const ProcessorConfig& config, ProcessorOptions options)
    : log_(log),
      config_(config),
      options_(std::move(options)),
      has_all_rules_(std::ranges::any_of(config_.rules, [](const RuleConfig& r) { return r.per == RulePer::kAll; })),
      // A read never takes more than a commit's worth of records, and
      // takes fewer when each record counts in many sliding windows, so
      // that one pass of the loop (and the wait for a stop) stays short.
      read_batch_(std::max<size_t>(
          16, std::min(options_.read_batch, static_cast<size_t>(std::max<int64_t>(options_.commit_records, 1))) /
                  static_cast<size_t>(config_.slide > 0 ? std::max<TimeMs>(1, config_.window / config_.slide) : 1))) {
  engine_options_.finite_input = options_.exit_when_done;
  engine_options_.partial_all_rules = true;
  engine_options_.templates = options_.templates;
}

std::vector<int> Processor::partitions() const {
  std::vector<int> out;
  for (const auto& [p, part] : parts_) out.push_back(p);
  return out;
}

Status Processor::Assign(const std::vector<TopicPartition>& partitions) {
  // Offsets first: on Kafka they wait for a dead owner's open transaction to
  // be aborted, after which the state topic holds only committed state.
  std::map<int, int64_t> offsets;
  bool partials = false;
  for (const TopicPartition& tp : partitions) {
    if (tp.topic == options_.input_topic) {
      if (parts_.contains(tp.partition)) continue;
      ASSIGN_OR_RETURN(offsets[tp.partition], log_->CommittedOffset(options_.group, tp.topic, tp.partition));
    } else if (tp.topic == options_.partials_topic && !aggregator_) {
      partials = true;
      ASSIGN_OR_RETURN(partials_offset_, log_->CommittedOffset(options_.group, tp.topic, tp.partition));
      partials_committed_ = partials_offset_;
    }
  }
  if (offsets.empty() && !partials) return Status::Ok();
  ASSIGN_OR_RETURN(auto state, log_->ReadState(options_.state_topic));
  for (const auto& [p, offset] : offsets) {
    ASSIGN_OR_RETURN(std::unique_ptr<WindowEngine> engine, WindowEngine::Create(config_, engine_options_));
    Status restored = engine->RestoreState(WithPrefix(state, PartPrefix(p)));
    if (!restored.ok()) return restored.WithContext("restoring partition " + std::to_string(p) + " from " + options_.state_topic);
    Part& part = parts_[p];
    part.engine = std::move(engine);
    part.offset = part.committed = offset;
    part.backlog = !options_.exit_when_done;  // until a commit looks at the partition's lag
    part.engine->SetBacklog(part.backlog);
  }
  if (partials) {
    ASSIGN_OR_RETURN(aggregator_, AllRulesAggregator::Create(config_, engine_options_));
    Status restored = aggregator_->RestoreState(state);
    if (!restored.ok()) {
      aggregator_.reset();
      return restored.WithContext("restoring per-all rules from " + options_.state_topic);
    }
  }
  return Status::Ok();
}

Status Processor::PollGroup(TimeMs wait) {
  ASSIGN_OR_RETURN(AssignmentChange change, subscription_->Poll(wait));
  if (change.empty()) return Status::Ok();
  Status s = HandleChange(change);
  if (s.ok() && options_.on_rebalance) {
    std::vector<TopicPartition> owned;
    for (const auto& [p, part] : parts_) owned.push_back({options_.input_topic, p});
    if (aggregator_) owned.push_back({options_.partials_topic, 0});
    options_.on_rebalance(owned);
  }
  return s;
}

Status Processor::HandleChange(const AssignmentChange& change) {
  RETURN_IF_ERROR(Assign(change.assigned));
  if (change.revoked.empty()) return Status::Ok();
  auto drop = [&] {
    for (const TopicPartition& tp : change.revoked) {
      if (tp.topic == options_.input_topic) {
        auto it = parts_.find(tp.partition);
        if (it == parts_.end()) continue;
        AddStats(retired_, it->second.engine->stats());
        parts_.erase(it);
      } else if (tp.topic == options_.partials_topic && aggregator_) {
        retired_alerts_ += aggregator_->alerts();
        aggregator_.reset();
      }
    }
  };
  if (change.lost) {
    // Already another member's: their progress is not ours to commit, and
    // the rest was taken out together with theirs at the last commit.
    drop();
    return Reset();
  }
  Status committed = Commit();  // hand over what was read from them
  drop();
  if (committed.code() == StatusCode::kAborted) return Reset();
  return committed;
}

Status Processor::Reset() {
  std::vector<TopicPartition> owned;
  for (auto& [p, part] : parts_) {
    AddStats(retired_, part.engine->stats());
    owned.push_back({options_.input_topic, p});
  }
  if (aggregator_) {
    retired_alerts_ += aggregator_->alerts();
    owned.push_back({options_.partials_topic, 0});
  }
  parts_.clear();
  aggregator_.reset();
  uncommitted_records_ = 0;
  return Assign(owned);
}

Status Processor::Consume(int partition, Part& part, const RecordBuffer& entries) {
  LogRecordView view;
  for (size_t i = 0; i < entries.size(); ++i) {
    // Parsed where it lies: RecordBuffer pads every value for simdjson.
    Status decoded = decoder_.DecodeInPlace(entries.value(i), RecordBuffer::kPadding, &view);
    if (decoded.ok()) {
      part.engine->Feed(view);
    } else {
      part.dead_letters.push_back(DeadLetterJson(options_.input_topic, partition, entries.offset(i),
                                                 entries.value(i), decoded.message()));
      counters_.bad_records.fetch_add(1, std::memory_order_relaxed);
      M().bad.Add();
    }
  }
  if (!entries.empty()) {
    part.offset = entries.offset(entries.size() - 1) + 1;
    part.last_append = entries.append_time(entries.size() - 1);
  }
  part.full_read = entries.size() >= read_batch_;
  part.at_end = entries.empty();
  uncommitted_records_ += static_cast<int64_t>(entries.size());
  return Status::Ok();
}

Status Processor::ConsumePartials(const RecordBuffer& entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    auto decoded = DecodeAllPartials(entries.value(i));
    if (!decoded) {
      return decoded.error().WithContext(options_.partials_topic + " offset " + std::to_string(entries.offset(i)));
    }
    aggregator_->Add(decoded->first, decoded->second);
  }
  if (!entries.empty()) partials_offset_ = entries.offset(entries.size() - 1) + 1;
  return Status::Ok();
}

void Processor::PublishCounters() {
  PublishGauges();
  EngineStats s = retired_;
  int64_t alerts = retired_alerts_;
  for (const auto& [p, part] : parts_) AddStats(s, part.engine->stats());
  if (aggregator_) alerts += aggregator_->alerts();
  counters_.records.store(s.records, std::memory_order_relaxed);
  counters_.windows_closed.store(s.windows_closed, std::memory_order_relaxed);
  counters_.alerts.store(s.alerts + alerts, std::memory_order_relaxed);
  counters_.late.store(s.late, std::memory_order_relaxed);
}

void Processor::PublishMetrics(const CommittedOutputs& lines, const std::vector<const Alert*>& alerts,
                               TimeMs newest_append) {
  ProcessMetrics& m = M();
  m.records.Add(static_cast<uint64_t>(uncommitted_records_));
  const int64_t late = counters_.late.load(std::memory_order_relaxed);
  if (late > late_published_) m.late.Add(static_cast<uint64_t>(late - late_published_));
  late_published_ = late;
  m.windows.Add(lines.aggregates.size());
  m.commits.Add();
  const TimeMs now = NowMs();
  for (const Alert* a : alerts) {
    m.alerts.With({a->rule}).Add();
    if (newest_append > 0) m.alert_latency.Observe(static_cast<double>(std::max<TimeMs>(0, now - newest_append)) / 1e3);
  }
  for (const std::string& json : lines.alerts) metrics::AlertsFeed().Push(json);
  for (const std::string& json : lines.aggregates) metrics::WindowsFeed().Push(json);
}

void Processor::PublishGauges() {
  const TimeMs now = NowMs();
  if (now - gauges_published_ < 1000) return;
  gauges_published_ = now;
  ProcessMetrics& m = M();
  EngineGauges all;
  bool any = false;
  for (const auto& [p, part] : parts_) {
    const EngineGauges g = part.engine->gauges();
    all.sources += g.sources;
    all.open_windows += g.open_windows;
    if (g.max_watermark == 0) continue;
    all.min_watermark = any ? std::min(all.min_watermark, g.min_watermark) : g.min_watermark;
    all.max_watermark = any ? std::max(all.max_watermark, g.max_watermark) : g.max_watermark;
    any = true;
  }
  m.sources.Set(static_cast<double>(all.sources));
  m.open_windows.Set(static_cast<double>(all.open_windows));
  m.wm_low.Set(static_cast<double>(all.min_watermark) / 1e3);
  m.wm_high.Set(static_cast<double>(all.max_watermark) / 1e3);
  auto info = log_->DescribeTopic(options_.input_topic);
  if (!info) return;
  for (const auto& [p, part] : parts_) {
    const int64_t end = p < static_cast<int>(info->end_offsets.size()) ? info->end_offsets[p] : 0;
    m.lag.With({std::to_string(p)}).Set(static_cast<double>(std::max<int64_t>(0, end - part.offset)));
  }
}

Status Processor::Commit() {
  // Streaming: a partition whose last read was full, or that has more than a
  // read's worth of offsets still behind and whose last read found records
  // (aborted Kafka transactions hold offsets but no records), is in a
  // backlog, which keeps its per = "all" windows open
  // (WindowEngine::SetBacklog). Assigned partitions start in one.
  if (!options_.exit_when_done && has_all_rules_ &&
      (uncommitted_records_ > 0 || std::ranges::any_of(parts_, [](const auto& kv) { return kv.second.backlog; }))) {
    ASSIGN_OR_RETURN(TopicInfo info, log_->DescribeTopic(options_.input_topic));
    for (auto& [p, part] : parts_) {
      const int64_t end = p < static_cast<int>(info.end_offsets.size()) ? info.end_offsets[p] : 0;
      part.backlog = part.full_read || (!part.at_end && end - part.offset > static_cast<int64_t>(read_batch_));
      part.engine->SetBacklog(part.backlog);
    }
  }
  // Take everything out first: nothing to write means no transaction.
  struct Taken {
    int partition;
    Part* part;
    EngineOutputs out;
    AllPartials partials;
    std::vector<std::pair<std::string, std::string>> state;
  };
  std::vector<Taken> taken;
  bool any = false;
  for (auto& [p, part] : parts_) {
    Taken t{p, &part, part.engine->TakeOutputs(), {}, {}};
    t.partials = part.engine->TakeAllPartials();  // before the state: it records them as handed out
    t.state = part.engine->TakeStateChanges();
    any = any || !t.out.empty() || !t.partials.empty() || !t.state.empty() || !part.dead_letters.empty() ||
          part.finish_pending ||
          part.offset != part.committed || (t.partials.has_mark && part.sent_mark != t.partials.mark);
    taken.push_back(std::move(t));
  }
  std::vector<Alert> all_alerts;
  std::vector<std::pair<std::string, std::string>> all_state;
  if (aggregator_) {
    all_alerts = aggregator_->TakeAlerts();
    all_state = aggregator_->TakeStateChanges();
    any = any || !all_alerts.empty() || !all_state.empty() || partials_offset_ != partials_committed_;
  }
  PublishCounters();
  if (!any) return Status::Ok();

  metrics::Timer timer(M().commit_seconds);
  CommittedOutputs lines;
  TransactionOptions txn_options;
  txn_options.timeout = options_.transaction_timeout_ms;
  ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, log_->Begin(options_.transactional_id, txn_options));
  auto append_alert = [&](const Alert& alert) -> Status {
    std::string json;
    AppendAlertJson(alert, &json);
    RETURN_IF_ERROR(txn->Append(options_.alerts_topic, alert.key, json));
    lines.alerts.push_back(std::move(json));
    return Status::Ok();
  };
  for (Taken& t : taken) {
    for (const AggregateRow& row : t.out.aggregates) {
      std::string json;
      AppendAggregateJson(row, &json);
      RETURN_IF_ERROR(txn->Append(options_.aggregates_topic, row.source, json));
      lines.aggregates.push_back(std::move(json));
    }
    for (const TemplateRow& row : t.out.templates) {
      std::string json;
      AppendTemplateJson(row, &json);
      RETURN_IF_ERROR(txn->Append(options_.templates_topic, row.source, json));
      lines.templates.push_back(std::move(json));
    }
    for (const Alert& alert : t.out.alerts) RETURN_IF_ERROR(append_alert(alert));
    for (const LogRecord& r : t.out.late) {
      RETURN_IF_ERROR(txn->Append(options_.late_topic, r.source, RecordToJson(r)));
    }
    for (const std::string& d : t.part->dead_letters) {
      RETURN_IF_ERROR(txn->Append(options_.dead_letter_topic, "", d));
    }
    // The aggregator also needs the engine's mark when it moves (streaming).
    const bool new_mark = !options_.exit_when_done && t.partials.has_mark && t.part->sent_mark != t.partials.mark;
    if (!t.partials.empty() || new_mark) {
      RETURN_IF_ERROR(txn->AppendTo(options_.partials_topic, 0, PartPrefix(t.partition),
                                    EncodeAllPartials(t.partition, t.partials)));
    }
    const std::string prefix = PartPrefix(t.partition);
    for (const auto& [key, value] : t.state) RETURN_IF_ERROR(txn->Put(options_.state_topic, prefix + key, value));
    if (t.part->finish_pending) {
      RETURN_IF_ERROR(txn->Put(options_.state_topic, prefix + std::string(kFinishedKey), std::to_string(t.part->offset)));
    }
    // Every owned partition, changed or not: on Kafka the group generation
    // goes with the offsets, which fences a processor that lost its
    // partitions.
    RETURN_IF_ERROR(txn->CommitOffset(options_.group, options_.input_topic, t.partition, t.part->offset));
  }
  if (aggregator_) {
    for (const Alert& alert : all_alerts) RETURN_IF_ERROR(append_alert(alert));
    for (const auto& [key, value] : all_state) RETURN_IF_ERROR(txn->Put(options_.state_topic, key, value));
    RETURN_IF_ERROR(txn->CommitOffset(options_.group, options_.partials_topic, 0, partials_offset_));
  }
  if (options_.before_commit) RETURN_IF_ERROR(options_.before_commit(*txn, lines));
  RETURN_IF_ERROR(txn->Commit());
  for (Taken& t : taken) {
    t.part->committed = t.part->offset;
    t.part->dead_letters.clear();
    t.part->finish_pending = false;
    if (t.partials.has_mark) t.part->sent_mark = t.partials.mark;
  }
  partials_committed_ = partials_offset_;
  std::vector<const Alert*> fired;
  TimeMs newest_append = 0;
  for (const Taken& t : taken) {
    for (const Alert& a : t.out.alerts) fired.push_back(&a);
    newest_append = std::max(newest_append, t.part->last_append);
  }
  for (const Alert& a : all_alerts) fired.push_back(&a);
  PublishMetrics(lines, fired, newest_append);
  counters_.committed_records.fetch_add(uncommitted_records_, std::memory_order_relaxed);
  uncommitted_records_ = 0;
  counters_.commits.fetch_add(1, std::memory_order_relaxed);
  if (options_.after_commit) options_.after_commit(lines);
  return Status::Ok();
}

// How long --exit-when-done waits before asking again whether the group is
// done, when it is not yet.
constexpr TimeMs kDoneRetryMs = 50;

Result<bool> Processor::AtEnd(const std::string& topic, int partition, int64_t offset) {
  ASSIGN_OR_RETURN(TopicInfo info, log_->DescribeTopic(topic));
  if (partition >= static_cast<int>(info.end_offsets.size()) || offset >= info.end_offsets[partition]) return true;
  // On Kafka the end offset also counts transaction markers, which are never
  // read: a partition short of its end that yields nothing holds only
  // markers there (KafkaLog's read waits for markers being written).
  RecordBuffer scratch;
  RETURN_IF_ERROR(log_->ReadInto(topic, partition, offset, 1, 0, &scratch));
  return scratch.empty();
}

Result<bool> Processor::Done() {
  bool all_finished = true;
  for (auto& [p, part] : parts_) {
    if (part.finished) continue;
    ASSIGN_OR_RETURN(bool end, AtEnd(options_.input_topic, p, part.offset));
    if (end) {
      part.engine->Finish();
      part.finished = part.finish_pending = true;
    } else {
      all_finished = false;
    }
  }
  RETURN_IF_ERROR(Commit());
  if (!all_finished) return false;
  if (aggregator_) {
    ASSIGN_OR_RETURN(bool end, AtEnd(options_.partials_topic, 0, partials_offset_));
    if (!end) return false;
  }
  // The whole group: every `logs` partition finished at its committed end
  // first (the partials of a partition are committed with its offsets),
  // then `rule-partials`.
  ASSIGN_OR_RETURN(TopicInfo info, log_->DescribeTopic(options_.input_topic));
  for (int p = 0; p < info.partitions; ++p) {
    if (parts_.contains(p)) continue;
    ASSIGN_OR_RETURN(int64_t committed, log_->CommittedOffset(options_.group, options_.input_topic, p));
    ASSIGN_OR_RETURN(auto finished, log_->GetState(options_.state_topic, PartPrefix(p) + std::string(kFinishedKey)));
    if (!finished || *finished != std::to_string(committed)) return false;
    ASSIGN_OR_RETURN(bool end, AtEnd(options_.input_topic, p, committed));
    if (!end) return false;
  }
  if (!aggregator_) {
    ASSIGN_OR_RETURN(int64_t committed, log_->CommittedOffset(options_.group, options_.partials_topic, 0));
    ASSIGN_OR_RETURN(bool end, AtEnd(options_.partials_topic, 0, committed));
    if (!end) return false;
  }
  return true;
}

Status Processor::Run(const std::atomic<bool>* stop) {
  while (true) {
    Status s = Loop(stop);
    if (s.code() != StatusCode::kAborted) return s;
    // A commit lost the group membership (a rebalance, or this processor
    // was a zombie): start over from the log with what the group assigns.
    RETURN_IF_ERROR(Reset());
  }
}

Status Processor::Loop(const std::atomic<bool>* stop) {
  TimeMs last_commit = options_.clock();
  TimeMs last_tick = last_commit;
  TimeMs last_commit_took = 0;
  bool reached_end = false;  // since the last commit
  metrics::Heartbeat progress = metrics::DefaultHealth().Register("process");
  metrics::DefaultHealth().MarkReady("broker");  // it answered Create's and Assign's requests
  while (!(stop && stop->load())) {
    progress.Beat();  // the log answered the last reads
    RETURN_IF_ERROR(PollGroup(0));
    size_t got = 0;
    for (auto& [p, part] : parts_) {
      RETURN_IF_ERROR(log_->ReadInto(options_.input_topic, p, part.offset, read_batch_, 0, &read_buffer_));
      RETURN_IF_ERROR(Consume(p, part, read_buffer_));
      got += read_buffer_.size();
    }
    if (aggregator_) {
      RETURN_IF_ERROR(log_->ReadInto(options_.partials_topic, 0, partials_offset_, read_batch_, 0, &read_buffer_));
      RETURN_IF_ERROR(ConsumePartials(read_buffer_));
      got += read_buffer_.size();
    }
    const bool caught_up = got == 0;
    reached_end = reached_end || caught_up;
    if (caught_up && options_.exit_when_done) {
      ASSIGN_OR_RETURN(bool done, Done());
      if (done) {
        PublishCounters();
        return Status::Ok();
      }
      // Other members still at work: look again shortly, not in a busy loop
      // (each look asks the broker for the group's offsets).
      RETURN_IF_ERROR(PollGroup(parts_.empty() && !aggregator_ ? options_.poll_wait_ms : kDoneRetryMs));
      continue;
    }
    TimeMs now = options_.clock();
    if (!options_.exit_when_done && now - last_tick >= options_.idle_tick_ms) {
      for (auto& [p, part] : parts_) part.engine->AdvanceIdle(now, caught_up);
      last_tick = now;
    }
    // Caught up since the last commit: commit every commit_interval_ms, so
    // outputs are seen soon. Working through a backlog: commits also take
    // at most about a tenth of the time (a Kafka commit costs tens of ms).
    const TimeMs interval =
        reached_end ? options_.commit_interval_ms : std::max(options_.commit_interval_ms, 9 * last_commit_took);
    size_t pending = 0;
    for (const auto& [p, part] : parts_) pending += part.engine->pending_outputs();
    if (uncommitted_records_ >= options_.commit_records || pending >= options_.commit_outputs ||
        now - last_commit >= interval) {
      // The latest group generation first: a commit with an outdated one
      // fails and throws the work since the last commit away.
      RETURN_IF_ERROR(PollGroup(0));
      RETURN_IF_ERROR(Commit());
      last_commit = options_.clock();
      last_commit_took = last_commit - now;
      reached_end = false;
    } else {
      PublishCounters();
    }
    if (caught_up && !options_.exit_when_done) {
      if (parts_.empty()) {
        RETURN_IF_ERROR(PollGroup(options_.poll_wait_ms));  // nothing to read: wait for the group
        continue;
      }
      // Wait for new records on one partition at a time.
      auto it = parts_.begin();
      std::advance(it, static_cast<ptrdiff_t>(wait_index_++ % parts_.size()));
      RETURN_IF_ERROR(
          log_->ReadInto(options_.input_topic, it->first, it->second.offset, read_batch_, options_.poll_wait_ms, &read_buffer_));
      RETURN_IF_ERROR(Consume(it->first, it->second, read_buffer_));
    }
  }
  return Commit();
}

}  // namespace logstream
