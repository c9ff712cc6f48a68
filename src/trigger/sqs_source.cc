#include "src/trigger/sqs_source.h"

#include <algorithm>

namespace logstream {
namespace {

std::string EventId(const ObjectEvent& e) { return e.key + '\n' + e.etag; }

}  // namespace

Result<std::unique_ptr<SqsSource>> SqsSource::Open(SqsSourceOptions options) {
  if (options.visibility_s < 2) return Err(InvalidArgument("SQS visibility timeout must be at least 2 s"));
  std::string prefix = options.prefix;
  while (prefix.ends_with('/')) prefix.pop_back();
  options.prefix = prefix;
  ASSIGN_OR_RETURN(std::unique_ptr<aws::SqsClient> client,
                   aws::SqsClient::Create(options.queue_url, options.sqs));
  return std::unique_ptr<SqsSource>(new SqsSource(std::move(options), std::move(client)));
}

bool SqsSource::Done() const {
  return options_.exit_when_empty && saw_empty_ && pending_.empty() && in_flight_.empty();
}

Status SqsSource::SetAside(const aws::SqsMessage& m, std::string_view reason) {
  ++stats_.set_aside;
  if (options_.on_set_aside) options_.on_set_aside(m.body, reason);
  return client_->Delete(m.receipt_handle);
}

Status SqsSource::Handle(const aws::SqsMessage& m) {
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
    return client_->Delete(m.receipt_handle);
  }
  in_flight_[m.receipt_handle] = InFlight{n, NowMs() + options_.visibility_s * 1000};
  return Status::Ok();
}

void SqsSource::ExtendVisibility() {
  const TimeMs now = NowMs();
  for (auto& [receipt, f] : in_flight_) {
    if (f.visible_until - now < options_.visibility_s * 500) {
      if (client_->ChangeVisibility(receipt, options_.visibility_s).ok()) {
        f.visible_until = now + options_.visibility_s * 1000;
      }
    }
  }
}

Result<std::vector<ObjectEvent>> SqsSource::Poll(TimeMs max_wait) {
  ExtendVisibility();
  if (pending_.empty()) {
    const int wait = std::clamp(static_cast<int>(max_wait / 1000), 0, std::min(20, options_.wait_s));
    auto messages = client_->Receive(10, wait == 0 ? 1 : wait, options_.visibility_s);
    if (!messages) {
      if (messages.error().code() != StatusCode::kUnavailable) return Err(messages.error());
      ++stats_.unavailable;
      return std::vector<ObjectEvent>{};
    }
    saw_empty_ = messages->empty();
    for (const aws::SqsMessage& m : *messages) RETURN_IF_ERROR(Handle(m));
  }
  std::vector<ObjectEvent> out(std::make_move_iterator(pending_.begin()),
                               std::make_move_iterator(pending_.end()));
  pending_.clear();
  stats_.events += out.size();
  return out;
}

Status SqsSource::Ack(const ObjectEvent& event) {
  auto owner = owners_.find(EventId(event));
  if (owner == owners_.end() || owner->second.empty()) return Status::Ok();
  const std::string receipt = owner->second.front();
  owner->second.pop_front();
  if (owner->second.empty()) owners_.erase(owner);
  auto it = in_flight_.find(receipt);
  if (it == in_flight_.end()) return Status::Ok();
  if (--it->second.unacked == 0) {
    in_flight_.erase(it);
    ++stats_.deleted;
    return client_->Delete(receipt);
  }
  ExtendVisibility();
  return Status::Ok();
}

}  // namespace logstream
