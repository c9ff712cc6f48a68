// libcurl's process-wide initialisation (curl_global_init), done once before
// the first handle: curl_global_init is not thread-safe by itself, so every
// user of libcurl calls CurlGlobalInit first, from any thread.
//
// In the library ls_base_curl (only what uses libcurl links it).
#pragma once

namespace logstream {

// Thread-safe; the first call initialises, later calls do nothing.
void CurlGlobalInit();

}  // namespace logstream
