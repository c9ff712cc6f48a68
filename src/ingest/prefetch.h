// Prefetcher: reads the objects next in the event queue while the current
// one is parsed, so that a store's round trips (S3: milliseconds each)
// overlap parsing instead of adding to it. Each wanted object's info and
// first bytes are read (ObjectStore::GetWithInfo: on S3 one ranged GET, whose
// etag is that of the bytes read) on a thread of its own; at
// most `objects` are in flight or waiting to be taken, holding at most
// `bytes` in all (each at most bytes / objects: the rest of a larger object
// is read as it is parsed). The ingester takes an object's read when it
// comes to it, in any order; reads never taken are dropped by Clear.
// Not thread-safe: one thread calls Want, Take and Clear.
#pragma once

#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "src/base/status.h"
#include "src/store/object_store.h"

namespace logstream {

struct PrefetchOptions {
  size_t objects = 4;      // 0: no prefetching
  size_t bytes = 64 << 20;  // in all, of objects' first bytes
};

class Prefetcher {
 public:
  // What was read of one object: its info, and its first bytes (all of it
  // when `whole`).
  struct Object {
    Result<ObjectInfo> info = Err(Unavailable("not read"));
    Result<std::string> data = Err(Unavailable("not read"));
    bool whole = false;
  };

  Prefetcher(ObjectStore& store, PrefetchOptions options);
  ~Prefetcher();  // waits for the reads in flight

  // Starts reading `key` unless it is in flight already or the prefetcher
  // is full.
  void Want(std::string_view key);
  // The read of `key`, waiting for it to end; nullopt when it was not wanted.
  std::optional<Object> Take(std::string_view key);
  // Drops every read (waiting for those in flight).
  void Clear();

  // A reader of `object` from its start: the bytes read, then the rest from
  // the store. nullopt when the read failed (read the store as usual).
  static std::optional<std::unique_ptr<ObjectReader>> Reader(ObjectStore& store, std::string key,
                                                             Object& object);

 private:
  ObjectStore& store_;
  PrefetchOptions options_;
  std::deque<std::pair<std::string, std::future<Object>>> reads_;  // in the order wanted
};

}  // namespace logstream
