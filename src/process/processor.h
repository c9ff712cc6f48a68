// Processor: drives WindowEngines over the Log. It is a member of the
// consumer group `processor` (Log::Subscribe) over the `logs` topic and the
// one-partition internal topic `rule-partials`; processors in one group split
// the partitions. Each assigned `logs` partition has its own WindowEngine
// (a source lives in one partition, key = source), restored from the state
// topic when the partition is assigned, so a partition's windows move with
// it. In ONE transaction each time it commits the aggregate rows (topic
// `aggregates`), alerts (`alerts`), late records (`late`), undecodable
// records (`dead-letter`), the engines' changed state entries (compacted
// topic `processor-state`, keys "p<PARTITION>/..."), and the offsets of
// every assigned partition; before a partition is handed over (revoked) its
// progress is committed. So after a kill -9 and a restart, or a rebalance,
// every window is emitted exactly once and no alert twice.
//
// per = "all" rules count across all sources, which no processor of several
// sees: each engine hands its counts per (rule, window) out (AllPartials),
// and the processor appends them, in the same transaction, to `rule-partials`.
// Whoever owns `rule-partials` sums them (AllRulesAggregator, state keys
// "all/...") and fires each (rule, window) once. One processor alone takes
// the same path and fires the same alert ids as one engine over everything.
//
// Fencing: every transaction commits the offsets of all assigned partitions
// with the member's group generation (Kafka), so a processor that lost its
// partitions without noticing (a zombie) cannot commit: the transaction
// fails with kAborted, and the processor drops its uncommitted progress,
// restores its partitions from the log and polls the group again. Processors
// of one group need distinct transactional ids (`--instance`).
//
// --exit-when-done: a processor finishes its partitions when it has read
// them to the end (state entry "p<N>/finished" = the end offset, committed
// with that offset), and exits once every partition of `logs` is finished
// at the group's committed offset and `rule-partials` is committed to its
// end (so the last per-all partials are summed before anyone exits).
//
// Ownership: the Processor borrows the Log, which must outlive it. Run() is
// called by one thread at a time; counters() may be read from any thread.
// After Run returns an error the engine may be ahead of the log: discard the
// Processor and create a new one (it restores from the log).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/log/log.h"
#include "src/process/config.h"
#include "src/process/all_rules_aggregator.h"
#include "src/process/window_engine.h"
#include "src/record/json.h"

namespace logstream {

// The JSON lines (no newline) of one commit.
struct CommittedOutputs {
  std::vector<std::string> aggregates;
  std::vector<std::string> alerts;
  std::vector<std::string> templates;
};

struct ProcessorOptions {
  std::string input_topic = "logs";
  int input_partitions = 1;  // used only to create the input topic if it does not exist
  std::string group = "processor";
  std::string transactional_id = "processor";
  std::string aggregates_topic = "aggregates";
  std::string alerts_topic = "alerts";
  std::string late_topic = "late";
  std::string dead_letter_topic = "dead-letter";
  std::string state_topic = "processor-state";
  std::string partials_topic = "rule-partials";  // per = "all" counts, one partition
  std::string templates_topic = "templates";     // template counts per closed window and source
  // Log templates (window_engine.h EngineOptions::templates); none: off.
  std::optional<TemplateOptions> templates;
  // Kafka: transaction.timeout.ms of the processor's transactions, which
  // bounds how long a killed processor's open transaction holds back the
  // member taking over its partitions.
  TimeMs transaction_timeout_ms = 10000;

  // Commit at least every commit_interval_ms while input flows (a backlog
  // stretches it so that commits take about a tenth of the time), or after
  // commit_records records. ProcessorConfig's commit_interval/commit_records.
  TimeMs commit_interval_ms = 100;
  int64_t commit_records = 1000000;
  // ... or as soon as this many output rows wait (a record counted in many
  // sliding windows closes many), which bounds a commit's size, the memory
  // held for it and how long a stop's last commit takes.
  size_t commit_outputs = 100000;
  size_t read_batch = 32768;        // records per Read per partition
  TimeMs poll_wait_ms = 50;         // how long a caught-up consumer waits for new records
  TimeMs idle_tick_ms = 100;        // how often idleness is checked (streaming only)

  // --exit-when-done: consume until every partition reaches its end offset,
  // then Finish() (watermark +infinity), commit and return. Idleness is off.
  bool exit_when_done = false;

  // Processing time; tests inject a fake clock.
  std::function<TimeMs()> clock = NowMs;

  // Called inside each transaction just before Commit with that commit's
  // outputs; may add its own writes to the transaction (e.g. the lengths of
  // exactly-once file sinks, after writing and syncing the files). An error
  // aborts the transaction and Run returns it.
  std::function<Status(Transaction&, const CommittedOutputs&)> before_commit;
  // Called after each successful commit with that commit's outputs.
  std::function<void(const CommittedOutputs&)> after_commit;
  // Called when the group changed this processor's partitions, with the
  // partitions it owns now (restored, revoked ones committed).
  std::function<void(const std::vector<TopicPartition>& owned)> on_rebalance;
};

// Totals of this run, readable from any thread (relaxed loads).
struct ProcessorCounters {
  std::atomic<int64_t> records{0};         // records fed to the engine (late included)
  std::atomic<int64_t> windows_closed{0};  // (window, source) cells emitted
  std::atomic<int64_t> alerts{0};
  std::atomic<int64_t> late{0};
  std::atomic<int64_t> bad_records{0};     // undecodable, sent to dead-letter
  std::atomic<int64_t> commits{0};
  std::atomic<int64_t> committed_records{0};  // input records covered by commits
};

class Processor {
 public:
  // Creates missing topics and joins the group. Partitions are restored
  // when Run is assigned them.
  static Result<std::unique_ptr<Processor>> Create(Log* log, const ProcessorConfig& config,
                                                   ProcessorOptions options = {});

  // Runs until *stop becomes true (then commits what it has and returns OK)
  // or, with exit_when_done, until the input is consumed.
  Status Run(const std::atomic<bool>* stop = nullptr);

  const ProcessorCounters& counters() const { return counters_; }

  // The `logs` partitions this processor owns now (for tests).
  std::vector<int> partitions() const;

 private:
  // An assigned `logs` partition.
  struct Part {
    std::unique_ptr<WindowEngine> engine;
    int64_t offset = 0;     // next to read
    int64_t committed = 0;  // in the last commit
    bool finished = false;  // exit_when_done: read to its end, Finish()ed
    bool finish_pending = false;  // the "finished" state entry is not committed yet
    std::optional<TimeMs> sent_mark;  // per-all mark last sent to rule-partials
    std::vector<std::string> dead_letters;  // pending dead-letter values
    bool backlog = false;    // streaming: see Commit (assigned partitions start in one)
    bool full_read = false;  // its last read took all it asked for
    bool at_end = false;     // its last read found nothing
    TimeMs last_append = 0;  // append time of the last record read (alert latency)
  };

  Processor(Log* log, const ProcessorConfig& config, ProcessorOptions options);
  Status Loop(const std::atomic<bool>* stop);
  // Polls the group: restores assigned partitions, commits and drops revoked ones.
  Status PollGroup(TimeMs wait);
  Status HandleChange(const AssignmentChange& change);
  Status Assign(const std::vector<TopicPartition>& partitions);
  // Drops all progress not committed and restores every owned partition.
  Status Reset();
  Status Consume(int partition, Part& part, const RecordBuffer& entries);
  Status ConsumePartials(const RecordBuffer& entries);
  Status Commit();
  // exit_when_done: finishes owned partitions read to their end, commits, and
  // says whether the group has consumed everything.
  Result<bool> Done();
  Result<bool> AtEnd(const std::string& topic, int partition, int64_t offset);
  void PublishCounters();
  // Metrics of what the last commit wrote, and (at most once a second) the
  // engines' gauges and the lag of each partition.
  void PublishMetrics(const CommittedOutputs& lines, const std::vector<const Alert*>& alerts,
                      TimeMs newest_append);
  void PublishGauges();

  Log* log_;
  ProcessorConfig config_;
  ProcessorOptions options_;
  bool has_all_rules_;  // any per = "all" rule (then a commit checks the backlog)
  size_t read_batch_;   // records per read
  EngineOptions engine_options_;
  std::unique_ptr<Subscription> subscription_;
  std::map<int, Part> parts_;
  // Set while this processor owns `rule-partials`.
  std::unique_ptr<AllRulesAggregator> aggregator_;
  int64_t partials_offset_ = 0, partials_committed_ = 0;
  int64_t late_published_ = 0;  // EngineStats::late already counted in metrics
  TimeMs gauges_published_ = 0;
  RecordDecoder decoder_;
  RecordBuffer read_buffer_;  // reused by every read
  int64_t uncommitted_records_ = 0;
  EngineStats retired_;       // totals of engines dropped (revoked, reset)
  int64_t retired_alerts_ = 0;
  size_t wait_index_ = 0;
  ProcessorCounters counters_;
};

}  // namespace logstream
