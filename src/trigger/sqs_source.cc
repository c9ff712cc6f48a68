#include "src/trigger/sqs_source.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace logstream {
namespace {

std::string EventId(const ObjectEvent& e) { return e.key + '\n' + e.etag; }

}  // namespace

Result<std::unique_ptr<SqsSource>> SqsSource::Open(SqsSourceOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<aws::SqsClient> client,
                   aws::SqsClient::Create(options.queue_url, options.sqs));
  return Open(std::move(options), std::move(client));
}

Result<std::unique_ptr<SqsSource>> SqsSource::Open(SqsSourceOptions options,
                                                   std::unique_ptr<aws::SqsQueue> queue) {
  if (options.visibility_s < 2) return Err(InvalidArgument("SQS visibility timeout must be at least 2 s"));
  if (!options.now) options.now = NowMs;
  while (options.prefix.ends_with('/')) options.prefix.pop_back();
  return std::unique_ptr<SqsSource>(new SqsSource(std::move(options), std::move(queue)));
}

SqsSource::SqsSource(SqsSourceOptions options, std::unique_ptr<aws::SqsQueue> queue)
    : options_(std::move(options)), queue_(std::move(queue)), keeper_([this] { KeepVisible(); }) {}

SqsSource::~SqsSource() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  keeper_.join();
}

SqsSource::Stats SqsSource::stats() const {
  Stats s = stats_;
  s.extended = extended_.load();
  s.extend_failures = extend_failures_.load();
  return s;
}

bool SqsSource::Done() const {
  if (!options_.exit_when_empty || !saw_empty_ || !pending_.empty()) return false;
  std::lock_guard lock(mu_);
  return in_flight_.empty();
}

Status SqsSource::SetAside(const aws::SqsMessage& m, std::string_view reason) {
  ++stats_.set_aside;
  if (options_.on_set_aside) options_.on_set_aside(m.body, reason);
  return queue_->Delete(m.receipt_handle);
}

Status SqsSource::Handle(const aws::SqsMessage& m, TimeMs received_at) {
  ++stats_.messages;
  if (m.receive_count > options_.max_receives) {
    return SetAside(m, "received " + std::to_string(m.receive_count) + " times (more than " +
                           std::to_string(options_.max_receives) + ")");
  }
  auto parsed = parser_.Parse(m.body);
  if (!parsed) return SetAside(m, parsed.error().message());
  stats_.skipped += parsed->skipped;
  size_t n = 0;
  for (ObjectEvent& e : parsed->events) {
    if (!options_.bucket.empty() && e.bucket != options_.bucket) {
      ++stats_.skipped;
      continue;
    }
    if (!options_.prefix.empty()) {
      if (!e.key.starts_with(options_.prefix + "/")) {
        ++stats_.skipped;
        continue;
      }
      e.key.erase(0, options_.prefix.size() + 1);
    }
    owners_[EventId(e)].push_back(m.receipt_handle);
    pending_.push_back(std::move(e));
    ++n;
  }
  if (n == 0) {  // a test event or nothing for this store
    ++stats_.deleted;
    return queue_->Delete(m.receipt_handle);
  }
  std::lock_guard lock(mu_);
  in_flight_[m.receipt_handle] = InFlight{n, received_at + options_.visibility_s * 1000, true};
  return Status::Ok();
}

void SqsSource::KeepVisible() {
  const TimeMs vis_ms = options_.visibility_s * 1000;
  const TimeMs interval =
      options_.check_interval_ms > 0 ? options_.check_interval_ms : std::clamp<TimeMs>(vis_ms / 4, 100, 1000);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(interval), [this] { return stopping_; });
    if (stopping_) break;
    std::vector<std::string> due;
    const TimeMs now = options_.now();
    for (const auto& [receipt, f] : in_flight_) {
      if (f.extending && f.visible_until - now < vis_ms / 2) due.push_back(receipt);
    }
    for (const std::string& receipt : due) {
      if (stopping_) break;
      if (!in_flight_.contains(receipt)) continue;  // deleted or abandoned meanwhile
      lock.unlock();
      Status s = queue_->ChangeVisibility(receipt, options_.visibility_s);
      lock.lock();
      auto it = in_flight_.find(receipt);
      if (s.ok()) {
        extended_.fetch_add(1);
        // Counted from before the call: the message is hidden at least that long.
        if (it != in_flight_.end()) it->second.visible_until = now + vis_ms;
        continue;
      }
      if (it == in_flight_.end()) continue;  // deleted while we asked: nothing to keep
      extend_failures_.fetch_add(1);
      // A transient failure is retried at the next check; any other (e.g. the
      // receipt handle is no longer valid) ends the extensions of this message.
      if (s.code() != StatusCode::kUnavailable) it->second.extending = false;
      if (options_.on_warning) {
        options_.on_warning("cannot extend the visibility of an SQS message (" + s.message() +
                            "); it may be delivered again, ingest's manifest absorbs the duplicate");
      }
    }
  }
}

Result<std::vector<ObjectEvent>> SqsSource::Poll(TimeMs max_wait) {
  if (pending_.empty()) {
    // A Poll that may wait long-polls, in whole seconds (at least 1, at most
    // wait_s); Poll(0), while ingest holds objects not yet committed, asks
    // without waiting: a short poll, whose empty answer may have missed
    // messages, so it does not count towards Done.
    const int wait = max_wait <= 0 ? 0
                                   : std::clamp(static_cast<int>(max_wait / 1000), 1,
                                                std::max(1, std::min(20, options_.wait_s)));
    const TimeMs asked_at = options_.now();
    auto messages = queue_->Receive(10, wait, options_.visibility_s);
    failing_ = !messages;
    if (!messages) {
      if (messages.error().code() != StatusCode::kUnavailable) return Err(messages.error());
      ++stats_.unavailable;
      EventSourceErrors().With({"sqs"}).Add();
      return std::vector<ObjectEvent>{};
    }
    saw_empty_ = wait > 0 && messages->empty();
    for (const aws::SqsMessage& m : *messages) RETURN_IF_ERROR(Handle(m, asked_at));
  }
  std::vector<ObjectEvent> out(std::make_move_iterator(pending_.begin()),
                               std::make_move_iterator(pending_.end()));
  pending_.clear();
  stats_.events += out.size();
  return out;
}

std::string SqsSource::TakeOwner(const ObjectEvent& event) {
  auto owner = owners_.find(EventId(event));
  if (owner == owners_.end() || owner->second.empty()) return "";
  std::string receipt = std::move(owner->second.front());
  owner->second.pop_front();
  if (owner->second.empty()) owners_.erase(owner);
  return receipt;
}

Status SqsSource::Ack(const ObjectEvent& event) {
  const std::string receipt = TakeOwner(event);
  if (receipt.empty()) return Status::Ok();
  {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(receipt);
    if (it == in_flight_.end()) return Status::Ok();  // abandoned: it must not be deleted
    if (--it->second.unacked > 0) return Status::Ok();
    in_flight_.erase(it);  // no more extensions
  }
  ++stats_.deleted;
  return queue_->Delete(receipt);
}

void SqsSource::Abandon(const ObjectEvent& event) {
  const std::string receipt = TakeOwner(event);
  if (receipt.empty()) return;
  std::lock_guard lock(mu_);
  if (in_flight_.erase(receipt) > 0) ++stats_.abandoned;
}

}  // namespace logstream
