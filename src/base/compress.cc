#include "src/base/compress.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace logstream::codec {

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

std::optional<Compression> ParseCompression(std::string_view name) {
  if (name == "none") return Compression::kNone;
  if (name == "gzip" || name == "gz") return Compression::kGzip;
  if (name == "zstd" || name == "zst") return Compression::kZstd;
  return std::nullopt;
}

std::string_view CompressionSuffix(Compression c) {
  switch (c) {
    case Compression::kNone: return "";
    case Compression::kGzip: return ".gz";
    case Compression::kZstd: return ".zst";
  }
  return "";
}

namespace {

// windowBits 15 + 16: gzip wrapper with zlib's default header (mtime 0).
constexpr int kGzipWindowBits = 15 + 16;

Status Gzip(std::string_view in, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("zlib deflateInit2 failed");
  }
  gz_header header{};
  header.os = 3;  // unix, whatever the build platform
  deflateSetHeader(&zs, &header);
  out->resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Internal("zlib deflate did not finish (rc " + std::to_string(rc) + ")");
  out->resize(written);
  return Status::Ok();
}

Status Gunzip(std::string_view in, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) return Internal("zlib inflateInit2 failed");
  out->clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[64 * 1024];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out->append(buf, sizeof buf - zs.avail_out);
  } while (rc != Z_STREAM_END && (zs.avail_in > 0 || zs.avail_out == 0));
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return DataLoss("corrupt or truncated gzip data");
  return Status::Ok();
}

Status Zstd(std::string_view in, std::string* out) {
  out->resize(ZSTD_compressBound(in.size()));
  const size_t n = ZSTD_compress(out->data(), out->size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  out->resize(n);
  return Status::Ok();
}

Status Unzstd(std::string_view in, std::string* out) {
  out->clear();
  ZSTD_DStream* ds = ZSTD_createDStream();
  ZSTD_initDStream(ds);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  char buf[64 * 1024];
  size_t rc = 1;
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(ds, &output, &input);
    if (ZSTD_isError(rc)) break;
    out->append(buf, output.pos);
  }
  // Drain what remains buffered after the last input byte.
  while (!ZSTD_isError(rc) && rc != 0) {
    ZSTD_outBuffer output{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(ds, &output, &input);
    if (ZSTD_isError(rc) || output.pos == 0) break;
    out->append(buf, output.pos);
  }
  ZSTD_freeDStream(ds);
  if (ZSTD_isError(rc)) return DataLoss(std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
  if (rc != 0) return DataLoss("truncated zstd data");
  return Status::Ok();
}

}  // namespace

Status Compress(Compression c, std::string_view in, std::string* out) {
  switch (c) {
    case Compression::kNone: out->assign(in); return Status::Ok();
    case Compression::kGzip: return Gzip(in, out);
    case Compression::kZstd: return Zstd(in, out);
  }
  return Internal("unknown compression");
}

Status Decompress(Compression c, std::string_view in, std::string* out) {
  switch (c) {
    case Compression::kNone: out->assign(in); return Status::Ok();
    case Compression::kGzip: return Gunzip(in, out);
    case Compression::kZstd: return Unzstd(in, out);
  }
  return Internal("unknown compression");
}

}  // namespace logstream::codec
