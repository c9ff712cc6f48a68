#include "src/store/memory_store.h"

#include <algorithm>
#include <cstring>

#include "src/store/md5.h"
#include "src/store/range.h"

namespace logstream {
namespace {

class StringReader : public ObjectReader {
 public:
  StringReader(std::shared_ptr<const std::string> data, uint64_t begin, uint64_t end)
      : data_(std::move(data)), pos_(begin), end_(end) {}

  Result<size_t> Read(char* buf, size_t n) override {
    const size_t k = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
    if (k > 0) std::memcpy(buf, data_->data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::shared_ptr<const std::string> data_;
  uint64_t pos_;
  uint64_t end_;
};

}  // namespace

MemoryStore::MemoryStore(std::string bucket) : bucket_(std::move(bucket)) {}

std::string MemoryStore::Url() const { return "mem://" + bucket_; }

std::string MemoryStore::Bucket() const { return bucket_; }

Result<PutResult> MemoryStore::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::string etag = Md5Hex(data);
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it != objects_.end() && it->second.etag == etag && *it->second.data == data) {
    return PutResult{std::move(etag), false};
  }
  Object obj{std::make_shared<const std::string>(data), etag, NowMs()};
  if (it != objects_.end()) {
    it->second = std::move(obj);
  } else {
    objects_.emplace(std::string(key), std::move(obj));
  }
  return PutResult{std::move(etag), true};
}

Result<std::unique_ptr<ObjectReader>> MemoryStore::Get(std::string_view key, uint64_t offset,
                                                       std::optional<uint64_t> length) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::shared_ptr<const std::string> data;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Err(NotFound("object " + std::string(key) + " does not exist in " + Url()));
    data = it->second.data;
  }
  ASSIGN_OR_RETURN(ByteRange range, ResolveRange(key, data->size(), offset, length));
  return std::make_unique<StringReader>(std::move(data), range.begin, range.end);
}

Result<ObjectInfo> MemoryStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return Err(NotFound("object " + std::string(key) + " does not exist in " + Url()));
  return ObjectInfo{it->first, it->second.data->size(), it->second.etag, it->second.mtime};
}

Result<ListResult> MemoryStore::List(std::string_view prefix, std::string_view start_after,
                                     size_t max_keys) {
  ListResult result;
  std::lock_guard lock(mu_);
  auto it = std::max(prefix, start_after) == start_after ? objects_.upper_bound(start_after)
                                                          : objects_.lower_bound(prefix);
  for (; it != objects_.end() && it->first.starts_with(prefix); ++it) {
    if (result.objects.size() == max_keys) {
      result.truncated = true;
      break;
    }
    result.objects.push_back({it->first, it->second.data->size(), it->second.etag, it->second.mtime});
  }
  return result;
}

Status MemoryStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it != objects_.end()) objects_.erase(it);
  return Status::Ok();
}

}  // namespace logstream
