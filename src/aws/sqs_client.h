// A minimal SQS client (JSON protocol, AWS SigV4 signed by libcurl) for the
// S3 -> SQS notification path: receive, delete, change visibility, plus
// create/send for tests and tools. Retries transient failures like S3Client.
// Thread-safe (one curl handle per call).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/aws/credentials.h"
#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream::aws {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  int receive_count = 0;  // ApproximateReceiveCount
};

struct SqsOptions {
  std::string region;  // empty: from the queue host (sqs.REGION.amazonaws.com), AWS_REGION, us-east-1
  CredentialOptions credential_options;
  int max_attempts = 8;
  TimeMs base_backoff_ms = 100;
  TimeMs max_backoff_ms = 10'000;
};

// The queue operations a consumer needs; SqsClient implements them over
// HTTP, unit tests fake them. Implementations are thread-safe.
class SqsQueue {
 public:
  virtual ~SqsQueue() = default;
  // Long-polls up to wait_s seconds (0..20) for at most max (1..10) messages,
  // hiding them for visibility_s seconds.
  virtual Result<std::vector<SqsMessage>> Receive(int max, int wait_s, int visibility_s) = 0;
  virtual Status Delete(std::string_view receipt_handle) = 0;
  // Hides a received message for visibility_s seconds from now.
  virtual Status ChangeVisibility(std::string_view receipt_handle, int visibility_s) = 0;
};

class SqsClient : public SqsQueue {
 public:
  // queue_url: http(s)://HOST[:PORT]/ACCOUNT/QUEUE.
  static Result<std::unique_ptr<SqsClient>> Create(std::string queue_url, SqsOptions options = {});

  Result<std::vector<SqsMessage>> Receive(int max, int wait_s, int visibility_s) override;
  Status Delete(std::string_view receipt_handle) override;
  Status ChangeVisibility(std::string_view receipt_handle, int visibility_s) override;
  Status Send(std::string_view body);

  const std::string& queue_url() const { return queue_url_; }

 private:
  SqsClient() = default;
  // One JSON call with retries; returns the response body.
  Result<std::string> Call(std::string_view action, const std::string& json);

  std::string queue_url_;
  std::string endpoint_;  // scheme://host[:port]/
  std::string region_;
  std::shared_ptr<CredentialProvider> credentials_;  // refreshed before they expire
  SqsOptions options_;
};

// The messages of a ReceiveMessage answer (JSON protocol); none when it has
// no "Messages". DataLoss if it is not JSON or a message has no ReceiptHandle.
Result<std::vector<SqsMessage>> ParseReceiveMessageAnswer(std::string_view body);

}  // namespace logstream::aws
