#include "src/store/object_store.h"

#include "src/base/redact.h"

#include <cstdio>

#include <simdjson.h>

#include "src/store/dir_store.h"
#include "src/store/s3_store.h"

namespace logstream {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

Status BadKey(std::string_view key, std::string_view rule) {
  const std::string shown = Printable(key);
  return InvalidArgument("bad object key \"" + shown + "\": " + std::string(rule));
}

}  // namespace

Status ValidateKey(std::string_view key) {
  if (key.empty()) return BadKey(key, "a key must not be empty");
  if (key.size() > kMaxKeyBytes) {
    return BadKey(key, "a key must be at most 1024 bytes (it has " + std::to_string(key.size()) + ")");
  }
  if (key.find('\0') != std::string_view::npos) return BadKey(key, "a key must not contain NUL");
  // S3 keys are UTF-8; records name their object as a JSON string, where two
  // keys differing only in invalid bytes would become the same text.
  if (!simdjson::validate_utf8(key.data(), key.size())) return BadKey(key, "a key must be valid UTF-8");
  if (key.front() == '/') return BadKey(key, "a key must be relative (no leading '/')");
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const std::string_view seg = key.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (seg.empty()) return BadKey(key, "a key must not contain an empty segment ('//' or a trailing '/')");
    if (seg == "." || seg == "..") return BadKey(key, "a key must not contain a '.' or '..' segment");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

Result<std::unique_ptr<ObjectStore>> OpenStore(std::string_view url) { return OpenStore(url, {}); }

namespace {

using StoreOpener = Result<std::unique_ptr<ObjectStore>> (*)(std::string_view url,
                                                              const OpenStoreOptions& options);

Result<std::unique_ptr<ObjectStore>> OpenFile(std::string_view url, const OpenStoreOptions&) {
  const std::string_view path = url.substr(7);
  if (!path.starts_with('/')) {
    return Err(InvalidArgument("store URL " + std::string(url) +
                               ": a file:// URL needs an absolute path, e.g. file:///tmp/bucket"));
  }
  return Upcast<ObjectStore>(DirStore::Open(path));
}

Result<std::unique_ptr<ObjectStore>> OpenS3(std::string_view url, const OpenStoreOptions& options) {
  S3StoreOptions s3;
  s3.create_bucket = options.create_bucket;
  return Upcast<ObjectStore>(S3Store::Open(url, std::move(s3)));
}

// Every store by scheme; adding a store adds one line here.
constexpr std::pair<std::string_view, StoreOpener> kStores[] = {
    {"file://", &OpenFile},
    {"s3://", &OpenS3},
};

}  // namespace

const opt::Table<StoreSettings>& StoreTable() {
  using S = StoreSettings;
  static const opt::Table<S> table = [] {
    opt::Table<S> t("store", "The bucket `ingest` reads.");
    t.String("url", &S::url, "bucket URL: file:///abs/path, a directory, or s3://bucket/prefix",
             {.flag = "--store"});
    t.String("s3_endpoint", &S::s3_endpoint,
             "S3 endpoint for s3:// URLs (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS); "
             "credentials and region from the AWS environment",
             {.flag = "--s3-endpoint"});
    return t;
  }();
  return table;
}

Result<std::unique_ptr<ObjectStore>> OpenStore(std::string_view url, const OpenStoreOptions& options) {
  if (url.empty()) return Err(InvalidArgument("empty store URL: give file:///abs/path or a directory path"));
  for (const auto& [scheme, open] : kStores) {
    if (url.starts_with(scheme)) return open(url, options);
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Upcast<ObjectStore>(DirStore::Open(url));
  }
  return Err(InvalidArgument("store URL " + std::string(url) + ": scheme " +
                             std::string(url.substr(0, scheme_end)) +
                             ":// is not supported; use file:///abs/path, a directory path or s3://bucket/prefix"));
}

Result<OpenedObject> ObjectStore::GetWithInfo(std::string_view key, uint64_t length) {
  ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
  ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> reader, Get(key, 0, std::min(length, info.size)));
  return OpenedObject{std::move(info), std::move(reader)};
}

Result<std::string> ReadAll(ObjectStore& store, std::string_view key) {
  ASSIGN_OR_RETURN(std::unique_ptr<ObjectReader> reader, store.Get(key));
  std::string out;
  char buf[64 * 1024];
  while (true) {
    ASSIGN_OR_RETURN(size_t n, reader->Read(buf, sizeof buf));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace logstream
