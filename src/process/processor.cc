#include "src/process/processor.h"

#include <algorithm>

namespace logstream {
namespace {

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

}  // namespace

Result<std::unique_ptr<Processor>> Processor::Create(Log* log, const ProcessorConfig& config,
                                                     ProcessorOptions options) {
  EngineOptions engine_options;
  engine_options.finite_input = options.exit_when_done;
  ASSIGN_OR_RETURN(std::unique_ptr<WindowEngine> engine, WindowEngine::Create(config, engine_options));

  TopicOptions input;
  input.partitions = options.input_partitions;
  RETURN_IF_ERROR(EnsureExists(log, options.input_topic, input));
  for (const std::string* topic : {&options.aggregates_topic, &options.alerts_topic,
                                   &options.late_topic, &options.dead_letter_topic}) {
    RETURN_IF_ERROR(EnsureExists(log, *topic, TopicOptions{}));
  }
  TopicOptions state;
  state.compacted = true;
  RETURN_IF_ERROR(EnsureExists(log, options.state_topic, state));

  ASSIGN_OR_RETURN(auto entries, log->ReadState(options.state_topic));
  Status restored = engine->RestoreState(entries);
  if (!restored.ok()) return Err(restored.WithContext("restoring " + options.state_topic));

  ASSIGN_OR_RETURN(TopicInfo info, log->DescribeTopic(options.input_topic));
  auto p = std::unique_ptr<Processor>(new Processor(log, std::move(options), std::move(engine)));
  for (int i = 0; i < info.partitions; ++i) {
    ASSIGN_OR_RETURN(int64_t offset, log->CommittedOffset(p->options_.group, info.name, i));
    p->offsets_.push_back(offset);
  }
  p->committed_ = p->offsets_;
  return p;
}

Processor::Processor(Log* log, ProcessorOptions options, std::unique_ptr<WindowEngine> engine)
    : log_(log), options_(std::move(options)), engine_(std::move(engine)) {}

Status Processor::Consume(int partition, const RecordBuffer& entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    auto view = decoder_.DecodeView(entries.value(i));
    if (view) {
      engine_->Feed(*view);
    } else {
      dead_letters_.push_back(DeadLetterJson(options_.input_topic, partition, entries.offset(i),
                                             entries.value(i), view.error().message()));
      counters_.bad_records.fetch_add(1, std::memory_order_relaxed);
    }
    offsets_[partition] = entries.offset(i) + 1;
  }
  uncommitted_records_ += static_cast<int64_t>(entries.size());
  return Status::Ok();
}

void Processor::PublishCounters() {
  const EngineStats& s = engine_->stats();
  counters_.records.store(s.records, std::memory_order_relaxed);
  counters_.windows_closed.store(s.windows_closed, std::memory_order_relaxed);
  counters_.alerts.store(s.alerts, std::memory_order_relaxed);
  counters_.late.store(s.late, std::memory_order_relaxed);
}

Status Processor::Commit() {
  EngineOutputs out = engine_->TakeOutputs();
  auto state = engine_->TakeStateChanges();
  PublishCounters();
  if (out.empty() && state.empty() && dead_letters_.empty() && offsets_ == committed_) {
    return Status::Ok();
  }
  CommittedOutputs lines;
  ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, log_->Begin(options_.transactional_id));
  for (const AggregateRow& row : out.aggregates) {
    std::string json;
    AppendAggregateJson(row, &json);
    RETURN_IF_ERROR(txn->Append(options_.aggregates_topic, row.source, json));
    lines.aggregates.push_back(std::move(json));
  }
  for (const Alert& alert : out.alerts) {
    std::string json;
    AppendAlertJson(alert, &json);
    RETURN_IF_ERROR(txn->Append(options_.alerts_topic, alert.key, json));
    lines.alerts.push_back(std::move(json));
  }
  for (const LogRecord& r : out.late) {
    RETURN_IF_ERROR(txn->Append(options_.late_topic, r.source, RecordToJson(r)));
  }
  for (const std::string& d : dead_letters_) {
    RETURN_IF_ERROR(txn->Append(options_.dead_letter_topic, "", d));
  }
  for (const auto& [key, value] : state) {
    RETURN_IF_ERROR(txn->Put(options_.state_topic, key, value));
  }
  for (size_t p = 0; p < offsets_.size(); ++p) {
    if (offsets_[p] == committed_[p]) continue;
    RETURN_IF_ERROR(txn->CommitOffset(options_.group, options_.input_topic, static_cast<int>(p),
                                      offsets_[p]));
  }
  if (options_.before_commit) RETURN_IF_ERROR(options_.before_commit(*txn, lines));
  RETURN_IF_ERROR(txn->Commit());
  committed_ = offsets_;
  dead_letters_.clear();
  counters_.committed_records.fetch_add(uncommitted_records_, std::memory_order_relaxed);
  uncommitted_records_ = 0;
  counters_.commits.fetch_add(1, std::memory_order_relaxed);
  if (options_.after_commit) options_.after_commit(lines);
  return Status::Ok();
}

// How long --exit-when-done waits for records below a partition's end offset
// before taking the rest for transaction markers (Kafka; KafkaLog itself
// already waits for pending markers to resolve).
constexpr TimeMs kEndOfInputWaitMs = 100;

Status Processor::Run(const std::atomic<bool>* stop) {
  const int partitions = static_cast<int>(offsets_.size());
  TimeMs last_commit = options_.clock();
  TimeMs last_tick = last_commit;
  TimeMs last_commit_took = 0;
  bool reached_end = false;  // since the last commit
  // A read never takes more than a commit's worth of records.
  const size_t read_batch =
      std::min(options_.read_batch, static_cast<size_t>(std::max<int64_t>(options_.commit_records, 1)));
  int wait_partition = 0;
  while (!(stop && stop->load())) {
    size_t got = 0;
    for (int p = 0; p < partitions; ++p) {
      RETURN_IF_ERROR(log_->ReadInto(options_.input_topic, p, offsets_[p], read_batch, 0, &read_buffer_));
      RETURN_IF_ERROR(Consume(p, read_buffer_));
      got += read_buffer_.size();
    }
    const bool caught_up = got == 0;
    reached_end = reached_end || caught_up;
    if (caught_up && options_.exit_when_done) {
      // Done when every partition is read up to its end offset. On Kafka the
      // end offset also counts transaction markers, which are never read: a
      // partition short of its end that still yields nothing after a wait
      // holds only markers there.
      ASSIGN_OR_RETURN(TopicInfo info, log_->DescribeTopic(options_.input_topic));
      bool done = true;
      for (int p = 0; p < partitions && done; ++p) {
        if (p >= static_cast<int>(info.end_offsets.size()) || offsets_[p] >= info.end_offsets[p]) {
          continue;
        }
        RETURN_IF_ERROR(
            log_->ReadInto(options_.input_topic, p, offsets_[p], read_batch, kEndOfInputWaitMs, &read_buffer_));
        RETURN_IF_ERROR(Consume(p, read_buffer_));
        done = read_buffer_.size() == 0;
      }
      if (done) {
        engine_->Finish();
        RETURN_IF_ERROR(Commit());
        PublishCounters();
        return Status::Ok();
      }
    }
    TimeMs now = options_.clock();
    if (!options_.exit_when_done && now - last_tick >= options_.idle_tick_ms) {
      engine_->AdvanceIdle(now, caught_up);
      last_tick = now;
    }
    // Caught up since the last commit: commit every commit_interval_ms, so
    // outputs are seen soon. Working through a backlog: commits also take
    // at most about a tenth of the time (a Kafka commit costs tens of ms).
    const TimeMs interval =
        reached_end ? options_.commit_interval_ms : std::max(options_.commit_interval_ms, 9 * last_commit_took);
    if (uncommitted_records_ >= options_.commit_records || now - last_commit >= interval) {
      RETURN_IF_ERROR(Commit());
      last_commit = options_.clock();
      last_commit_took = last_commit - now;
      reached_end = false;
    } else {
      PublishCounters();
    }
    if (caught_up && !options_.exit_when_done && partitions > 0) {
      // Wait for new records on one partition at a time.
      int p = wait_partition++ % partitions;
      RETURN_IF_ERROR(
          log_->ReadInto(options_.input_topic, p, offsets_[p], read_batch, options_.poll_wait_ms, &read_buffer_));
      RETURN_IF_ERROR(Consume(p, read_buffer_));
    }
  }
  return Commit();
}

}  // namespace logstream
