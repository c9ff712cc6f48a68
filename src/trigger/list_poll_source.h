// ListPollSource: object-created events for any ObjectStore by listing it
// (ListObjectsV2 on s3://), for stores without notifications.
//
// Every `interval_ms` the whole prefix is listed (in pages, start_after
// continuation) and each (key, etag) not handed out before becomes an event,
// so a new object of any host is found wherever it sorts. Each Poll returns
// events in key order (each host's objects, in key order). The (key, etag)
// pairs handed out are kept in memory; after a restart the first listing hands
// out every object again and ingest's exactly-once manifest absorbs them.
//
// A listing that fails with Unavailable (server down) is retried at the next
// interval; other errors (bad credentials, missing bucket) are returned.
// Ack is a no-op. Not thread-safe: one consumer. The store must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <functional>
#include <string>
#include <unordered_map>

#include "src/store/object_store.h"
#include "src/trigger/event_source.h"

namespace logstream {

struct ListPollOptions {
  bool once = false;          // one listing only; Done() once it is handed out
  TimeMs interval_ms = 2000;  // between listings
  std::string prefix;         // only keys with this prefix
  size_t max_batch = 1000;    // events per Poll
  // Listings failing with Unavailable this long in a row make Poll fail
  // (0: retry for ever). `ingest --exit-when-done` gives up after 90 s.
  TimeMs give_up_after_ms = 0;
  // Told of every failed listing, with when the next one is tried.
  std::function<void(std::string_view)> on_warning;
};

class ListPollSource : public EventSource {
 public:
  struct Stats {
    uint64_t listings = 0;         // complete listings
    uint64_t failed_listings = 0;  // listings interrupted by an Unavailable error
    uint64_t events = 0;
  };

  static Result<std::unique_ptr<ListPollSource>> Open(ObjectStore* store, ListPollOptions options = {});

  Result<std::vector<ObjectEvent>> Poll(TimeMs max_wait) override;
  Status Ack(const ObjectEvent&) override { return Status::Ok(); }
  bool Done() const override { return options_.once && listed_ && pending_.empty(); }

  const Stats& stats() const { return stats_; }

 bool Failing() const override { return failing_since_ != 0; }
  uint64_t Backlog() const override { return pending_.size(); }

 private:
  ListPollSource(ObjectStore* store, ListPollOptions options) : store_(store), options_(std::move(options)) {}
  // One full listing into pending_.
  Status ListAll();

  ObjectStore* const store_;
  const ListPollOptions options_;
  bool listed_ = false;
  TimeMs next_list_ = 0;
  std::deque<ObjectEvent> pending_;
  std::unordered_map<std::string, std::string> handed_out_;  // key -> etag
  TimeMs failing_since_ = 0;  // first of the listings failing in a row; 0: none
  Stats stats_;
};

}  // namespace logstream
