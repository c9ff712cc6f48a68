// SQS answers (src/aws/sqs_client.h): ParseReceiveMessageAnswer, the JSON
// of a ReceiveMessage answer, and each message body through the S3 event
// parser as SqsSource hands it on; JsonQuote, which writes the bodies and
// receipt handles of requests.
// Input: the answer's body.
// Invariants: every message has a receipt handle; JsonQuote of any string
// read is valid JSON that reads back as the same string.
#include <simdjson.h>

#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/aws/sqs_client.h"
#include "src/base/json_string.h"
#include "src/trigger/s3_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  using fuzz::Check;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto messages = aws::ParseReceiveMessageAnswer(body);
  if (!messages) {
    Check(messages.error().code() == StatusCode::kDataLoss, "bad answer is not DataLoss",
          messages.error().message());
    return 0;
  }
  static S3EventParser events;
  simdjson::dom::parser parser;
  for (const aws::SqsMessage& m : *messages) {
    Check(!m.receipt_handle.empty(), "message without a receipt handle");
    for (const std::string* s : {&m.message_id, &m.receipt_handle, &m.body}) {
      const std::string quoted = JsonQuote(*s);
      std::string_view back;
      Check(parser.parse(quoted).get(back) == simdjson::SUCCESS && back == *s, "JsonQuote does not read back",
            quoted);
    }
    (void)events.Parse(m.body);
  }
  return 0;
}
