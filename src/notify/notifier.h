// Notifier: delivers the alerts of topic `alerts` to the configured sinks.
//
// It consumes `alerts` as consumer group `notifier` (its own offsets). Each
// alert goes to the sinks of its rule (all sinks when the rule names none).
// Every sink has its own worker thread and queue, so a slow or failing sink
// never holds up the others. A delivery answered RETRY is tried again after
// an exponential backoff with jitter; an alert still failing after the
// sink's max_attempts or max_age, or answered ERROR, is parked in topic
// `alerts-undelivered` with the sink and the reason.
//
// Guarantees (DESIGN.md "notify"): at least once per sink. Each confirmed
// delivery (or parking) is recorded in state topic `notify-state` under
// "SINK/ALERT-ID", so a restart never re-sends an alert a sink has
// confirmed; a crash between a send and that record re-sends it once, with
// the same alert id (mail Message-ID, webhook X-Logstream-Alert-Id). The
// group offset advances only past alerts that every target sink has
// delivered or parked.
//
// Thread-safety: Run is called by one thread at a time; counters() may be
// read from any thread. The Log must outlive the Notifier.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "src/base/status.h"
#include "src/log/log.h"
#include "src/notify/sink.h"
#include "src/notify/sink_config.h"

namespace logstream {

struct NotifierOptions {
  std::string alerts_topic = "alerts";
  std::string undelivered_topic = "alerts-undelivered";
  std::string state_topic = "notify-state";
  std::string group = "notifier";
  size_t max_in_flight = 1000;  // alerts read but not finished by every sink
  TimeMs poll_wait = 100;       // how long one read waits for new alerts
  uint64_t jitter_seed = 0;     // 0: from the clock
  // Retries, parking and errors as one readable line each (nullptr: quiet).
  std::function<void(std::string_view line)> on_event;
};

struct NotifierSink {
  std::string name;
  std::unique_ptr<Sink> sink;
  RetryPolicy retry;
};

struct NotifierCounters {
  std::atomic<int64_t> alerts{0};     // alerts read from the topic
  std::atomic<int64_t> delivered{0};  // (alert, sink) deliveries confirmed
  std::atomic<int64_t> skipped{0};    // (alert, sink) already confirmed before a restart
  std::atomic<int64_t> retries{0};    // failed attempts that were retried
  std::atomic<int64_t> parked{0};     // (alert, sink) parked in alerts-undelivered
};

// Rule name -> the names of its sinks (absent or empty: every sink).
using RuleSinks = std::map<std::string, std::vector<std::string>, std::less<>>;

// A clearly marked test alert (rule "test", id "test/logstream-notify-test/TIME").
std::string TestAlertJson(TimeMs now);

class Notifier {
 public:
  // InvalidArgument when a rule names a sink that does not exist.
  static Result<std::unique_ptr<Notifier>> Create(Log* log, std::vector<NotifierSink> sinks,
                                                  RuleSinks rule_sinks,
                                                  NotifierOptions options = {});
  // Builds the sinks of `sinks` (MakeSink; kafka sinks default to `log`).
  static Result<std::unique_ptr<Notifier>> FromConfig(Log* log,
                                                      const std::vector<SinkConfig>& sinks,
                                                      RuleSinks rule_sinks,
                                                      NotifierOptions options = {});
  ~Notifier();

  // Delivers alerts until *stop becomes true (then returns promptly, OK;
  // alerts not yet confirmed are delivered after a restart), or, once *drain
  // becomes true (if given), until every alert in the topic at that moment is
  // delivered or parked and the offsets are committed. Errors of the log end it.
  Status Run(const std::atomic<bool>* stop, const std::atomic<bool>* drain = nullptr);

  const NotifierCounters& counters() const { return counters_; }

 private:
  struct Item;
  struct Worker;
  Notifier(Log* log, NotifierOptions options);
  Status Dispatch(int partition, int64_t offset, std::string_view json);
  Status CommitDone();
  void WorkerLoop(Worker& w);
  bool Process(Worker& w, Item& item);  // false when halted before finishing
  Status Park(const std::string& sink, const std::string& key, std::string_view json,
              std::string_view reason, int attempts, bool raw);
  void Event(const std::string& line);
  void SetFatal(const Status& s);

  Log* log_;
  NotifierOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::map<std::string, std::vector<size_t>, std::less<>> rule_targets_;
  NotifierCounters counters_;

  // Used by Run's thread only.
  std::vector<std::deque<std::shared_ptr<Item>>> pending_;  // per partition, in offset order
  std::vector<int64_t> next_;       // next offset to read, per partition
  std::vector<int64_t> committed_;  // committed group offset, per partition
  size_t in_flight_ = 0;

  std::atomic<bool> halt_{false};  // tells the workers to stop
  std::mutex mu_;                  // guards fatal_; with done_ signals finished items
  std::condition_variable done_;
  Status fatal_;
};

}  // namespace logstream
