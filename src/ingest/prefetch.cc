#include "src/ingest/prefetch.h"

#include <algorithm>
#include <cstring>

namespace logstream {
namespace {

// The prefetched bytes, then the rest of the object from the store (opened
// when the bytes are used up).
class PrefetchedReader final : public ObjectReader {
 public:
  PrefetchedReader(ObjectStore& store, std::string key, std::string data, bool whole)
      : store_(store), key_(std::move(key)), data_(std::move(data)), whole_(whole) {}

  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < data_.size()) {
      const size_t k = std::min(n, data_.size() - pos_);
      std::memcpy(buf, data_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    if (whole_) return 0;
    if (!rest_) {
      ASSIGN_OR_RETURN(rest_, store_.Get(key_, data_.size()));
      data_.clear();
      data_.shrink_to_fit();
      pos_ = 0;
    }
    return rest_->Read(buf, n);
  }

 private:
  ObjectStore& store_;
  std::string key_;
  std::string data_;
  size_t pos_ = 0;
  bool whole_;
  std::unique_ptr<ObjectReader> rest_;
};

Prefetcher::Object ReadAhead(ObjectStore& store, const std::string& key, size_t max_bytes) {
  Prefetcher::Object out;
  auto opened = store.GetWithInfo(key, max_bytes);  // S3: one GET, no HEAD
  if (!opened) {
    out.info = Err(opened.error());
    return out;
  }
  out.info = opened->info;
  const uint64_t want = std::min<uint64_t>(opened->info.size, max_bytes);
  if (want == 0) {
    out.data = std::string();
    out.whole = opened->info.size == 0;
    return out;
  }
  ObjectReader* reader = opened->reader.get();
  std::string data;
  data.resize_and_overwrite(want, [](char*, size_t n) { return n; });
  size_t got = 0;
  while (got < want) {
    auto n = reader->Read(data.data() + got, want - got);
    if (!n) {
      out.data = Err(n.error());
      return out;
    }
    if (*n == 0) break;
    got += *n;
  }
  data.resize(got);
  out.whole = got == out.info->size;
  out.data = std::move(data);
  return out;
}

}  // namespace

Prefetcher::Prefetcher(ObjectStore& store, PrefetchOptions options) : store_(store), options_(options) {}

Prefetcher::~Prefetcher() { Clear(); }

void Prefetcher::Want(std::string_view key) {
  if (options_.objects == 0 || reads_.size() >= options_.objects) return;
  for (const auto& [k, read] : reads_) {
    if (k == key) return;
  }
  const size_t max_bytes = std::max<size_t>(1, options_.bytes / options_.objects);
  std::string owned(key);
  reads_.emplace_back(owned, std::async(std::launch::async, [this, owned, max_bytes] {
                        return ReadAhead(store_, owned, max_bytes);
                      }));
}

std::optional<Prefetcher::Object> Prefetcher::Take(std::string_view key) {
  for (auto it = reads_.begin(); it != reads_.end(); ++it) {
    if (it->first != key) continue;
    Object object = it->second.get();
    reads_.erase(it);
    return object;
  }
  return std::nullopt;
}

void Prefetcher::Clear() {
  for (auto& [key, read] : reads_) read.wait();
  reads_.clear();
}

std::optional<std::unique_ptr<ObjectReader>> Prefetcher::Reader(ObjectStore& store, std::string key,
                                                                Object& object) {
  if (!object.data) return std::nullopt;
  return std::make_unique<PrefetchedReader>(store, std::move(key), std::move(*object.data), object.whole);
}

}  // namespace logstream
