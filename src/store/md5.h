// MD5 digests as lowercase hex, the etag of single-part objects (as S3 does).
// Md5 is incremental and not thread-safe; Md5Hex is pure and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace logstream {

// Lowercase hex MD5 of data: Md5Hex("hello") == "5d41402abc4b2a76b9719d911017c592".
std::string Md5Hex(std::string_view data);

// Incremental MD5 over OpenSSL's EVP API: Update() any number of times, then
// HexDigest() once (the object is then spent; make a new one to start over).
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void Update(std::string_view data);
  std::string HexDigest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace logstream
