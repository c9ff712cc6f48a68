#include "src/aws/sqs_client.h"

#include <simdjson.h>

#include <chrono>
#include <thread>

#include "src/aws/json_protocol.h"
#include "src/base/backoff.h"
#include "src/base/curl_global.h"
#include "src/base/redact.h"
#include "src/base/json_string.h"

namespace logstream::aws {

Result<std::unique_ptr<SqsClient>> SqsClient::Create(std::string queue_url, SqsOptions options) {
  CurlGlobalInit();
  const size_t sep = queue_url.find("://");
  const size_t path = sep == std::string::npos ? std::string::npos : queue_url.find('/', sep + 3);
  if (sep == std::string::npos || path == std::string::npos || path + 1 >= queue_url.size()) {
    return Err(InvalidArgument("SQS queue URL \"" + RedactUrl(queue_url) +
                               "\" must be http(s)://HOST[:PORT]/ACCOUNT/QUEUE"));
  }
  std::unique_ptr<SqsClient> c(new SqsClient());
  c->endpoint_ = queue_url.substr(0, path + 1);
  const std::string host = queue_url.substr(sep + 3, path - sep - 3);
  std::string region = options.region;
  if (region.empty() && host.starts_with("sqs.") && host.ends_with(".amazonaws.com")) {
    region = host.substr(4, host.size() - 4 - 14);
  }
  if (region.empty()) region = options.credential_options.env("AWS_REGION").value_or("");
  if (region.empty()) region = "us-east-1";
  c->region_ = region;
  ASSIGN_OR_RETURN(c->credentials_, CredentialProvider::Create(options.credential_options));
  c->queue_url_ = std::move(queue_url);
  c->options_ = std::move(options);
  return c;
}

Result<std::string> SqsClient::Call(std::string_view action, const std::string& json) {
  JsonRequest request{endpoint_, "sqs", region_, "AmazonSQS." + std::string(action), "1.0"};
  Status last;
  bool refreshed = false;
  const std::string what = "SQS " + std::string(action) + " on " + RedactUrl(queue_url_);
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    auto credentials = credentials_->Get();
    if (!credentials) return Err(credentials.error().WithContext(what));
    auto reply = PostJson(request, **credentials, json);
    const long status = reply ? reply->status : 0;
    const std::string body = reply ? std::move(reply->body) : std::string();
    if (reply && status >= 200 && status < 300) return body;
    if (reply && body.find("ExpiredToken") != std::string::npos && !refreshed &&
        credentials_->Refresh(**credentials)) {
      refreshed = true;  // once: retry at once with the new credentials
      --attempt;
      continue;
    }
    if (!reply) {
      last = Unavailable(what + ": " + reply.error().message());
    } else if (status >= 500 || status == 429 || body.find("Throttl") != std::string::npos) {
      last = Unavailable(what + " failed (" + std::to_string(status) + "): " + body.substr(0, 300));
    } else if (status == 403 || body.find("InvalidClientTokenId") != std::string::npos ||
               body.find("SignatureDoesNotMatch") != std::string::npos) {
      return Err(InvalidArgument(what + " refused (" + std::to_string(status) + "): " + body.substr(0, 300) +
                                 "; signed with " + credentials_->Describe() + " for region " + region_));
    } else if (body.find("NonExistentQueue") != std::string::npos || status == 404) {
      return Err(NotFound("SQS queue " + RedactUrl(queue_url_) + " does not exist (" + body.substr(0, 200) + ")"));
    } else {
      return Err(InvalidArgument(what + " failed (" + std::to_string(status) + "): " + body.substr(0, 300)));
    }
    if (attempt < options_.max_attempts) {
      // A quarter to all of base_backoff_ms * 2^(attempt - 1), up to max_backoff_ms.
      const TimeMs wait =
          RandomBackoffDelay({options_.base_backoff_ms, options_.max_backoff_ms, 0.25}, attempt);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
  }
  return Err(Unavailable(last.message() + " (gave up after " + std::to_string(options_.max_attempts) + " attempts)"));
}

Result<std::vector<SqsMessage>> SqsClient::Receive(int max, int wait_s, int visibility_s) {
  const std::string req = "{\"QueueUrl\":" + JsonQuote(queue_url_) +
                          ",\"MaxNumberOfMessages\":" + std::to_string(std::clamp(max, 1, 10)) +
                          ",\"WaitTimeSeconds\":" + std::to_string(std::clamp(wait_s, 0, 20)) +
                          ",\"VisibilityTimeout\":" + std::to_string(visibility_s) +
                          ",\"AttributeNames\":[\"ApproximateReceiveCount\"]"
                          ",\"MessageSystemAttributeNames\":[\"ApproximateReceiveCount\"]}";
  ASSIGN_OR_RETURN(std::string body, Call("ReceiveMessage", req));
  return ParseReceiveMessageAnswer(body);
}

Result<std::vector<SqsMessage>> ParseReceiveMessageAnswer(std::string_view body) {
  std::vector<SqsMessage> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Err(DataLoss("SQS ReceiveMessage answered with malformed JSON: " + std::string(body.substr(0, 200))));
  }
  simdjson::dom::array messages;
  if (root["Messages"].get(messages) != simdjson::SUCCESS) return out;  // none
  for (simdjson::dom::element m : messages) {
    SqsMessage msg;
    std::string_view v;
    if (m["MessageId"].get(v) == simdjson::SUCCESS) msg.message_id = v;
    if (m["ReceiptHandle"].get(v) == simdjson::SUCCESS) msg.receipt_handle = v;
    if (m["Body"].get(v) == simdjson::SUCCESS) msg.body = v;
    if (m["Attributes"]["ApproximateReceiveCount"].get(v) == simdjson::SUCCESS) {
      msg.receive_count = std::atoi(std::string(v).c_str());
    }
    if (msg.receipt_handle.empty()) return Err(DataLoss("SQS message without a ReceiptHandle"));
    out.push_back(std::move(msg));
  }
  return out;
}

Status SqsClient::Delete(std::string_view receipt_handle) {
  auto r = Call("DeleteMessage", "{\"QueueUrl\":" + JsonQuote(queue_url_) +
                                     ",\"ReceiptHandle\":" + JsonQuote(receipt_handle) + "}");
  return r ? Status::Ok() : r.error();
}

Status SqsClient::ChangeVisibility(std::string_view receipt_handle, int visibility_s) {
  auto r = Call("ChangeMessageVisibility", "{\"QueueUrl\":" + JsonQuote(queue_url_) +
                                               ",\"ReceiptHandle\":" + JsonQuote(receipt_handle) +
                                               ",\"VisibilityTimeout\":" + std::to_string(visibility_s) + "}");
  return r ? Status::Ok() : r.error();
}

Status SqsClient::Send(std::string_view body) {
  auto r = Call("SendMessage", "{\"QueueUrl\":" + JsonQuote(queue_url_) + ",\"MessageBody\":" + JsonQuote(body) + "}");
  return r ? Status::Ok() : r.error();
}

}  // namespace logstream::aws
