// The `ssm` action of `logstream lambda`, the original system's behaviour done
// safely: for every ObjectCreated record of an S3 event, SSM SendCommand
// (AWS JSON 1.1 API, SigV4-signed by libcurl) with document AWS-RunShellScript
// on the configured instances, running
//   sh '/home/ec2-user/SCRIPT' 'BUCKET' 'KEY'
// with every word single-quoted for POSIX sh (a ' inside becomes '\''), so no
// key can inject shell; then GetCommandInvocation per instance until the
// command ends (or poll_timeout_ms passes), and the results in the response.
//
// Not thread-safe (the runtime loop is single-threaded).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/aws/credentials.h"
#include "src/base/status.h"
#include "src/base/time.h"
#include "src/lambda/runtime.h"
#include "src/trigger/s3_event.h"

namespace logstream::lambda {

struct SsmOptions {
  std::vector<std::string> instance_ids;
  std::string script;                         // file name under script_dir
  std::string script_dir = "/home/ec2-user";
  std::string endpoint;                       // empty: https://ssm.REGION.amazonaws.com
  std::string region;                         // empty: AWS_REGION, else us-east-1
  TimeMs poll_interval_ms = 1000;
  TimeMs poll_timeout_ms = 60'000;
};

// Reads application.json ({"aws-instance-id": "i-..." or [...],
// "shellscript": "NAME"}) into *options when `path` exists, then applies the
// environment: AWS_ENDPOINT_URL_SSM (else AWS_ENDPOINT_URL),
// AWS_REGION. InvalidArgument when instance ids or the script are missing.
// `overrides` (LOGSTREAM_SSM_INSTANCE_IDS, LOGSTREAM_SSM_SCRIPT: the Lambda
// settings) win over the file.
struct SsmOverrides {
  std::vector<std::string> instance_ids;
  std::string script;
};
Status LoadSsmOptions(std::string_view path, const SsmOverrides& overrides, SsmOptions* options);

// POSIX sh single-quoting: 'text' with each ' written as '\''.
std::string ShellQuote(std::string_view word);

// The command line run for one object.
std::string SsmCommand(const SsmOptions& options, std::string_view bucket, std::string_view key);

class SsmHandler {
 public:
  explicit SsmHandler(SsmOptions options);

  // {"commands":[{"bucket":..,"key":..,"commandId":..,"invocations":[
  //   {"instanceId":..,"status":..,"stdout":..,"stderr":..}]}]}.
  // Errors: InvalidEvent, SsmError (a call failed), SsmCommandFailed (some
  // invocation ended in another status than Success).
  std::expected<std::string, InvocationError> Handle(std::string_view payload);

 private:
  Result<std::string> Call(std::string_view action, const std::string& json);

  SsmOptions options_;
  S3EventParser parser_;
};

}  // namespace logstream::lambda
