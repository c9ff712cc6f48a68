// One request of the AWS JSON protocol (SQS, SSM, ...): an HTTPS POST of a
// JSON body with X-Amz-Target, signed with libcurl's SigV4. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "src/aws/credentials.h"
#include "src/base/status.h"

namespace logstream::aws {

struct JsonRequest {
  std::string endpoint;      // https://sqs.us-east-1.amazonaws.com or a local server
  std::string service;       // "sqs", "ssm": the SigV4 service name
  std::string region;
  std::string target;        // X-Amz-Target, e.g. "AmazonSQS.ReceiveMessage"
  std::string json_version;  // "1.0" (SQS) or "1.1" (SSM): application/x-amz-json-VERSION
  long timeout_ms = 60'000;
};

struct JsonReply {
  long status = 0;  // HTTP status
  std::string body;
};

// Sends body; a transport failure (connection refused, timeout) is
// Unavailable naming the target and endpoint. Any HTTP answer is returned
// for the caller to judge.
Result<JsonReply> PostJson(const JsonRequest& request, const Credentials& credentials,
                           const std::string& body);

}  // namespace logstream::aws
