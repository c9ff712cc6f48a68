#include "src/store/s3_store.h"

#include <algorithm>
#include <future>

#include "src/store/md5.h"
#include "src/store/range.h"

namespace logstream {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;

// Streams [pos, end) of one object version in ranged GETs of `chunk` bytes,
// the next one in flight while the caller reads the current one.
class S3Reader final : public ObjectReader {
 public:
  // first: bytes already fetched from range.begin on.
  S3Reader(std::shared_ptr<aws::S3Client> client, std::string bucket, std::string key,
           std::string etag, ByteRange range, uint64_t chunk, std::string first = {})
      : client_(std::move(client)),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        etag_(std::move(etag)),
        pos_(range.begin + first.size()),
        end_(range.end),
        chunk_(chunk),
        buf_(std::move(first)) {
    if (!buf_.empty()) FetchNext();
  }
  ~S3Reader() override {
    if (next_.valid()) next_.wait();
  }

  Result<size_t> Read(char* buf, size_t n) override {
    if (!failed_.ok()) return Err(failed_);
    if (buf_pos_ == buf_.size()) {
      if (!next_.valid()) {
        if (pos_ >= end_) return 0;
        FetchNext();
      }
      buf_.clear();
      buf_.shrink_to_fit();
      auto chunk = next_.get();
      if (!chunk) {
        pos_ = end_;  // a failed reader stays failed: no chunk is skipped
        failed_ = chunk.error();
        return Err(failed_);
      }
      buf_ = std::move(*chunk);
      buf_pos_ = 0;
      FetchNext();
    }
    const size_t k = std::min(n, buf_.size() - buf_pos_);
    std::copy_n(buf_.data() + buf_pos_, k, buf);
    buf_pos_ += k;
    return k;
  }

 private:
  // Starts the GET of the next chunk, if any.
  void FetchNext() {
    if (pos_ >= end_) return;
    const uint64_t from = pos_, to = std::min(end_, pos_ + chunk_);
    pos_ = to;
    next_ = std::async(std::launch::async, [client = client_, bucket = bucket_, key = key_, etag = etag_, from, to] {
      return client->GetObjectRange(bucket, key, from, to, etag);
    });
  }

  std::shared_ptr<aws::S3Client> client_;
  std::string bucket_, key_, etag_;
  uint64_t pos_, end_, chunk_;  // pos_: where the next GET starts
  std::string buf_;
  size_t buf_pos_ = 0;
  std::future<Result<std::string>> next_;
  Status failed_;
};

ObjectInfo ToInfo(aws::S3Object o, std::string key) {
  return ObjectInfo{std::move(key), o.size, std::move(o.etag), o.mtime};
}

}  // namespace

std::string MultipartEtag(std::string_view data, uint64_t part_size) {
  if (data.size() <= part_size) return Md5Hex(data);
  std::string digests;
  size_t parts = 0;
  for (size_t off = 0; off < data.size(); off += part_size, ++parts) {
    const std::string hex = Md5Hex(data.substr(off, part_size));
    for (size_t i = 0; i < hex.size(); i += 2) {
      digests += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
  }
  return Md5Hex(digests) + "-" + std::to_string(parts);
}

Result<std::unique_ptr<S3Store>> S3Store::Open(std::string_view url, S3StoreOptions options) {
  if (!url.starts_with("s3://")) {
    return Err(InvalidArgument("S3 store URL " + std::string(url) + " must start with s3://"));
  }
  std::string_view rest = url.substr(5);
  const size_t slash = rest.find('/');
  std::string bucket(rest.substr(0, slash));
  std::string prefix(slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1));
  while (prefix.ends_with('/')) prefix.pop_back();
  if (bucket.size() < 3 || bucket.size() > 63) {
    return Err(InvalidArgument("S3 store URL " + std::string(url) +
                               ": a bucket name has 3 to 63 characters, e.g. s3://logs/raw"));
  }
  if (!prefix.empty()) RETURN_IF_ERROR(ValidateKey(prefix).WithContext("S3 store URL prefix"));
  if (options.part_size < kMinPartSize) {
    return Err(InvalidArgument("S3 part size must be at least 5 MiB (S3's minimum)"));
  }
  if (options.read_chunk == 0) return Err(InvalidArgument("S3 read chunk must be positive"));
  std::unique_ptr<S3Store> store(new S3Store());
  ASSIGN_OR_RETURN(std::unique_ptr<aws::S3Client> client, aws::S3Client::Create(options.s3));
  store->client_ = std::move(client);
  store->bucket_ = std::move(bucket);
  store->prefix_ = std::move(prefix);
  if (options.create_bucket) RETURN_IF_ERROR(store->client_->CreateBucket(store->bucket_));
  store->options_ = std::move(options);
  return store;
}

std::string S3Store::Url() const { return "s3://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_); }

std::string S3Store::FullKey(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "/" + std::string(key);
}

Result<PutResult> S3Store::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateKey(key));
  const std::string full = FullKey(key);
  const bool multipart = data.size() > options_.multipart_threshold;
  const std::string etag = multipart ? MultipartEtag(data, options_.part_size) : Md5Hex(data);
  auto head = client_->HeadObject(bucket_, full);
  if (head && head->etag == etag && head->size == data.size()) return PutResult{etag, false};
  if (!head && head.error().code() != StatusCode::kNotFound) return Err(head.error());
  if (multipart) {
    ASSIGN_OR_RETURN(std::string got, PutMultipart(full, data));
    return PutResult{got.empty() ? etag : got, true};
  }
  ASSIGN_OR_RETURN(std::string got, client_->PutObject(bucket_, full, data));
  return PutResult{got.empty() ? etag : got, true};
}

Result<std::string> S3Store::PutMultipart(const std::string& full, std::string_view data) {
  ASSIGN_OR_RETURN(std::string upload_id, client_->CreateMultipartUpload(bucket_, full));
  std::vector<std::string> etags;
  auto upload = [&]() -> Result<std::string> {
    for (size_t off = 0; off < data.size(); off += options_.part_size) {
      ASSIGN_OR_RETURN(std::string e,
                       client_->UploadPart(bucket_, full, upload_id, static_cast<int>(etags.size() + 1),
                                           data.substr(off, options_.part_size)));
      etags.push_back(std::move(e));
    }
    return client_->CompleteMultipartUpload(bucket_, full, upload_id, etags);
  };
  auto result = upload();
  if (!result) {
    (void)client_->AbortMultipartUpload(bucket_, full, upload_id);  // best effort
    return Err(result.error().WithContext("multipart upload of s3://" + bucket_ + "/" + full +
                                          " (aborted)"));
  }
  return result;
}

Result<OpenedObject> S3Store::ReadRange(std::string_view key, uint64_t offset, std::optional<uint64_t> length) {
  RETURN_IF_ERROR(ValidateKey(key));
  const std::string full = FullKey(key);
  if (!length || *length > 0) {
    // One ranged GET gives the first chunk, the object's size, etag and time.
    const uint64_t want = length ? std::min(*length, options_.read_chunk) : options_.read_chunk;
    auto first = client_->GetObjectFirstRange(bucket_, full, offset, offset + want);
    if (first) {
      ASSIGN_OR_RETURN(ByteRange range, ResolveRange(key, first->object_size, offset, length));
      if (first->data.size() > range.end - range.begin) first->data.resize(range.end - range.begin);
      ObjectInfo info{std::string(key), first->object_size, first->etag, first->mtime};
      return OpenedObject{std::move(info),
                          std::make_unique<S3Reader>(client_, bucket_, full, std::move(first->etag), range,
                                                     options_.read_chunk, std::move(first->data))};
    }
    if (first.error().code() != StatusCode::kInvalidArgument) return Err(first.error());
    // 416: an empty object, or an offset at or past the end; HEAD tells which.
  }
  ASSIGN_OR_RETURN(aws::S3Object head, client_->HeadObject(bucket_, full));
  ASSIGN_OR_RETURN(ByteRange range, ResolveRange(key, head.size, offset, length));
  auto reader = std::make_unique<S3Reader>(client_, bucket_, full, head.etag, range, options_.read_chunk);
  return OpenedObject{ToInfo(std::move(head), std::string(key)), std::move(reader)};
}

Result<std::unique_ptr<ObjectReader>> S3Store::Get(std::string_view key, uint64_t offset,
                                                   std::optional<uint64_t> length) {
  ASSIGN_OR_RETURN(OpenedObject opened, ReadRange(key, offset, length));
  return std::move(opened.reader);
}

Result<OpenedObject> S3Store::GetWithInfo(std::string_view key, uint64_t length) { return ReadRange(key, 0, length); }

Result<ObjectInfo> S3Store::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  ASSIGN_OR_RETURN(aws::S3Object head, client_->HeadObject(bucket_, FullKey(key)));
  return ToInfo(std::move(head), std::string(key));
}

Result<ListResult> S3Store::List(std::string_view prefix, std::string_view start_after,
                                 size_t max_keys) {
  const std::string full_prefix = prefix_.empty() ? std::string(prefix) : prefix_ + "/" + std::string(prefix);
  const std::string full_after = start_after.empty() ? std::string() : FullKey(start_after);
  const size_t strip = prefix_.empty() ? 0 : prefix_.size() + 1;
  ListResult out;
  std::string token;
  while (out.objects.size() < max_keys) {
    const size_t want = std::min<size_t>(1000, max_keys - out.objects.size());
    ASSIGN_OR_RETURN(aws::S3ListPage page,
                     client_->ListObjectsV2(bucket_, full_prefix, token.empty() ? full_after : "", token, want));
    for (aws::S3Object& o : page.objects) {
      if (o.key.size() <= strip) continue;
      std::string key = o.key.substr(strip);
      out.objects.push_back(ToInfo(std::move(o), std::move(key)));
    }
    out.truncated = page.truncated;
    if (!page.truncated || page.next_continuation_token.empty()) break;
    token = std::move(page.next_continuation_token);
  }
  if (out.objects.size() > max_keys) {
    out.objects.resize(max_keys);
    out.truncated = true;
  }
  return out;
}

Status S3Store::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  return client_->DeleteObject(bucket_, FullKey(key));
}

}  // namespace logstream
