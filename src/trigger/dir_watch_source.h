// DirWatchSource: object-created events for a directory bucket (file://).
//
// At start-up the bucket is listed (ObjectStore::List, start_after
// continuation), so objects that landed while the pipeline was down are
// picked up; then (unless `once`) the directory tree is watched with inotify:
//   - a file renamed into place (IN_MOVED_TO: how the store publishes, from a
//     hidden ".tmp-*" file) or written in place and closed (IN_CLOSE_WRITE) is
//     reported, with size, etag and time (the object's mtime) from Head;
//   - a new subdirectory (created or moved in) is watched and then listed, so
//     objects created in it before its watch existed are not missed;
//   - an inotify queue overflow or a directory moved inside the tree triggers
//     a full re-watch and re-listing.
// Watches are added before the start-up listing, so nothing falls between the
// two; duplicates are removed as below.
//
// Which names are objects: a key with a segment that starts with '.' (a hidden
// file or a file in a hidden directory, among them the store's temporary
// ".tmp-*" files) is never reported, by the listing or by inotify. Every other
// regular file is an object, whatever its suffix (ingest recognises gzip and
// zstd by their magic bytes). Writers should publish through the store or by
// renaming a hidden temporary file; a file written in place is reported when
// it is closed after writing, and could be seen half-written by a listing.
//
// Order and duplicates: each Poll returns its events in key order (so each
// source's objects, key component before the date, come in key order within a
// batch even when inotify reports them out of order). A (key, etag) already
// handed out by this source is never handed out again (re-listings, repeated
// close events, identical re-publishing); the same key with a new etag (the
// object changed) is handed out again, so ingest can report it. This costs
// one (key, etag) entry in memory per object handed out.
//
// Ack is a no-op: the bucket needs no acknowledgement. Not thread-safe: one
// consumer. The store must outlive the source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/base/status.h"
#include "src/store/object_store.h"
#include "src/trigger/event_source.h"

namespace logstream {

struct DirWatchOptions {
  // Only list the bucket, never watch: Done() is true once the listing's
  // events have all been handed out (`ingest --exit-when-done`). Default false.
  bool once = false;
  // The bucket directory. Default (empty): the path of the store's URL, which
  // must then be file:///PATH.
  std::string dir;
  // At most this many events per Poll. Default 1000.
  size_t max_batch = 1000;
};

// True if this source reports key: no segment of it starts with '.'.
bool IsWatchedKey(std::string_view key);

class DirWatchSource : public EventSource {
 public:
  struct Stats {
    uint64_t listings = 0;       // full or per-directory listings done
    uint64_t overflows = 0;      // inotify queue overflows (each forces a full listing)
    uint64_t events = 0;         // events handed out
    uint64_t duplicates = 0;     // (key, etag) seen again and not handed out
    uint64_t ignored_names = 0;  // hidden names seen (temporary files and the like)
  };

  // Sets up the watches (unless options.once) and lists the bucket. Errors:
  // InvalidArgument for a store that is not a directory bucket and no
  // options.dir, NotFound for a missing directory, IoError when inotify
  // refuses (e.g. the fs.inotify.max_user_watches limit).
  static Result<std::unique_ptr<DirWatchSource>> Open(ObjectStore* store,
                                                      DirWatchOptions options = {});
  ~DirWatchSource() override;
  DirWatchSource(const DirWatchSource&) = delete;
  DirWatchSource& operator=(const DirWatchSource&) = delete;

  // Returns ready events at once; otherwise waits up to max_wait ms (poll(2)
  // on the inotify fd) for new objects. A failed Head of one key is returned
  // as its error (after the events before it), and that key is dropped unless
  // the error is Unavailable. FailedPrecondition once the bucket directory
  // itself is removed.
  Result<std::vector<ObjectEvent>> Poll(TimeMs max_wait) override;
  Status Ack(const ObjectEvent&) override { return Status::Ok(); }
  bool Done() const override { return options_.once && pending_.empty(); }
  uint64_t Backlog() const override { return pending_.size(); }

  const Stats& stats() const { return stats_; }

 private:
  DirWatchSource(ObjectStore* store, DirWatchOptions options, std::string root);

  // Watches dir ("" = the bucket root, else a relative path) and, recursively,
  // its non-hidden subdirectories.
  Status WatchTree(const std::string& rel_dir);
  // Lists the keys under prefix into pending_.
  Status List(const std::string& prefix);
  // Reads every queued inotify event (non-blocking) into pending_.
  Status DrainInotify();
  // Hands out up to max_batch pending events in key order.
  Result<std::vector<ObjectEvent>> TakeBatch();

  ObjectStore* const store_;
  const DirWatchOptions options_;
  const std::string root_;   // the bucket directory, no trailing '/'
  const std::string bucket_;
  int inotify_fd_ = -1;
  std::unordered_map<int, std::string> dirs_;  // watch descriptor -> relative dir
  // Keys to hand out, in key order; the value is the listing's info, or
  // nullopt when Head must supply it (inotify).
  std::map<std::string, std::optional<ObjectInfo>, std::less<>> pending_;
  std::unordered_map<std::string, std::string> handed_out_;  // key -> etag
  Stats stats_;
};

}  // namespace logstream
