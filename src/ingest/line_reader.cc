#include "src/ingest/line_reader.h"

#include <cstring>

#include <zlib.h>
#include <zstd.h>

namespace logstream {
namespace {

constexpr size_t kBlock = 1 << 20;

// Feeds `raw` through a decompressor in blocks.
class DecompressingReader : public ObjectReader {
 public:
  DecompressingReader(std::unique_ptr<ObjectReader> raw, std::string first)
      : raw_(std::move(raw)), in_(std::move(first)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      if (in_pos_ == in_.size() && !raw_eof_) {
        in_.resize(kBlock);
        in_pos_ = 0;
        auto r = raw_->Read(in_.data(), in_.size());
        if (!r) return Err(r.error());
        in_.resize(*r);
        if (*r == 0) raw_eof_ = true;
      }
      size_t avail_in = in_.size() - in_pos_;
      if (avail_in == 0 && raw_eof_) {
        if (!AtFrameEnd()) {
          return Err(DataLoss(Name() + " stream truncated after " + std::to_string(consumed_) +
                              " compressed bytes"));
        }
        return 0;
      }
      size_t used = 0;
      size_t produced = 0;
      RETURN_IF_ERROR(Step(in_.data() + in_pos_, avail_in, buf, n, &used, &produced));
      in_pos_ += used;
      consumed_ += used;
      if (produced > 0) return produced;
    }
  }

 protected:
  virtual std::string Name() const = 0;
  virtual bool AtFrameEnd() const = 0;
  virtual Status Step(const char* in, size_t in_n, char* out, size_t out_n, size_t* used,
                      size_t* produced) = 0;
  uint64_t consumed_ = 0;

 private:
  std::unique_ptr<ObjectReader> raw_;
  std::string in_;
  size_t in_pos_ = 0;
  bool raw_eof_ = false;
};

class GzipReader : public DecompressingReader {
 public:
  using DecompressingReader::DecompressingReader;
  Status Init() {
    std::memset(&zs_, 0, sizeof(zs_));
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) return Internal("inflateInit2 failed");
    init_ = true;
    return Status::Ok();
  }
  ~GzipReader() override {
    if (init_) inflateEnd(&zs_);
  }

 protected:
  std::string Name() const override { return "gzip"; }
  bool AtFrameEnd() const override { return member_done_; }
  Status Step(const char* in, size_t in_n, char* out, size_t out_n, size_t* used,
              size_t* produced) override {
    if (member_done_) {
      // Another gzip member follows (concatenated gzip files are one stream).
      if (inflateReset(&zs_) != Z_OK) return Internal("inflateReset failed");
      member_done_ = false;
    }
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
    zs_.avail_in = static_cast<uInt>(in_n);
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = static_cast<uInt>(out_n);
    int rc = inflate(&zs_, Z_NO_FLUSH);
    *used = in_n - zs_.avail_in;
    *produced = out_n - zs_.avail_out;
    if (rc == Z_STREAM_END) {
      member_done_ = true;
    } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && (*used > 0 || *produced > 0))) {
      return DataLoss("corrupt gzip data near compressed byte " +
                      std::to_string(consumed_ + *used) + ": " + (zs_.msg ? zs_.msg : "error"));
    }
    return Status::Ok();
  }

 private:
  z_stream zs_;
  bool init_ = false;
  bool member_done_ = false;
};

class ZstdReader : public DecompressingReader {
 public:
  using DecompressingReader::DecompressingReader;
  Status Init() {
    ds_ = ZSTD_createDStream();
    if (ds_ == nullptr) return Internal("ZSTD_createDStream failed");
    return Status::Ok();
  }
  ~ZstdReader() override { ZSTD_freeDStream(ds_); }

 protected:
  std::string Name() const override { return "zstd"; }
  bool AtFrameEnd() const override { return last_hint_ == 0; }
  Status Step(const char* in, size_t in_n, char* out, size_t out_n, size_t* used,
              size_t* produced) override {
    ZSTD_inBuffer ib{in, in_n, 0};
    ZSTD_outBuffer ob{out, out_n, 0};
    size_t rc = ZSTD_decompressStream(ds_, &ob, &ib);
    *used = ib.pos;
    *produced = ob.pos;
    if (ZSTD_isError(rc)) {
      return DataLoss("corrupt zstd data near compressed byte " +
                      std::to_string(consumed_ + *used) + ": " + ZSTD_getErrorName(rc));
    }
    last_hint_ = rc;
    return Status::Ok();
  }

 private:
  ZSTD_DStream* ds_ = nullptr;
  size_t last_hint_ = 1;
};

// Replays bytes already read (the sniffed magic) before the rest.
class PrefixedReader : public ObjectReader {
 public:
  PrefixedReader(std::unique_ptr<ObjectReader> raw, std::string prefix)
      : raw_(std::move(raw)), prefix_(std::move(prefix)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return raw_->Read(buf, n);
  }

 private:
  std::unique_ptr<ObjectReader> raw_;
  std::string prefix_;
  size_t pos_ = 0;
};

}  // namespace

Result<DecodedReader> OpenDecoded(std::unique_ptr<ObjectReader> raw) {
  std::string head(4, '\0');
  size_t got = 0;
  while (got < head.size()) {
    auto r = raw->Read(head.data() + got, head.size() - got);
    if (!r) return Err(r.error());
    if (*r == 0) break;
    got += *r;
  }
  head.resize(got);
  auto is = [&](std::string_view magic) { return head.compare(0, magic.size(), magic) == 0 && head.size() >= magic.size(); };
  DecodedReader out;
  if (is("\x1f\x8b")) {
    auto g = std::make_unique<GzipReader>(std::move(raw), std::move(head));
    RETURN_IF_ERROR(g->Init());
    out.reader = std::move(g);
    out.compression = codec::Compression::kGzip;
  } else if (is("\x28\xb5\x2f\xfd")) {
    auto z = std::make_unique<ZstdReader>(std::move(raw), std::move(head));
    RETURN_IF_ERROR(z->Init());
    out.reader = std::move(z);
    out.compression = codec::Compression::kZstd;
  } else {
    out.reader = std::make_unique<PrefixedReader>(std::move(raw), std::move(head));
  }
  return out;
}

LineReader::LineReader(std::unique_ptr<ObjectReader> in, size_t max_line_bytes,
                       uint64_t base_offset)
    : in_(std::move(in)), max_line_bytes_(max_line_bytes), offset_(base_offset) {
  buf_.resize(std::max(kBlock, max_line_bytes_ * 2));
}

Status LineReader::Fill() {
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < buf_.size()) {
    auto r = in_->Read(buf_.data() + end_, buf_.size() - end_);
    if (!r) return r.error();
    if (*r == 0) {
      eof_ = true;
      break;
    }
    end_ += *r;
    if (end_ - begin_ > 0) break;
  }
  return Status::Ok();
}

Status LineReader::Skip(uint64_t n) {
  while (n > 0) {
    if (begin_ == end_) {
      if (eof_) return DataLoss("object ended before the resume offset");
      RETURN_IF_ERROR(Fill());
      continue;
    }
    size_t k = static_cast<size_t>(std::min<uint64_t>(n, end_ - begin_));
    begin_ += k;
    offset_ += k;
    n -= k;
  }
  return Status::Ok();
}

Result<std::optional<Line>> LineReader::Next() {
  size_t scanned = 0;  // bytes after begin_ known to hold no '\n'
  while (true) {
    const char* start = buf_.data() + begin_;
    const char* nl = static_cast<const char*>(
        std::memchr(start + scanned, '\n', end_ - begin_ - scanned));
    size_t len = nl ? static_cast<size_t>(nl - start) : end_ - begin_;
    if (len > max_line_bytes_) {
      // Too long: keep the head for the report, discard up to the newline.
      Line line;
      line.offset = offset_;
      line.too_long = true;
      too_long_head_.assign(start, max_line_bytes_);
      uint64_t total = 0;
      bool newline = false;
      while (!newline) {
        const char* p = buf_.data() + begin_;
        const char* e = static_cast<const char*>(std::memchr(p, '\n', end_ - begin_));
        size_t k = e ? static_cast<size_t>(e - p) : end_ - begin_;
        total += k;
        begin_ += k;
        if (e != nullptr) {
          ++begin_;
          newline = true;
        } else if (eof_) {
          break;
        } else {
          RETURN_IF_ERROR(Fill());
        }
      }
      line.length = total;
      line.text = too_long_head_;
      offset_ += total + (newline ? 1 : 0);
      line.end = offset_;
      return std::optional<Line>(line);
    }
    if (nl != nullptr || (eof_ && len > 0)) {
      Line line;
      line.offset = offset_;
      line.length = len;
      size_t consumed = len + (nl ? 1 : 0);
      std::string_view text(start, len);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      line.text = text;
      begin_ += consumed;
      offset_ += consumed;
      line.end = offset_;
      return std::optional<Line>(line);
    }
    if (eof_) return std::optional<Line>();
    scanned = len;
    RETURN_IF_ERROR(Fill());
  }
}

}  // namespace logstream
