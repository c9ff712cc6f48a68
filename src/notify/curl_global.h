// libcurl's process-wide initialisation, done once before the first handle
// (curl_global_init is not thread-safe by itself). Internal to src/notify.
#pragma once

#include <curl/curl.h>

#include <mutex>

namespace logstream {

inline void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace logstream
