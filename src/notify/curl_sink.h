// CurlSink: what the sinks that deliver through libcurl (email over SMTP,
// webhook over HTTP) share beyond their protocol: libcurl's global
// initialisation, and a transfer per delivery with the sink's timeout whose
// handle and list (headers or recipients) are freed after it.
//
// Not thread-safe, like every Sink.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <optional>
#include <string>

#include "src/notify/sink.h"

namespace logstream {

class CurlSink : public Sink {
 protected:
  explicit CurlSink(const SinkConfig& config);

  struct Outcome {
    CURLcode code = CURLE_OK;
    long response = 0;  // the last HTTP status or SMTP reply code; 0 if none
    std::string error;  // why the transfer failed (libcurl's words) unless code is CURLE_OK
  };
  // Makes a handle, lets `setup` set the protocol's options on it (and build
  // the list it passes to libcurl), and performs the transfer within the
  // sink's timeout. nullopt if libcurl cannot make a handle.
  std::optional<Outcome> Transfer(const std::function<void(CURL* curl, curl_slist** list)>& setup);

  const SinkConfig config_;
};

}  // namespace logstream
