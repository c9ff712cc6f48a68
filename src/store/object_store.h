// ObjectStore: where log files live as objects (a bucket). Implementations:
// the directory bucket (file:///abs/path or a plain path) and, later, S3
// (s3://bucket/prefix). Every implementation passes store/store_contract_test.
//
// Keys are '/'-separated relative paths of at most 1024 bytes with no empty,
// "." or ".." segment, no leading '/', and no NUL; others are refused with
// InvalidArgument. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/options.h"
#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // lowercase hex MD5 of the content for single-part objects
  TimeMs mtime = 0;  // last modification, ms since epoch
};

// A streamed read of one object (or a byte range of it). Not thread-safe.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Reads up to n bytes into buf; returns 0 at the end of the object/range.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
};

// An object's info and a reader of its first bytes (ObjectStore::GetWithInfo).
struct OpenedObject {
  ObjectInfo info;
  std::unique_ptr<ObjectReader> reader;
};

struct PutResult {
  std::string etag;
  bool created = true;  // false: an identical object already existed (no-op)
};

struct ListResult {
  std::vector<ObjectInfo> objects;  // in key order (byte-wise)
  bool truncated = false;           // more keys follow the last one returned
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The store's URL, e.g. "file:///tmp/b" (no credentials, safe to print).
  virtual std::string Url() const = 0;
  // The bucket name used in events (the directory's base name for file://).
  virtual std::string Bucket() const = 0;

  // Atomically publishes data under key: readers see the old object or the
  // whole new one, never a part. Publishing identical content over an existing
  // object is a no-op (created = false). Missing parent "directories" are made.
  virtual Result<PutResult> Put(std::string_view key, std::string_view data) = 0;

  // Streams the object from byte `offset`, at most `length` bytes (all if
  // nullopt). NotFound if the key does not exist.
  virtual Result<std::unique_ptr<ObjectReader>> Get(
      std::string_view key, uint64_t offset = 0,
      std::optional<uint64_t> length = std::nullopt) = 0;

  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  // The object's info and a reader of its first `length` bytes (all of a
  // shorter object). By default Head, then Get; a store that can does it in
  // one request (S3: one ranged GET, so the etag is that of the bytes read).
  virtual Result<OpenedObject> GetWithInfo(std::string_view key, uint64_t length);

  // Keys that start with prefix and sort after start_after (byte-wise), in
  // order, at most max_keys of them.
  virtual Result<ListResult> List(std::string_view prefix, std::string_view start_after = {},
                                  size_t max_keys = 1000) = 0;

  // Deleting a missing key is OK (as in S3).
  virtual Status Delete(std::string_view key) = 0;
};

// Checks a key against the rules above.
Status ValidateKey(std::string_view key);

// Opens a store by URL: "file:///abs/path", "/abs/path" or "relative/path"
// (a directory bucket, created if missing), or "s3://bucket[/prefix]" (see
// src/store/s3_store.h; endpoint, region and credentials from the environment).
Result<std::unique_ptr<ObjectStore>> OpenStore(std::string_view url);

// Which bucket a command reads, declared once: [store] url (--store) and
// [store] s3_endpoint (--s3-endpoint; credentials and region come from the
// AWS environment).
struct StoreSettings {
  std::string url = "logstream-data/bucket";
  std::string s3_endpoint;  // "": AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS
};
const opt::Table<StoreSettings>& StoreTable();

struct OpenStoreOptions {
  bool create_bucket = false;  // s3://: create a missing bucket (writers such as generate)
};
Result<std::unique_ptr<ObjectStore>> OpenStore(std::string_view url, const OpenStoreOptions& options);

// Reads a whole object into memory (for tests and small objects).
Result<std::string> ReadAll(ObjectStore& store, std::string_view key);

}  // namespace logstream
