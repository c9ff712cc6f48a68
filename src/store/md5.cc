#include "src/store/md5.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace logstream {

struct Md5::Ctx {
  EVP_MD_CTX* ctx = nullptr;
};

Md5::Md5() : ctx_(std::make_unique<Ctx>()) {
  ctx_->ctx = EVP_MD_CTX_new();
  // Allocation failure or a missing digest is not recoverable here.
  if (ctx_->ctx == nullptr || EVP_DigestInit_ex(ctx_->ctx, EVP_md5(), nullptr) != 1) std::abort();
}

Md5::~Md5() { EVP_MD_CTX_free(ctx_->ctx); }

void Md5::Update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->ctx, data.data(), data.size());
}

std::string Md5::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->ctx, digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

std::string Md5Hex(std::string_view data) {
  Md5 md5;
  md5.Update(data);
  return md5.HexDigest();
}

}  // namespace logstream
