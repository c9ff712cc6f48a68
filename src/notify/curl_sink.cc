#include "src/notify/curl_sink.h"

#include "src/base/curl_global.h"

namespace logstream {

CurlSink::CurlSink(const SinkConfig& config) : config_(config) { CurlGlobalInit(); }

std::optional<CurlSink::Outcome> CurlSink::Transfer(
    const std::function<void(CURL* curl, curl_slist** list)>& setup) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return std::nullopt;
  curl_slist* list = nullptr;
  setup(curl, &list);
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  Outcome out;
  out.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.response);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (out.code != CURLE_OK) out.error = error[0] ? error : curl_easy_strerror(out.code);
  return out;
}

}  // namespace logstream
