#include "src/notify/webhook_sink.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "src/base/redact.h"
#include "src/notify/alert_text.h"
#include "src/notify/curl_sink.h"
#include "src/notify/email_sink.h"

namespace logstream {
namespace {

// The receiver's response body is not needed.
size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

class WebhookSink : public CurlSink {
 public:
  WebhookSink(const SinkConfig& c, std::string secret, std::string token)
      : CurlSink(c), secret_(std::move(secret)), token_(std::move(token)) {}

  Delivery Deliver(std::string_view body) override {
    std::string id = "?";
    if (auto a = ParseAlert(body)) id = a->id;
    auto out = Transfer([&](CURL* curl, curl_slist** headers) {
      *headers = curl_slist_append(*headers, "Content-Type: application/json");
      *headers = curl_slist_append(*headers, "Expect:");
      *headers = curl_slist_append(*headers, ("X-Logstream-Alert-Id: " + HeaderValue(id)).c_str());
      if (!token_.empty()) {
        *headers = curl_slist_append(*headers, ("Authorization: Bearer " + token_).c_str());
      }
      if (!secret_.empty()) {
        *headers = curl_slist_append(
            *headers, ("X-Logstream-Signature: sha256=" + HmacSha256Hex(secret_, body)).c_str());
      }
      curl_easy_setopt(curl, CURLOPT_URL, config_.url.c_str());
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *headers);
      curl_easy_setopt(curl, CURLOPT_USERAGENT, "logstream-notify");
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
    });
    if (!out) return Delivery::Retry("curl_easy_init failed");
    const CURLcode rc = out->code;
    const long status = out->response;
    const std::string where = "webhook " + RedactUrl(config_.url);
    if (rc != CURLE_OK) {
      std::string why = where + ": " + out->error;
      if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) return Delivery::Error(why);
      return Delivery::Retry(why);
    }
    if (status >= 200 && status < 300) return Delivery::Ok();
    std::string why = where + ": HTTP " + std::to_string(status);
    if (status == 408 || status == 429 || status >= 500) return Delivery::Retry(why);
    return Delivery::Error(why);
  }

 private:
  std::string secret_;
  std::string token_;
};

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 15];
  }
  return hex;
}

std::unique_ptr<Sink> MakeWebhookSink(const SinkConfig& config, std::string secret,
                                      std::string token) {
  return std::make_unique<WebhookSink>(config, std::move(secret), std::move(token));
}

}  // namespace logstream
