// libcurl's process-wide initialisation, done once before the first handle.
// Internal to src/aws.
#pragma once

#include <curl/curl.h>

#include <mutex>

namespace logstream::aws {

inline void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace logstream::aws
