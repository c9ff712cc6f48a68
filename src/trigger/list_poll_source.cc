#include "src/trigger/list_poll_source.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace logstream {

Result<std::unique_ptr<ListPollSource>> ListPollSource::Open(ObjectStore* store, ListPollOptions options) {
  if (store == nullptr) return Err(InvalidArgument("ListPollSource needs a store"));
  if (options.interval_ms <= 0) return Err(InvalidArgument("poll interval must be positive"));
  if (options.max_batch == 0) options.max_batch = 1;
  return std::unique_ptr<ListPollSource>(new ListPollSource(store, std::move(options)));
}

Status ListPollSource::ListAll() {
  std::vector<ObjectEvent> found;
  std::string after;
  while (true) {
    auto page = store_->List(options_.prefix, after, 1000);
    if (!page) return page.error().WithContext("listing " + store_->Url());
    for (ObjectInfo& o : page->objects) {
      auto it = handed_out_.find(o.key);
      if (it != handed_out_.end() && it->second == o.etag) continue;
      found.push_back(ObjectEvent{"ObjectCreated:Put", store_->Bucket(), o.key, o.size, o.etag, o.mtime});
    }
    if (!page->truncated || page->objects.empty()) break;
    after = page->objects.back().key;
  }
  // Only a complete listing counts: a key is handed out once per etag.
  for (ObjectEvent& e : found) {
    handed_out_[e.key] = e.etag;
    pending_.push_back(std::move(e));
  }
  ++stats_.listings;
  listed_ = true;
  return Status::Ok();
}

Result<std::vector<ObjectEvent>> ListPollSource::Poll(TimeMs max_wait) {
  if (pending_.empty() && !(options_.once && listed_)) {
    const TimeMs now = NowMs();
    if (now < next_list_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(max_wait, next_list_ - now)));
    }
    if (NowMs() >= next_list_) {
      next_list_ = NowMs() + options_.interval_ms;
      Status s = ListAll();
      if (s.ok()) {
        failing_since_ = 0;
      } else {
        if (s.code() != StatusCode::kUnavailable) return Err(std::move(s));
        ++stats_.failed_listings;  // the server is down: try again at the next interval
        EventSourceErrors().With({"list"}).Add();
        const TimeMs now = NowMs();
        if (failing_since_ == 0) failing_since_ = now;
        if (options_.give_up_after_ms > 0 && now - failing_since_ >= options_.give_up_after_ms) {
          return Err(s.WithContext("giving up after " + FormatDuration(now - failing_since_) +
                                   " of failed listings"));
        }
        if (options_.on_warning) {
          options_.on_warning(s.message() + " (listing again in " + FormatDuration(options_.interval_ms) +
                              "; failing for " + FormatDuration(now - failing_since_) + ")");
        }
      }
    }
  }
  std::vector<ObjectEvent> out;
  while (!pending_.empty() && out.size() < options_.max_batch) {
    out.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  stats_.events += out.size();
  return out;
}

}  // namespace logstream
