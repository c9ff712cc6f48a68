#include "src/aws/json_protocol.h"

#include <curl/curl.h>

#include <memory>

#include "src/base/curl_global.h"

namespace logstream::aws {
namespace {

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

Result<JsonReply> PostJson(const JsonRequest& r, const Credentials& credentials,
                           const std::string& body) {
  CurlGlobalInit();
  const std::string sigv4 = "aws:amz:" + r.region + ":" + r.service;
  const std::string userpwd = credentials.access_key_id + ":" + credentials.secret_access_key;
  const std::string target = "X-Amz-Target: " + r.target;
  const std::string type = "Content-Type: application/x-amz-json-" + r.json_version;
  const std::string token = "x-amz-security-token: " + credentials.session_token;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Err(Internal("curl_easy_init failed"));
  curl_slist* headers = curl_slist_append(nullptr, target.c_str());
  headers = curl_slist_append(headers, type.c_str());
  if (!credentials.session_token.empty()) headers = curl_slist_append(headers, token.c_str());
  JsonReply reply;
  curl_easy_setopt(curl.get(), CURLOPT_URL, r.endpoint.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_USERPWD, userpwd.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, r.timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply.body);
  const CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Err(Unavailable(r.target + " at " + r.endpoint + ": " + curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace logstream::aws
