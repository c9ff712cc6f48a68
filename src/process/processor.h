// Processor: drives a WindowEngine over the Log. Consumes the `logs` topic
// (all partitions) as a consumer group from its committed offsets and commits,
// in ONE transaction each time, the aggregate rows (topic `aggregates`), alerts
// (`alerts`), late records (`late`), undecodable records (`dead-letter`), the
// engine's changed state entries (compacted topic `processor-state`) and the
// input offsets. On start it restores the engine from the state topic, so
// after a kill -9 and a restart every window is emitted exactly once and no
// alert twice.
//
// Ownership: the Processor borrows the Log, which must outlive it. Run() is
// called by one thread at a time; counters() may be read from any thread.
// After Run returns an error the engine may be ahead of the log: discard the
// Processor and create a new one (it restores from the log).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/log/log.h"
#include "src/process/config.h"
#include "src/process/window_engine.h"
#include "src/record/json.h"

namespace logstream {

// The JSON lines (no newline) of one commit.
struct CommittedOutputs {
  std::vector<std::string> aggregates;
  std::vector<std::string> alerts;
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

  // Commit at least every commit_interval_ms while input flows (a backlog
  // stretches it so that commits take about a tenth of the time), or after
  // commit_records records. ProcessorConfig's commit_interval/commit_records.
  TimeMs commit_interval_ms = 100;
  int64_t commit_records = 1000000;
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
  // Creates missing output topics, restores the engine state and reads the
  // group's committed offsets.
  static Result<std::unique_ptr<Processor>> Create(Log* log, const ProcessorConfig& config,
                                                   ProcessorOptions options = {});

  // Runs until *stop becomes true (then commits what it has and returns OK)
  // or, with exit_when_done, until the input is consumed.
  Status Run(const std::atomic<bool>* stop = nullptr);

  const ProcessorCounters& counters() const { return counters_; }

 private:
  Processor(Log* log, ProcessorOptions options, std::unique_ptr<WindowEngine> engine);
  Status Consume(int partition, const RecordBuffer& entries);
  Status Commit();
  void PublishCounters();

  Log* log_;
  ProcessorOptions options_;
  std::unique_ptr<WindowEngine> engine_;
  RecordDecoder decoder_;
  RecordBuffer read_buffer_;        // reused by every read
  std::vector<int64_t> offsets_;    // next offset per input partition
  std::vector<int64_t> committed_;  // offsets in the last commit
  std::vector<std::string> dead_letters_;  // pending dead-letter values
  int64_t uncommitted_records_ = 0;
  ProcessorCounters counters_;
};

}  // namespace logstream
