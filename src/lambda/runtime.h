// The AWS Lambda Runtime API (custom runtime, version 2018-06-01) over
// libcurl: fetch the next invocation, post its response or error, report an
// initialisation error; and the loop that serves invocations with a handler.
//
// RuntimeClient is not thread-safe (one thread runs the loop); it owns one
// curl handle reused across requests (keep-alive to the Runtime API).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "src/base/status.h"

namespace logstream::lambda {

struct Invocation {
  std::string request_id;  // Lambda-Runtime-Aws-Request-Id
  std::string deadline_ms; // Lambda-Runtime-Deadline-Ms (as sent)
  std::string payload;     // the event JSON
};

// What a handler failure reports as errorType/errorMessage.
struct InvocationError {
  std::string type;     // e.g. "InvalidEvent"
  std::string message;
};

class RuntimeClient {
 public:
  // api: "HOST:PORT" as in AWS_LAMBDA_RUNTIME_API.
  explicit RuntimeClient(std::string api);
  ~RuntimeClient();
  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  // Long-polls GET /runtime/invocation/next (no timeout: Lambda freezes the
  // process meanwhile).
  Result<Invocation> Next();
  // POST /runtime/invocation/{id}/response.
  Status Respond(std::string_view request_id, std::string_view body);
  // POST /runtime/invocation/{id}/error with {"errorMessage","errorType"}.
  Status Fail(std::string_view request_id, const InvocationError& error);
  // POST /runtime/init/error; Lambda then ends the runtime.
  Status FailInit(const InvocationError& error);

 private:
  struct Reply {
    long status = 0;
    std::string body;
    std::string request_id;
    std::string deadline_ms;
  };
  Result<Reply> Request(const std::string& path, const std::string* post_body,
                        std::string_view error_type);

  std::string api_;
  void* curl_ = nullptr;  // CURL*
};

// The error document posted for a failed invocation.
std::string ErrorJson(const InvocationError& error);

// Handles one event: the response body, or the error to report.
using Handler = std::function<std::expected<std::string, InvocationError>(const Invocation&)>;

// Serves invocations until *stop is true or max_invocations were handled
// (<= 0: no limit). A handler error becomes an invocation error and the loop
// goes on; it returns an error only when the Runtime API fails.
Status RunLoop(RuntimeClient& client, const Handler& handler, const std::atomic<bool>& stop,
               int64_t max_invocations = 0);

}  // namespace logstream::lambda
