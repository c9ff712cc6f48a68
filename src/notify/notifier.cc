#include "src/notify/notifier.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "src/base/backoff.h"
#include "src/metrics/health.h"
#include "src/metrics/metrics.h"
#include "src/notify/alert_text.h"
#include "src/record/json.h"

namespace logstream {
namespace {

// The notifier's metrics (metrics.h), declared once, per sink.
struct NotifyMetrics {
  metrics::Registry& r = metrics::Default();
  metrics::Family<metrics::Counter>& delivered =
      r.CounterFamily("logstream_notify_alerts_delivered_total", "alerts delivered, by sink", {"sink"});
  metrics::Family<metrics::Counter>& failed = r.CounterFamily(
      "logstream_notify_alerts_failed_total", "delivery attempts that failed (retried or parked), by sink", {"sink"});
  metrics::Family<metrics::Counter>& retried =
      r.CounterFamily("logstream_notify_alerts_retried_total", "failed deliveries retried, by sink", {"sink"});
  metrics::Family<metrics::Counter>& parked = r.CounterFamily(
      "logstream_notify_alerts_parked_total", "alerts given up on and parked in alerts-undelivered, by sink", {"sink"});
  metrics::Family<metrics::Histogram>& seconds = r.HistogramFamily(
      "logstream_notify_delivery_duration_seconds", "time of one delivery attempt, by sink", {"sink"});
  static NotifyMetrics& Get() {
    static NotifyMetrics m;
    return m;
  }
};


Status EnsureExists(Log* log, const std::string& topic, const TopicOptions& options) {
  auto info = log->DescribeTopic(topic);
  if (info) return Status::Ok();
  if (info.error().code() != StatusCode::kNotFound) return info.error();
  return log->EnsureTopic(topic, options);
}

}  // namespace

struct Notifier::Item {
  int partition = 0;
  int64_t offset = 0;
  std::string id;
  std::string json;
  std::atomic<int> remaining{0};  // target sinks not yet finished
};

struct Notifier::Worker {
  NotifierSink s;
  std::mt19937_64 rng;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Item>> queue;  // guarded by mu
};

std::string TestAlertJson(TimeMs now) {
  const std::string start = FormatRfc3339Ms(now - now % 10000);
  const std::string end = FormatRfc3339Ms(now - now % 10000 + 10000);
  std::string s = "{\"id\":";
  AppendJsonString("test/logstream-notify-test/" + start, &s);
  s += ",\"rule\":\"test\",\"key\":\"logstream-notify-test\",\"window_start\":\"" + start +
       "\",\"window_end\":\"" + end +
       "\",\"count\":1,\"threshold\":1,\"test\":true,\"samples\":[{\"object\":"
       "\"logstream-notify-test\",\"offset\":0,\"time\":\"" +
       FormatRfc3339Ms(now) +
       "\",\"level\":\"INFO\",\"message\":\"TEST ALERT from `logstream notify test`: "
       "this sink works; no action needed\"}]}";
  return s;
}

Notifier::Notifier(Log* log, NotifierOptions options) : log_(log), options_(std::move(options)) {}

Notifier::~Notifier() {
  halt_.store(true);
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
    }
    w->cv.notify_all();
    if (w->thread.joinable()) w->thread.join();
  }
}

Result<std::unique_ptr<Notifier>> Notifier::Create(Log* log, std::vector<NotifierSink> sinks,
                                                   RuleSinks rule_sinks, NotifierOptions options) {
  std::unique_ptr<Notifier> n(new Notifier(log, std::move(options)));
  uint64_t seed = n->options_.jitter_seed != 0
                      ? n->options_.jitter_seed
                      : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (NotifierSink& s : sinks) {
    auto w = std::make_unique<Worker>();
    w->s = std::move(s);
    w->rng.seed(seed + n->workers_.size());
    n->workers_.push_back(std::move(w));
  }
  for (const auto& [rule, names] : rule_sinks) {
    std::vector<size_t>& targets = n->rule_targets_[rule];
    for (const std::string& name : names) {
      auto it = std::find_if(n->workers_.begin(), n->workers_.end(),
                             [&](const auto& w) { return w->s.name == name; });
      if (it == n->workers_.end()) {
        return Err(InvalidArgument("rule '" + rule + "' names sink '" + name +
                                   "', which is not configured ([[sinks]] name)"));
      }
      targets.push_back(static_cast<size_t>(it - n->workers_.begin()));
    }
  }
  return n;
}

Result<std::unique_ptr<Notifier>> Notifier::FromConfig(Log* log,
                                                       const std::vector<SinkConfig>& configs,
                                                       RuleSinks rule_sinks,
                                                       NotifierOptions options) {
  std::vector<NotifierSink> sinks;
  SinkContext context{log};
  for (const SinkConfig& c : configs) {
    ASSIGN_OR_RETURN(std::unique_ptr<Sink> sink, MakeSink(c, context));
    sinks.push_back({c.name, std::move(sink), c.retry});
  }
  return Create(log, std::move(sinks), std::move(rule_sinks), std::move(options));
}

void Notifier::Event(const std::string& line) {
  if (options_.on_event) options_.on_event(line);
}

void Notifier::SetFatal(const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fatal_.ok()) fatal_ = s;
  done_.notify_all();
}

Status Notifier::Park(const std::string& sink, const std::string& key, std::string_view json,
                      std::string_view reason, int attempts, bool raw) {
  std::string v = "{\"id\":";
  AppendJsonString(key.substr(key.find('/') + 1), &v);
  v += ",\"sink\":";
  AppendJsonString(sink, &v);
  v += ",\"reason\":";
  AppendJsonString(reason, &v);
  v += ",\"attempts\":" + std::to_string(attempts) + ",\"time\":\"" + FormatRfc3339Ms(NowMs()) +
       "\",\"alert\":";
  if (raw) {
    v += json;
  } else {
    AppendJsonString(json, &v);
  }
  v += "}";
  ASSIGN_OR_RETURN(auto txn, log_->Begin("notifier-" + sink));
  RETURN_IF_ERROR(txn->Append(options_.undelivered_topic, key, v));
  if (raw) RETURN_IF_ERROR(txn->Put(options_.state_topic, key, "parked"));
  RETURN_IF_ERROR(txn->Commit());
  counters_.parked.fetch_add(1);
  NotifyMetrics::Get().parked.With({sink}).Add();
  Event("notify: parked " + key + " in " + options_.undelivered_topic + ": " + std::string(reason));
  return Status::Ok();
}

bool Notifier::Process(Worker& w, Item& item) {
  const std::string key = w.s.name + "/" + item.id;
  const TimeMs first = NowMs();
  for (int attempt = 1;; ++attempt) {
    NotifyMetrics& m = NotifyMetrics::Get();
    const auto started = std::chrono::steady_clock::now();
    Delivery d = w.s.sink->Deliver(item.json);
    m.seconds.With({w.s.name}).Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!d.ok()) m.failed.With({w.s.name}).Add();
    if (d.ok()) {
      Status s = [&]() -> Status {
        ASSIGN_OR_RETURN(auto txn, log_->Begin("notifier-" + w.s.name));
        RETURN_IF_ERROR(txn->Put(options_.state_topic, key, "delivered"));
        return txn->Commit();
      }();
      if (!s.ok()) {
        SetFatal(s.WithContext("recording delivery of " + key));
        return false;
      }
      counters_.delivered.fetch_add(1);
      m.delivered.With({w.s.name}).Add();
      return true;
    }
    const TimeMs age = NowMs() - first;
    if (d.code == Delivery::Code::kRetry && attempt < w.s.retry.max_attempts &&
        age < w.s.retry.max_age) {
      counters_.retries.fetch_add(1);
      m.retried.With({w.s.name}).Add();
      std::uniform_real_distribution<double> u(0.0, 1.0);
      // Delays from backoff to max_backoff, at least half of each (jitter,
      // so that retries of many notifiers spread out).
      const BackoffPolicy backoff{w.s.retry.backoff, w.s.retry.max_backoff, 0.5};
      TimeMs delay = BackoffDelay(backoff, attempt, u(w.rng));
      Event("notify: sink '" + w.s.name + "' alert " + item.id + ": attempt " +
            std::to_string(attempt) + " failed (" + d.reason + "); retrying in " +
            FormatDuration(delay));
      std::unique_lock<std::mutex> lock(w.mu);
      if (w.cv.wait_for(lock, std::chrono::milliseconds(delay), [&] { return halt_.load(); })) {
        return false;
      }
      continue;
    }
    std::string reason =
        d.code == Delivery::Code::kError
            ? "rejected: " + d.reason
            : "gave up after " + std::to_string(attempt) + " attempts in " + FormatDuration(age) +
                  ": " + d.reason;
    if (Status s = Park(w.s.name, key, item.json, reason, attempt, true); !s.ok()) {
      SetFatal(s.WithContext("parking " + key));
      return false;
    }
    return true;
  }
}

void Notifier::WorkerLoop(Worker& w) {
  while (true) {
    std::shared_ptr<Item> item;
    {
      std::unique_lock<std::mutex> lock(w.mu);
      w.cv.wait(lock, [&] { return halt_.load() || !w.queue.empty(); });
      if (halt_.load()) return;
      item = w.queue.front();
    }
    if (!Process(w, *item)) return;
    {
      std::lock_guard<std::mutex> lock(w.mu);
      w.queue.pop_front();
    }
    item->remaining.fetch_sub(1);
    std::lock_guard<std::mutex> lock(mu_);
    done_.notify_all();
  }
}

Status Notifier::Dispatch(int partition, int64_t offset, std::string_view json) {
  counters_.alerts.fetch_add(1);
  auto item = std::make_shared<Item>();
  item->partition = partition;
  item->offset = offset;
  item->json = json;
  pending_[partition].push_back(item);
  ++in_flight_;
  auto alert = ParseAlert(json);
  if (!alert) {  // never silently dropped
    return Park("*", "*/" + std::to_string(partition) + "-" + std::to_string(offset), json,
                "undecodable alert: " + alert.error().message(), 0, false);
  }
  item->id = alert->id;
  std::vector<size_t> all;
  const std::vector<size_t>* targets = &all;
  if (auto it = rule_targets_.find(alert->rule); it != rule_targets_.end() && !it->second.empty()) {
    targets = &it->second;
  } else {
    for (size_t i = 0; i < workers_.size(); ++i) all.push_back(i);
  }
  std::vector<size_t> todo;
  for (size_t i : *targets) {
    ASSIGN_OR_RETURN(auto done, log_->GetState(options_.state_topic, workers_[i]->s.name + "/" + item->id));
    if (done) {
      counters_.skipped.fetch_add(1);
    } else {
      todo.push_back(i);
    }
  }
  item->remaining.store(static_cast<int>(todo.size()));
  for (size_t i : todo) {
    Worker& w = *workers_[i];
    std::lock_guard<std::mutex> lock(w.mu);
    w.queue.push_back(item);
    w.cv.notify_all();
  }
  return Status::Ok();
}

Status Notifier::CommitDone() {
  std::unique_ptr<Transaction> txn;
  for (size_t p = 0; p < pending_.size(); ++p) {
    int64_t next = committed_[p];
    auto& q = pending_[p];
    while (!q.empty() && q.front()->remaining.load() == 0) {
      next = q.front()->offset + 1;
      q.pop_front();
      --in_flight_;
    }
    if (next == committed_[p]) continue;
    if (!txn) {
      ASSIGN_OR_RETURN(txn, log_->Begin("notifier"));
    }
    RETURN_IF_ERROR(txn->CommitOffset(options_.group, options_.alerts_topic, static_cast<int>(p), next));
    committed_[p] = next;
  }
  if (txn) RETURN_IF_ERROR(txn->Commit());
  return Status::Ok();
}

Status Notifier::Run(const std::atomic<bool>* stop, const std::atomic<bool>* drain) {
  RETURN_IF_ERROR(EnsureExists(log_, options_.alerts_topic, TopicOptions{}));
  RETURN_IF_ERROR(EnsureExists(log_, options_.undelivered_topic, TopicOptions{}));
  TopicOptions state;
  state.compacted = true;
  RETURN_IF_ERROR(EnsureExists(log_, options_.state_topic, state));
  ASSIGN_OR_RETURN(TopicInfo info, log_->DescribeTopic(options_.alerts_topic));
  const int partitions = info.partitions;
  pending_.assign(partitions, {});
  next_.assign(partitions, 0);
  committed_.assign(partitions, 0);
  in_flight_ = 0;
  for (int p = 0; p < partitions; ++p) {
    ASSIGN_OR_RETURN(committed_[p], log_->CommittedOffset(options_.group, options_.alerts_topic, p));
    next_[p] = committed_[p];
  }
  halt_.store(false);
  for (auto& w : workers_) {
    w->queue.clear();
    w->thread = std::thread([this, &w] { WorkerLoop(*w); });
  }
  std::vector<int64_t> drain_end;
  RecordBuffer records;
  Status status;
  metrics::Heartbeat progress = metrics::DefaultHealth().Register("notify");
  metrics::DefaultHealth().MarkReady("broker");  // it answered the reads of the offsets
  while (status.ok() && !stop->load()) {
    progress.Beat();  // a read of the alerts topic answered
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!fatal_.ok()) break;
    }
    if (drain != nullptr && drain->load() && drain_end.empty()) {
      ASSIGN_OR_RETURN(TopicInfo end, log_->DescribeTopic(options_.alerts_topic));
      drain_end = end.end_offsets;
    }
    size_t read = 0;
    std::vector<bool> empty(partitions, false);  // read at next_ and found nothing
    for (int p = 0; p < partitions && status.ok() && in_flight_ < options_.max_in_flight; ++p) {
      const bool idle = in_flight_ == 0 && partitions == 1 && drain_end.empty();
      status = log_->ReadInto(options_.alerts_topic, p, next_[p], options_.max_in_flight - in_flight_,
                              idle ? options_.poll_wait : 0, &records);
      for (size_t i = 0; status.ok() && i < records.size(); ++i) {
        status = Dispatch(p, records.offset(i), records.value(i));
        next_[p] = records.offset(i) + 1;
        ++read;
      }
      empty[p] = status.ok() && records.empty();
    }
    if (!status.ok()) break;
    status = CommitDone();
    if (!status.ok()) break;
    if (!drain_end.empty() && in_flight_ == 0) {
      bool done = true;
      // On Kafka the end offset also counts transaction markers, which are
      // never read: a partition short of it that yields nothing is done.
      for (int p = 0; p < partitions; ++p) {
        done = done && (committed_[p] >= drain_end[p] || (empty[p] && committed_[p] == next_[p]));
      }
      if (done) break;
    }
    if (read == 0 && (in_flight_ > 0 || partitions > 1 || !drain_end.empty())) {
      std::unique_lock<std::mutex> lock(mu_);
      done_.wait_for(lock, std::chrono::milliseconds(in_flight_ > 0 ? options_.poll_wait : 20));
    }
  }
  halt_.store(true);
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
    }
    w->cv.notify_all();
    if (w->thread.joinable()) w->thread.join();
  }
  if (status.ok()) status = CommitDone();
  std::lock_guard<std::mutex> lock(mu_);
  if (!fatal_.ok()) return fatal_;
  return status;
}

}  // namespace logstream
