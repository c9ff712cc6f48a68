// S3Store: the ObjectStore of an S3 bucket (AWS or any S3-compatible server),
// addressed as s3://BUCKET[/PREFIX]. Store keys are relative to PREFIX: key
// "h1/x.log" of s3://logs/raw is the S3 object "raw/h1/x.log".
//
// - Put: one PUT up to multipart_threshold bytes, else a multipart upload of
//   part_size parts (aborted on failure). An identical re-put is a no-op: the
//   object's etag (HEAD) is compared with the MD5 (or multipart MD5) of the data.
// - Get: streams in read_chunk-sized ranged GETs; the first one also gives
//   the size and etag, the later ones are pinned to that etag (If-Match), so
//   memory stays bounded and a replaced object is noticed.
// - List: ListObjectsV2 with start-after and continuation tokens.
// Endpoint, region, credentials and retries: see src/aws/s3_client.h.
//
// Thread-safe. Readers share the store's client and may outlive the store.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "src/aws/s3_client.h"
#include "src/store/object_store.h"

namespace logstream {

struct S3StoreOptions {
  aws::S3Options s3;
  uint64_t multipart_threshold = 64ull << 20;  // larger objects are uploaded in parts
  uint64_t part_size = 16ull << 20;            // at least 5 MiB (S3's minimum part)
  uint64_t read_chunk = 8ull << 20;            // bytes per ranged GET while streaming
  bool create_bucket = false;                  // create a missing bucket at Open
};

class S3Store final : public ObjectStore {
 public:
  // url: s3://BUCKET[/PREFIX]. InvalidArgument for a malformed URL or options.
  static Result<std::unique_ptr<S3Store>> Open(std::string_view url, S3StoreOptions options = {});

  std::string Url() const override;
  std::string Bucket() const override { return bucket_; }
  Result<PutResult> Put(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectReader>> Get(std::string_view key, uint64_t offset = 0,
                                            std::optional<uint64_t> length = std::nullopt) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  // The ranged GET of the first min(length, read_chunk) bytes gives the info.
  Result<OpenedObject> GetWithInfo(std::string_view key, uint64_t length) override;
  Result<ListResult> List(std::string_view prefix, std::string_view start_after = {},
                          size_t max_keys = 1000) override;
  Status Delete(std::string_view key) override;

  // The key prefix inside the bucket ("" or without leading/trailing '/').
  const std::string& prefix() const { return prefix_; }
  aws::S3Client& client() { return *client_; }

 private:
  S3Store() = default;
  std::string FullKey(std::string_view key) const;
  // Get and GetWithInfo: the first ranged GET (a HEAD when it answers 416)
  // gives the info, and an S3Reader streams the rest.
  Result<OpenedObject> ReadRange(std::string_view key, uint64_t offset, std::optional<uint64_t> length);
  Result<std::string> PutMultipart(const std::string& full, std::string_view data);

  std::shared_ptr<aws::S3Client> client_;
  std::string bucket_;
  std::string prefix_;
  S3StoreOptions options_;
};

// The S3 etag of data uploaded in part_size parts: hex MD5 of the parts' binary
// MD5s, "-", the number of parts (the MD5 itself when data fits one part).
std::string MultipartEtag(std::string_view data, uint64_t part_size);

}  // namespace logstream
