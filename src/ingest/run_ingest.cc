// RunIngest: the loop from an event source to the Ingester, with retries,
// acknowledgements and per-source key order.
#include <algorithm>
#include <chrono>
#include <deque>
#include <iostream>
#include <map>
#include <thread>

#include "src/base/backoff.h"
#include "src/ingest/ingester.h"
#include "src/metrics/health.h"
#include "src/metrics/metrics.h"

namespace logstream {

void OrderEachSourceByKey(std::vector<ObjectEvent>* events) {
  std::map<std::string, std::vector<size_t>> slots;  // source -> its events' positions
  for (size_t i = 0; i < events->size(); ++i) slots[SourceFromKey((*events)[i].key, "")].push_back(i);
  for (const auto& [source, at] : slots) {
    if (at.size() < 2) continue;
    std::vector<ObjectEvent> mine;
    mine.reserve(at.size());
    for (size_t i : at) mine.push_back(std::move((*events)[i]));
    std::stable_sort(mine.begin(), mine.end(),
                     [](const ObjectEvent& a, const ObjectEvent& b) { return a.key < b.key; });
    for (size_t k = 0; k < at.size(); ++k) (*events)[at[k]] = std::move(mine[k]);
  }
}

Status RunIngest(EventSource& source, Ingester& ingester, const std::atomic<bool>& stop,
                 TimeMs give_up_after_ms, std::atomic<uint64_t>* queued) {
  static auto& retries = metrics::Default().CounterFamily(
      "logstream_ingest_retries_total",
      "failed steps retried after a backoff: reading an object (store or log) or committing", {"step"});
  // Progress is a poll its source answered, an object added or a commit.
  metrics::Heartbeat progress = metrics::DefaultHealth().Register("ingest");
  std::deque<ObjectEvent> todo;
  TimeMs failing_since = 0;  // first failure since the last commit
  // Waits of 100 ms to 10 s, doubling with each failure, plus up to as much
  // again of jitter.
  const BackoffPolicy backoff{.initial = 200, .max = 20000, .min_fraction = 0.5};
  int failures = 0;  // since the last commit
  auto ack = [&]() -> Status {
    for (const ObjectEvent& e : ingester.TakeCommitted()) RETURN_IF_ERROR(source.Ack(e));
    return Status::Ok();
  };
  // Events of an aborted transaction go back to the front of the queue.
  auto requeue = [&] {
    std::vector<ObjectEvent> again = ingester.TakeUncommitted();
    todo.insert(todo.begin(), again.begin(), again.end());
  };
  // Commits what the open transaction holds.
  auto flush = [&]() -> Status {
    if (ingester.uncommitted() == 0) return Status::Ok();
    Status s = ingester.Flush();
    if (!s.ok()) {
      requeue();
      return s;
    }
    failures = 0;
    return ack();
  };
  // Ends with `error`: what is complete is committed; the events not
  // acknowledged are abandoned, so that the source delivers them again later.
  auto give_up = [&](const Status& error) -> Status {
    Status s = flush();
    for (const ObjectEvent& e : todo) source.Abandon(e);
    todo.clear();
    ingester.DropPrefetched();
    return error.ok() ? s : error;
  };
  // After an error: `failed` (if an Add failed) and the events of an aborted
  // transaction go back to the queue, an intact open transaction is
  // committed; Unavailable errors are retried with backoff.
  auto retry = [&](const Status& error, const ObjectEvent* failed) -> Status {
    if (failed) todo.push_front(*failed);
    requeue();
    Status flushed = flush();
    if (error.code() != StatusCode::kUnavailable || stop.load()) {
      return give_up(failed ? error.WithContext("ingesting " + failed->key) : error.WithContext("committing"));
    }
    if (!flushed.ok() && flushed.code() != StatusCode::kUnavailable) return give_up(flushed);
    if (failures == 0) failing_since = NowMs();
    if (give_up_after_ms > 0 && NowMs() - failing_since >= give_up_after_ms) {
      return give_up(error.WithContext("giving up after " + FormatDuration(NowMs() - failing_since) +
                                       " of retries"));
    }
    retries.With({failed ? "object" : "commit"}).Add();
    const TimeMs wait = RandomBackoffDelay(backoff, ++failures);
    std::cerr << "logstream: ingest: " << error.message() << " (retrying in " << wait << " ms)\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    return Status::Ok();
  };
  // A batch of events already polled is finished even after *stop.
  while (!stop.load() || !todo.empty()) {
    if (todo.empty()) {
      // Commit once no event is waiting.
      const bool open = ingester.uncommitted() > 0;
      if (!open && source.Done()) return Status::Ok();
      auto events = source.Poll(open ? 0 : 200);
      if (!events) return give_up(events.error());
      if (!source.Failing()) {
        progress.Beat();
        metrics::DefaultHealth().MarkReady("store");
      }
      if (events->empty()) {
        if (Status s = flush(); !s.ok()) RETURN_IF_ERROR(retry(s, nullptr));
        continue;
      }
      OrderEachSourceByKey(&*events);  // the EventSource contract, whatever the sender's order
      todo.assign(events->begin(), events->end());
    }
    ObjectEvent e = std::move(todo.front());
    todo.pop_front();
    // The next objects are read while this one is parsed.
    ingester.PrefetchNext(todo);
    if (queued) queued->store(todo.size() + 1 + source.Backlog() + ingester.uncommitted(), std::memory_order_relaxed);
    auto r = ingester.Add(e);
    if (!r) {
      RETURN_IF_ERROR(retry(r.error(), &e));
      continue;
    }
    progress.Beat();
    RETURN_IF_ERROR(ack());  // a chunk commit inside Add committed the events before it
    if (ingester.FlushDue()) {
      if (Status s = flush(); !s.ok()) RETURN_IF_ERROR(retry(s, nullptr));
    }
  }
  // Stopped: commit what is complete.
  return give_up(Status::Ok());
}

}  // namespace logstream
