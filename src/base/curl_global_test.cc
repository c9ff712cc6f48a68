#include "src/base/curl_global.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace logstream {
namespace {

TEST(CurlGlobalTest, InitialisesOnceFromManyThreads) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([] { CurlGlobalInit(); });
  for (std::thread& t : threads) t.join();
  CurlGlobalInit();
  CURL* curl = curl_easy_init();
  ASSERT_NE(curl, nullptr);
  curl_easy_cleanup(curl);
  EXPECT_NE(curl_version_info(CURLVERSION_NOW), nullptr);
}

}  // namespace
}  // namespace logstream
