#include "src/trigger/webhook_source.h"

#include <algorithm>
#include <chrono>
#include <string_view>

namespace logstream {
namespace {

constexpr std::string_view kJsonSpace = " \t\r\n";

// Where the JSON object or array at the start of s ends (after its closing
// bracket), when its brackets balance; npos otherwise.
size_t JsonValueEnd(std::string_view s) {
  size_t i = s.find_first_not_of(kJsonSpace);
  if (i == std::string_view::npos || (s[i] != '{' && s[i] != '[')) return std::string_view::npos;
  int depth = 0;
  bool in_string = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Compares without stopping at the first difference, so that the answer's
// timing does not tell how much of a guessed token is right.
bool SameSecret(std::string_view given, std::string_view secret) {
  if (given.size() != secret.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ secret[i]);
  return diff == 0;
}

HttpResponse Answer(int status, std::string body) { return HttpResponse{status, std::move(body)}; }

}  // namespace

Result<std::unique_ptr<WebhookSource>> WebhookSource::Open(WebhookOptions options) {
  std::string prefix = options.prefix;
  while (prefix.ends_with('/')) prefix.pop_back();
  options.prefix = prefix;
  std::unique_ptr<WebhookSource> s(new WebhookSource(std::move(options)));
  const WebhookOptions& o = s->options_;
  HttpServerOptions http;
  http.listen = o.listen;
  http.threads = std::max<size_t>(1, o.threads);
  http.max_queued = o.max_queued;
  http.max_body_bytes = o.max_body_bytes;
  http.body_timeout_ms = o.read_timeout_ms;
  http.head_timeout_ms = std::min(o.head_timeout_ms, o.read_timeout_ms);
  // One request per connection: a request holds its thread until its commit
  // anyway, and an idle kept-alive connection would hold one for nothing.
  http.keep_alive_ms = 0;
  WebhookSource* const self = s.get();
  auto server = HttpServer::Start(
      std::move(http), [self](const HttpRequest& r) { return self->Handle(r); },
      [self](const HttpRequest& head) { return self->CheckHead(head); });
  if (!server) {
    if (server.error().code() == StatusCode::kInvalidArgument) {
      return Err(InvalidArgument("--listen " + o.listen + ": give IPv4HOST:PORT, e.g. 127.0.0.1:8090"));
    }
    return Err(server.error());
  }
  s->server_ = std::move(*server);
  return s;
}

WebhookSource::~WebhookSource() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;  // the requests still waiting are answered 503: their senders retry
  }
  settled_cv_.notify_all();
  if (server_) server_->Stop();
}

std::optional<HttpResponse> WebhookSource::CheckHead(const HttpRequest& head) const {
  if (head.method != "POST") return Answer(405, "POST S3 event notification JSON here\n");
  if (!options_.bearer_token.empty() && !SameSecret(head.Header("Authorization"), "Bearer " + options_.bearer_token)) {
    return Answer(401, "missing or wrong bearer token\n");
  }
  return std::nullopt;
}

HttpResponse WebhookSource::Handle(const HttpRequest& request) {
  std::string_view body = request.body;
  S3EventParser parser;
  const size_t end = JsonValueEnd(body);
  if (end != std::string_view::npos && body.find_first_not_of(kJsonSpace, end) != std::string_view::npos) {
    // Trailing data: name it, unless the document before it is bad too.
    if (auto first = parser.Parse(body.substr(0, end)); !first) return Answer(400, first.error().message() + "\n");
    return Answer(400, "S3 event notification: trailing data after the JSON document (" +
                           std::to_string(body.size() - end) + " bytes from byte " + std::to_string(end) + ")\n");
  }
  auto parsed = parser.Parse(body);
  if (!parsed) return Answer(400, parsed.error().message() + "\n");
  size_t skipped = parsed->skipped;
  std::vector<ObjectEvent> events;
  for (ObjectEvent& e : parsed->events) {
    if (!options_.bucket.empty() && e.bucket != options_.bucket) {
      ++skipped;
      continue;
    }
    if (!options_.prefix.empty()) {
      if (!e.key.starts_with(options_.prefix + "/")) {
        ++skipped;
        continue;
      }
      e.key.erase(0, options_.prefix.size() + 1);
    }
    events.push_back(std::move(e));
  }

  std::unique_lock lock(mu_);
  skipped_ += skipped;
  if (events.empty()) return Answer(200, "nothing to ingest\n");
  if (closing_) return Answer(503, "shutting down: not committed, send again\n");
  auto pending = std::make_shared<Pending>();
  pending->unacked = events.size();
  events_ += events.size();
  for (ObjectEvent& e : events) ready_.emplace_back(std::move(e), pending);
  ready_cv_.notify_all();
  settled_cv_.wait(lock, [&] { return pending->state != Pending::State::kWaiting || closing_; });
  switch (pending->state) {
    case Pending::State::kCommitted:
      return Answer(200, "committed\n");
    case Pending::State::kAbandoned:
      return Answer(503, "not committed: ingest gave up on an object of this request, send again\n");
    case Pending::State::kWaiting:
      break;
  }
  return Answer(503, "shutting down: not committed, send again\n");
}

Result<std::vector<ObjectEvent>> WebhookSource::Poll(TimeMs max_wait) {
  std::unique_lock lock(mu_);
  ready_cv_.wait_for(lock, std::chrono::milliseconds(std::max<TimeMs>(0, max_wait)), [&] { return !ready_.empty(); });
  std::vector<ObjectEvent> out;
  out.reserve(ready_.size());
  for (Entry& entry : ready_) {
    out.push_back(entry.first);
    delivered_.push_back(std::move(entry));
  }
  ready_.clear();
  return out;
}

std::deque<WebhookSource::Entry>::iterator WebhookSource::FindDelivered(const ObjectEvent& event) {
  return std::find_if(delivered_.begin(), delivered_.end(), [&](const Entry& e) { return e.first == event; });
}

Status WebhookSource::Ack(const ObjectEvent& event) {
  std::lock_guard lock(mu_);
  auto it = FindDelivered(event);
  if (it == delivered_.end()) return Status::Ok();
  std::shared_ptr<Pending> pending = std::move(it->second);
  delivered_.erase(it);
  if (pending->state == Pending::State::kWaiting && --pending->unacked == 0) {
    pending->state = Pending::State::kCommitted;
    settled_cv_.notify_all();
  }
  return Status::Ok();
}

void WebhookSource::Abandon(const ObjectEvent& event) {
  std::lock_guard lock(mu_);
  auto it = FindDelivered(event);
  if (it == delivered_.end()) return;
  std::shared_ptr<Pending> pending = std::move(it->second);
  delivered_.erase(it);
  if (pending->state != Pending::State::kWaiting) return;
  pending->state = Pending::State::kAbandoned;
  // The request's other events wait for nothing now.
  const auto of_pending = [&](const Entry& e) { return e.second == pending; };
  std::erase_if(delivered_, of_pending);
  std::erase_if(ready_, of_pending);
  settled_cv_.notify_all();
}

WebhookSource::Stats WebhookSource::stats() const {
  const HttpServer::Stats http = server_->stats();
  std::lock_guard lock(mu_);
  return Stats{http.requests, http.rejected, skipped_, events_};
}

}  // namespace logstream
