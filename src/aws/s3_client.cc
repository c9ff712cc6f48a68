#include "src/metrics/metrics.h"
#include "src/aws/s3_client.h"

#include <curl/curl.h>
#include <openssl/sha.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

#include "src/aws/xml.h"
#include "src/base/ascii.h"
#include "src/base/backoff.h"
#include "src/base/curl_global.h"
#include "src/base/redact.h"

namespace logstream::aws {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";
// CURLOPT_BUFFERSIZE: one such buffer per pooled handle (16 at most).
constexpr long kReadBufferBytes = 256 * 1024;

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

std::string Unquote(std::string_view etag) {
  etag = TrimAsciiSpace(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

uint64_t ParseU64(std::string_view s) {
  uint64_t v = 0;
  s = TrimAsciiSpace(s);
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::optional<std::string> EnvFirst(const EnvGetter& env, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (auto v = env(n); v && !v->empty()) return v;
  }
  return std::nullopt;
}

// Bucket names with dots break TLS wildcard certificates in virtual-hosted style.
bool VirtualHostable(std::string_view bucket) { return bucket.find('.') == std::string_view::npos; }

struct ReadState {
  std::string_view data;
  size_t pos = 0;
};

size_t ReadBody(char* out, size_t size, size_t n, void* arg) {
  auto* s = static_cast<ReadState*>(arg);
  const size_t k = std::min(size * n, s->data.size() - s->pos);
  std::copy_n(s->data.data() + s->pos, k, out);
  s->pos += k;
  return k;
}

int SeekBody(void* arg, curl_off_t offset, int origin) {
  auto* s = static_cast<ReadState*>(arg);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > s->data.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  s->pos = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// Bodies of up to this size are allocated once, at their Content-Length
// (object GETs: no doubling and copying as they arrive); larger ones grow.
constexpr uint64_t kReserveBodyBytes = 64ull << 20;

size_t WriteBody(char* data, size_t size, size_t n, void* arg) {
  auto* r = static_cast<S3Response*>(arg);
  if (r->body.empty()) {
    const uint64_t length = ParseU64(r->Header("content-length"));
    if (length > 0 && length <= kReserveBodyBytes) r->body.reserve(length);
  }
  r->body.append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* arg) {
  auto* r = static_cast<S3Response*>(arg);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    r->headers.clear();  // a new response (e.g. after 100 Continue)
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    r->headers.emplace_back(Lower(TrimAsciiSpace(line.substr(0, colon))), std::string(TrimAsciiSpace(line.substr(colon + 1))));
  }
  return size * n;
}

bool RetryableStatus(const S3Response& r, std::string_view code) {
  return r.status >= 500 || r.status == 429 || code == "SlowDown" || code == "RequestTimeout" ||
         code == "RequestTimeTooSkewed";
}

bool AuthCode(std::string_view code) {
  return code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
         code == "AuthorizationHeaderMalformed" || code == "XAdminUserNotFound" ||
         code == "InvalidToken" || code == "ExpiredToken" || code == "AccessDenied";
}

void SleepMs(TimeMs ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

// ---- free functions ----

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (unsigned char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string UriDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && AsciiHexValue(s[i + 1]) >= 0 && AsciiHexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(AsciiHexValue(s[i + 1]) * 16 + AsciiHexValue(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out += "0123456789abcdef"[b >> 4];
    out += "0123456789abcdef"[b & 15];
  }
  return out;
}

Result<S3ListPage> ParseListObjectsV2(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return Err(DataLoss("S3 ListObjectsV2 answer is not a ListBucketResult: " +
                        std::string(xml.substr(0, 200))));
  }
  const bool url_encoded = XmlText(xml, "EncodingType").value_or("") == "url";
  S3ListPage page;
  for (std::string_view c : XmlElements(xml, "Contents")) {
    S3Object o;
    auto key = XmlText(c, "Key");
    if (!key) return Err(DataLoss("S3 ListObjectsV2 answer has a <Contents> without <Key>"));
    o.key = url_encoded ? UriDecode(*key) : *key;
    o.size = ParseU64(XmlText(c, "Size").value_or("0"));
    o.etag = Unquote(XmlText(c, "ETag").value_or(""));
    if (auto t = XmlText(c, "LastModified")) {
      if (auto ms = ParseRfc3339(*t)) o.mtime = *ms;
    }
    page.objects.push_back(std::move(o));
  }
  page.truncated = XmlText(xml, "IsTruncated").value_or("false") == "true";
  page.next_continuation_token = XmlText(xml, "NextContinuationToken").value_or("");
  return page;
}

std::string_view S3Response::Header(std::string_view lowercase_name) const {
  for (const auto& [k, v] : headers)
    if (k == lowercase_name) return v;
  return {};
}

// ---- S3Client ----

struct S3Client::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

Result<std::unique_ptr<S3Client>> S3Client::Create(S3Options options) {
  CurlGlobalInit();
  std::unique_ptr<S3Client> c(new S3Client());
  const EnvGetter& env = options.credential_options.env;
  c->region_ = !options.region.empty()
                   ? options.region
                   : EnvFirst(env, {"AWS_REGION", "AWS_DEFAULT_REGION"}).value_or("us-east-1");
  std::string endpoint = options.endpoint;
  bool custom = true;
  if (endpoint.empty()) endpoint = EnvFirst(env, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}).value_or("");
  if (endpoint.empty()) {
    endpoint = "https://s3." + c->region_ + ".amazonaws.com";
    custom = false;
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();
  const size_t sep = endpoint.find("://");
  if (sep == std::string::npos || (endpoint.substr(0, sep) != "http" && endpoint.substr(0, sep) != "https") ||
      endpoint.size() == sep + 3 || endpoint.find('/', sep + 3) != std::string::npos) {
    return Err(InvalidArgument("S3 endpoint \"" + RedactUrl(endpoint) +
                               "\" must be http(s)://HOST[:PORT], e.g. http://127.0.0.1:7070"));
  }
  c->scheme_ = endpoint.substr(0, sep);
  c->host_ = endpoint.substr(sep + 3);
  c->endpoint_ = endpoint;
  c->path_style_ = options.addressing == Addressing::kPath ||
                   (options.addressing == Addressing::kAuto && custom);
  if (options.credentials) {
    c->credentials_ = CredentialProvider::Fixed(*options.credentials);
  } else {
    ASSIGN_OR_RETURN(c->credentials_, CredentialProvider::Create(options.credential_options));
  }
  c->sigv4_ = "aws:amz:" + c->region_ + ":s3";
  c->options_ = std::move(options);
  return c;
}

S3Client::~S3Client() = default;

std::string S3Client::UrlFor(const S3Request& r) const {
  std::string url = scheme_ + "://";
  const bool path = path_style_ || !VirtualHostable(r.bucket);
  if (path) {
    url += host_ + "/" + UriEncode(r.bucket, false);
    if (!r.key.empty()) url += "/" + UriEncode(r.key, true);
  } else {
    url += r.bucket + "." + host_ + "/" + UriEncode(r.key, true);
  }
  // Canonical order: curl signs the query string as given.
  std::vector<std::pair<std::string, std::string>> q;
  for (const auto& [k, v] : r.query) q.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(q.begin(), q.end());
  for (size_t i = 0; i < q.size(); ++i) url += (i == 0 ? "?" : "&") + q[i].first + "=" + q[i].second;
  return url;
}

std::string S3Client::Describe(const S3Request& r) const {
  return r.method + " s3://" + r.bucket + (r.key.empty() ? "" : "/" + r.key);
}

std::unique_ptr<S3Client::Handle> S3Client::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!pool_.empty()) {
      std::unique_ptr<Handle> h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl = curl_easy_init();
  return h;
}

void S3Client::Release(std::unique_ptr<Handle> h) {
  std::lock_guard lock(mu_);
  if (pool_.size() < 16) pool_.push_back(std::move(h));
}

std::optional<std::string> S3Client::Perform(Handle& h, const S3Request& r, const Credentials& credentials,
                                             S3Response* resp) {
  CURL* curl = h.curl;
  if (curl == nullptr) return "curl_easy_init failed";
  curl_easy_reset(curl);
  const std::string url = UrlFor(r);
  curl_slist* headers = nullptr;
  const std::string sha = "x-amz-content-sha256: " + Sha256Hex(r.body);
  headers = curl_slist_append(headers, sha.c_str());
  const std::string userpwd = credentials.access_key_id + ":" + credentials.secret_access_key;
  std::string token;
  if (!credentials.session_token.empty()) {
    token = "x-amz-security-token: " + credentials.session_token;
    headers = curl_slist_append(headers, token.c_str());
  }
  std::vector<std::string> extra;
  extra.reserve(r.headers.size());
  for (const auto& [k, v] : r.headers) {
    extra.push_back(k + ": " + v);
    headers = curl_slist_append(headers, extra.back().c_str());
  }
  ReadState body{r.body, 0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_s);
  curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 200L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
  // Bodies are read in pieces of this size: curl's default, 16 KB, made a
  // recv and a poll per 16 KB (25,000 system calls for 200 MB of objects).
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kReadBufferBytes);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, resp);
  if (r.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (r.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &body);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, SeekBody);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &body);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  } else if (r.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  } else if (r.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    return std::string(errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
  return std::nullopt;
}

Status S3Client::ErrorFor(const S3Request& r, const S3Response& resp) const {
  const std::string code = XmlText(resp.body, "Code").value_or("");
  const std::string message = XmlText(resp.body, "Message").value_or("");
  std::string what = std::to_string(resp.status);
  if (!code.empty()) what += " " + code;
  if (!message.empty()) what += ": " + message;
  const std::string desc = Describe(r) + " at " + RedactUrl(endpoint_);
  if (resp.status == 403 || AuthCode(code)) {
    return InvalidArgument("S3 refused " + desc + " (" + what + "); the request was signed with " +
                           credentials_->Describe() + " for region " + region_ +
                           ": check the credentials, AWS_REGION and the bucket's permissions");
  }
  if (resp.status == 404) {
    if (code == "NoSuchBucket" || r.key.empty()) {
      return NotFound("S3 bucket " + r.bucket + " does not exist at " + RedactUrl(endpoint_) + " (" + what +
                      "); create it or check the name");
    }
    return NotFound("S3 object s3://" + r.bucket + "/" + r.key + " not found (" + what + ")");
  }
  if (resp.status == 412) {
    return FailedPrecondition("S3 object s3://" + r.bucket + "/" + r.key +
                              " changed while it was being read (" + what + ")");
  }
  if (resp.status == 416) return InvalidArgument("S3 " + desc + ": range not satisfiable (" + what + ")");
  if (RetryableStatus(resp, code)) return Unavailable("S3 " + desc + " failed (" + what + ")");
  return InvalidArgument("S3 " + desc + " failed (" + what + ")");
}

Result<S3Response> S3Client::Send(const S3Request& r) {
  static metrics::Family<metrics::Counter>& failed = metrics::Default().CounterFamily(
      "logstream_store_request_errors_total", "S3 requests that failed (status or connection), by method",
      {"method"});
  static metrics::Family<metrics::Counter>& retried = metrics::Default().CounterFamily(
      "logstream_store_request_retries_total", "S3 requests sent again after a retryable failure, by method",
      {"method"});
  std::unique_ptr<Handle> h = Acquire();
  Status last;
  const int attempts = std::max(1, options_.max_attempts);
  bool refreshed = false;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    auto credentials = credentials_->Get();
    if (!credentials) {
      Release(std::move(h));
      return Err(credentials.error().WithContext("S3 " + Describe(r)));
    }
    S3Response resp;
    std::optional<std::string> curl_error = Perform(*h, r, **credentials, &resp);
    if (!curl_error) {
      if (resp.status >= 200 && resp.status < 300) {
        Release(std::move(h));
        return resp;
      }
      const std::string code = XmlText(resp.body, "Code").value_or("");
      if (code == "ExpiredToken" && !refreshed && credentials_->Refresh(**credentials)) {
        refreshed = true;  // once: retry at once with the new credentials
        --attempt;
        continue;
      }
      if (resp.status != 404) failed.With({r.method}).Add();  // a missing key is an answer
      if (!RetryableStatus(resp, code)) {
        Release(std::move(h));
        return Err(ErrorFor(r, resp));
      }
      last = ErrorFor(r, resp);
    } else {
      last = Unavailable("S3 " + Describe(r) + " at " + RedactUrl(endpoint_) + ": " + *curl_error);
      failed.With({r.method}).Add();
    }
    if (attempt < attempts) retried.With({r.method}).Add();
    // A quarter to all of base_backoff_ms * 2^(attempt - 1), up to max_backoff_ms.
    const BackoffPolicy backoff{options_.base_backoff_ms, options_.max_backoff_ms, 0.25};
    if (attempt < attempts) SleepMs(RandomBackoffDelay(backoff, attempt));
  }
  Release(std::move(h));
  return Err(Unavailable(last.message() + " (gave up after " + std::to_string(attempts) +
                         " attempts; is the S3 endpoint reachable?)"));
}

// ---- operations ----

Status S3Client::CreateBucket(std::string_view bucket) {
  S3Request r("PUT", bucket);
  std::string body;
  if (region_ != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
           "<LocationConstraint>" + region_ + "</LocationConstraint></CreateBucketConfiguration>";
    r.body = body;
  }
  auto resp = Send(r);
  if (!resp && resp.error().message().find("BucketAlreadyOwnedByYou") != std::string::npos) {
    return Status::Ok();
  }
  if (!resp) return resp.error();
  return Status::Ok();
}

namespace {

// A response's Last-Modified in ms since the epoch (0: none or unreadable).
TimeMs LastModified(const S3Response& resp) {
  const std::string lm(resp.Header("last-modified"));
  if (lm.empty()) return 0;
  const time_t t = curl_getdate(lm.c_str(), nullptr);
  return t > 0 ? static_cast<TimeMs>(t) * 1000 : 0;
}

}  // namespace

Result<S3Object> S3Client::HeadObject(std::string_view bucket, std::string_view key) {
  ASSIGN_OR_RETURN(S3Response resp,
                   Send(S3Request("HEAD", bucket, key)));
  S3Object o;
  o.key = std::string(key);
  o.size = ParseU64(resp.Header("content-length"));
  o.etag = Unquote(resp.Header("etag"));
  o.mtime = LastModified(resp);
  return o;
}

Result<std::string> S3Client::GetObjectRange(std::string_view bucket, std::string_view key,
                                             uint64_t begin, uint64_t end, std::string_view if_match) {
  if (end <= begin) return std::string();
  S3Request r("GET", bucket, key);
  r.headers.emplace_back("Range", "bytes=" + std::to_string(begin) + "-" + std::to_string(end - 1));
  if (!if_match.empty()) r.headers.emplace_back("If-Match", "\"" + std::string(if_match) + "\"");
  ASSIGN_OR_RETURN(S3Response resp, Send(r));
  if (resp.status == 200) {  // the server ignored the range
    if (resp.body.size() < end) {
      return Err(DataLoss("S3 object s3://" + std::string(bucket) + "/" + std::string(key) +
                          " is shorter than expected"));
    }
    return resp.body.substr(begin, end - begin);
  }
  if (resp.body.size() != end - begin) {
    return Err(Unavailable("S3 GET s3://" + std::string(bucket) + "/" + std::string(key) + " returned " +
                           std::to_string(resp.body.size()) + " bytes for a range of " +
                           std::to_string(end - begin)));
  }
  return std::move(resp.body);
}

Result<S3Client::FirstRange> S3Client::GetObjectFirstRange(std::string_view bucket,
                                                           std::string_view key, uint64_t begin,
                                                           uint64_t end) {
  S3Request r("GET", bucket, key);
  r.headers.emplace_back("Range", "bytes=" + std::to_string(begin) + "-" + std::to_string(end - 1));
  ASSIGN_OR_RETURN(S3Response resp, Send(r));
  FirstRange out;
  out.etag = Unquote(resp.Header("etag"));
  out.mtime = LastModified(resp);
  if (resp.status == 200) {  // the server ignored the range: the whole object came
    out.object_size = resp.body.size();
    if (begin > out.object_size) {
      return Err(InvalidArgument("S3 GET s3://" + std::string(bucket) + "/" + std::string(key) +
                                 ": range not satisfiable"));
    }
    out.data = resp.body.substr(begin, end - begin);
    return out;
  }
  // Content-Range: bytes FIRST-LAST/TOTAL
  const std::string_view range = resp.Header("content-range");
  const size_t slash = range.rfind('/');
  if (slash == std::string_view::npos) {
    return Err(DataLoss("S3 GET s3://" + std::string(bucket) + "/" + std::string(key) +
                        " answered 206 without a Content-Range"));
  }
  out.object_size = ParseU64(range.substr(slash + 1));
  out.data = std::move(resp.body);
  return out;
}

Result<std::string> S3Client::PutObject(std::string_view bucket, std::string_view key,
                                        std::string_view data) {
  S3Request r("PUT", bucket, key);
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  r.body = data;
  ASSIGN_OR_RETURN(S3Response resp, Send(r));
  return Unquote(resp.Header("etag"));
}

Status S3Client::DeleteObject(std::string_view bucket, std::string_view key) {
  auto resp = Send(S3Request("DELETE", bucket, key));
  if (!resp && resp.error().code() != StatusCode::kNotFound) return resp.error();
  return Status::Ok();
}

Result<S3ListPage> S3Client::ListObjectsV2(std::string_view bucket, std::string_view prefix,
                                           std::string_view start_after,
                                           std::string_view continuation_token, size_t max_keys) {
  S3Request r("GET", bucket);
  r.query = {{"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(max_keys)}};
  if (!prefix.empty()) r.query.emplace_back("prefix", std::string(prefix));
  if (!start_after.empty()) r.query.emplace_back("start-after", std::string(start_after));
  if (!continuation_token.empty()) r.query.emplace_back("continuation-token", std::string(continuation_token));
  ASSIGN_OR_RETURN(S3Response resp, Send(r));
  return ParseListObjectsV2(resp.body);
}

Result<std::string> S3Client::CreateMultipartUpload(std::string_view bucket, std::string_view key) {
  S3Request r("POST", bucket, key);
  r.query = {{"uploads", ""}};
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  ASSIGN_OR_RETURN(S3Response resp, Send(r));
  auto id = XmlText(resp.body, "UploadId");
  if (!id || id->empty()) return Err(DataLoss("S3 CreateMultipartUpload answered without an UploadId"));
  return *id;
}

Result<std::string> S3Client::UploadPart(std::string_view bucket, std::string_view key,
                                         std::string_view upload_id, int part_number,
                                         std::string_view data) {
  S3Request r("PUT", bucket, key);
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", std::string(upload_id)}};
  r.body = data;
  ASSIGN_OR_RETURN(S3Response resp, Send(r));
  return Unquote(resp.Header("etag"));
}

Result<std::string> S3Client::CompleteMultipartUpload(std::string_view bucket, std::string_view key,
                                                      std::string_view upload_id,
                                                      const std::vector<std::string>& part_etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>\"" +
            XmlEscape(part_etags[i]) + "\"</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  S3Request r("POST", bucket, key);
  r.query = {{"uploadId", std::string(upload_id)}};
  r.headers.emplace_back("Content-Type", "application/xml");
  r.body = body;
  ASSIGN_OR_RETURN(S3Response resp, Send(r));
  // S3 may answer 200 with an <Error> body.
  if (resp.body.find("<Error>") != std::string::npos) {
    return Err(Unavailable("S3 CompleteMultipartUpload of s3://" + std::string(bucket) + "/" +
                           std::string(key) + " failed: " + XmlText(resp.body, "Message").value_or("")));
  }
  return Unquote(XmlText(resp.body, "ETag").value_or(""));
}

Status S3Client::AbortMultipartUpload(std::string_view bucket, std::string_view key,
                                      std::string_view upload_id) {
  S3Request r("DELETE", bucket, key);
  r.query = {{"uploadId", std::string(upload_id)}};
  auto resp = Send(r);
  if (!resp) return resp.error();
  return Status::Ok();
}

}  // namespace logstream::aws
