// A small S3 REST client over libcurl. Requests are signed by libcurl's own
// AWS Signature V4 (CURLOPT_AWS_SIGV4); the client adds the signed
// x-amz-content-sha256 header (the body's SHA-256) that curl does not add, and
// writes query strings in canonical (sorted, %XX-encoded) order because curl
// 7.88 signs them as given.
//
// Transient failures (connection errors, 5xx, 429, SlowDown, RequestTimeout)
// are retried with exponential backoff and full jitter; other errors become a
// Status that says what happened: 403 names the access key id (never the
// secret) and the region, 404 the bucket or key.
//
// S3Client is thread-safe: it keeps a small pool of curl handles so that
// connections are reused; each call uses one handle at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/aws/credentials.h"
#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream::aws {

enum class Addressing {
  kAuto,           // virtual-hosted on AWS endpoints, path-style on custom endpoints
  kPath,           // http://endpoint/bucket/key
  kVirtualHosted,  // http://bucket.endpoint/key
};

struct S3Options {
  // "http(s)://host[:port]". Empty: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL,
  // then https://s3.REGION.amazonaws.com.
  std::string endpoint;
  // Empty: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1.
  std::string region;
  Addressing addressing = Addressing::kAuto;
  // nullopt: the chain (CredentialProvider::Create(credential_options)).
  std::optional<Credentials> credentials;
  CredentialOptions credential_options;
  int max_attempts = 8;              // per request, including the first
  TimeMs base_backoff_ms = 100;      // first retry waits up to this (full jitter)
  TimeMs max_backoff_ms = 10'000;    // cap of one wait
  long connect_timeout_ms = 5'000;
  long stall_timeout_s = 60;         // abort a transfer slower than 1 B/s for this long
};

struct S3Request {
  S3Request() = default;
  S3Request(std::string m, std::string_view b, std::string_view k = {})
      : method(std::move(m)), bucket(b), key(k) {}

  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string bucket;
  std::string key;  // empty for bucket operations
  std::vector<std::pair<std::string, std::string>> query;    // unencoded name, value
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string_view body;  // must outlive Send()
};

struct S3Response {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercase

  // The first header of that (lowercase) name, or "".
  std::string_view Header(std::string_view lowercase_name) const;
};

// URI-encodes per SigV4: unreserved A-Z a-z 0-9 - _ . ~ stay, everything else
// becomes %XX (uppercase); '/' stays when keep_slash.
std::string UriEncode(std::string_view s, bool keep_slash);
// Decodes %XX (and '+' as space when plus_is_space); invalid escapes stay as is.
std::string UriDecode(std::string_view s, bool plus_is_space = false);

struct S3Object {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // without quotes
  TimeMs mtime = 0;
};

struct S3ListPage {
  std::vector<S3Object> objects;
  bool truncated = false;
  std::string next_continuation_token;
};

// Parses a ListObjectsV2 answer (keys URL-decoded when it says
// <EncodingType>url</EncodingType>).
Result<S3ListPage> ParseListObjectsV2(std::string_view xml);

// Lowercase hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

class S3Client {
 public:
  // Resolves endpoint, region and credentials (see S3Options).
  static Result<std::unique_ptr<S3Client>> Create(S3Options options = {});
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Sends one request (retrying transient failures); a non-2xx answer is an
  // error Status (NotFound for 404, FailedPrecondition for 412, ...).
  Result<S3Response> Send(const S3Request& request);

  // The URL a request goes to (no credentials in it).
  std::string UrlFor(const S3Request& request) const;

  const std::string& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }
  // Safe to print: the access key id and where it came from.
  std::string DescribeCredentials() const { return credentials_->Describe(); }

  // ---- operations ----
  Status CreateBucket(std::string_view bucket);  // OK if it exists and is ours
  Result<S3Object> HeadObject(std::string_view bucket, std::string_view key);
  // Bytes [begin, end) of the object; if_match: the etag it must still have.
  Result<std::string> GetObjectRange(std::string_view bucket, std::string_view key, uint64_t begin,
                                     uint64_t end, std::string_view if_match = {});
  // The first bytes [begin, end) of the object (clipped at its end) with the
  // object's total size and etag, in one request. A begin at or past the end
  // is InvalidArgument (416), also for an empty object: HEAD tells which.
  struct FirstRange {
    std::string data;
    uint64_t object_size = 0;
    std::string etag;
    TimeMs mtime = 0;  // Last-Modified (0: not given)
  };
  Result<FirstRange> GetObjectFirstRange(std::string_view bucket, std::string_view key, uint64_t begin,
                                         uint64_t end);
  // Returns the etag (without quotes).
  Result<std::string> PutObject(std::string_view bucket, std::string_view key, std::string_view data);
  Status DeleteObject(std::string_view bucket, std::string_view key);
  Result<S3ListPage> ListObjectsV2(std::string_view bucket, std::string_view prefix,
                                   std::string_view start_after, std::string_view continuation_token,
                                   size_t max_keys);
  // Multipart upload; AbortMultipartUpload is best effort.
  Result<std::string> CreateMultipartUpload(std::string_view bucket, std::string_view key);
  Result<std::string> UploadPart(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id, int part_number, std::string_view data);
  Result<std::string> CompleteMultipartUpload(std::string_view bucket, std::string_view key,
                                              std::string_view upload_id,
                                              const std::vector<std::string>& part_etags);
  Status AbortMultipartUpload(std::string_view bucket, std::string_view key, std::string_view upload_id);

 private:
  S3Client() = default;
  struct Handle;
  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> h);
  // One attempt: fills response or returns a curl error text.
  std::optional<std::string> Perform(Handle& h, const S3Request& request, const Credentials& credentials,
                                     S3Response* response);
  Status ErrorFor(const S3Request& request, const S3Response& response) const;
  std::string Describe(const S3Request& request) const;

  std::string endpoint_;  // scheme://host[:port], no trailing slash
  std::string scheme_;
  std::string host_;  // host[:port]
  std::string region_;
  bool path_style_ = true;
  std::shared_ptr<CredentialProvider> credentials_;  // refreshed before they expire
  S3Options options_;
  std::string sigv4_;   // "aws:amz:REGION:s3"

  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> pool_;
};

}  // namespace logstream::aws
