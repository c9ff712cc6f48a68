// MemoryStore: an in-memory ObjectStore, the fake for unit tests.
//
// Objects live in a map guarded by a mutex; every method is thread-safe. A
// reader returned by Get keeps a reference to the object's bytes as they were
// when Get was called, so replacing or deleting the object does not affect it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "src/store/object_store.h"

namespace logstream {

class MemoryStore : public ObjectStore {
 public:
  // bucket: the name returned by Bucket() and used in Url() ("mem://BUCKET").
  explicit MemoryStore(std::string bucket = "memory");

  std::string Url() const override;
  std::string Bucket() const override;
  Result<PutResult> Put(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectReader>> Get(std::string_view key, uint64_t offset = 0,
                                            std::optional<uint64_t> length = std::nullopt) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListResult> List(std::string_view prefix, std::string_view start_after = {},
                          size_t max_keys = 1000) override;
  Status Delete(std::string_view key) override;

 private:
  struct Object {
    std::shared_ptr<const std::string> data;
    std::string etag;
    TimeMs mtime = 0;
  };

  const std::string bucket_;
  mutable std::mutex mu_;
  std::map<std::string, Object, std::less<>> objects_;  // guarded by mu_
};

}  // namespace logstream
