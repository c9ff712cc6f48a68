#include "src/trigger/s3_event.h"

#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace logstream {
namespace {

using ::testing::HasSubstr;

// The "object created by a PUT request" example of the Amazon S3 user guide,
// "Event message structure" page (event version 2.1).
constexpr std::string_view kAwsDocPutExample = R"({
  "Records":[
    {
      "eventVersion":"2.1",
      "eventSource":"aws:s3",
      "awsRegion":"us-west-2",
      "eventTime":"1970-01-01T00:00:00.000Z",
      "eventName":"ObjectCreated:Put",
      "userIdentity":{ "principalId":"AIDAJDPLRKLG7UEXAMPLE" },
      "requestParameters":{ "sourceIPAddress":"172.16.0.1" },
      "responseElements":{
        "x-amz-request-id":"C3D13FE58DE4C810",
        "x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"
      },
      "s3":{
        "s3SchemaVersion":"1.0",
        "configurationId":"testConfigRule",
        "bucket":{
          "name":"amzn-s3-demo-bucket",
          "ownerIdentity":{ "principalId":"A3NL1KOZZKExample" },
          "arn":"arn:aws:s3:::amzn-s3-demo-bucket"
        },
        "object":{
          "key":"HappyFace.jpg",
          "size":1024,
          "eTag":"d41d8cd98f00b204e9800998ecf8427e",
          "versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko",
          "sequencer":"0055AED6DCD90281E5"
        }
      }
    }
  ]
})";

// The "S3 Put" test event template of the AWS Lambda console (the Lambda
// developer guide's "Using AWS Lambda with Amazon S3" tutorial); its key is
// URL-encoded ("test%2Fkey").
constexpr std::string_view kLambdaConsoleS3Put = R"({
  "Records": [
    {
      "eventVersion": "2.0",
      "eventSource": "aws:s3",
      "awsRegion": "us-east-1",
      "eventTime": "1970-01-01T00:00:00.000Z",
      "eventName": "ObjectCreated:Put",
      "userIdentity": { "principalId": "EXAMPLE" },
      "requestParameters": { "sourceIPAddress": "127.0.0.1" },
      "responseElements": {
        "x-amz-request-id": "EXAMPLE123456789",
        "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH"
      },
      "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "testConfigRule",
        "bucket": {
          "name": "example-bucket",
          "ownerIdentity": { "principalId": "EXAMPLE" },
          "arn": "arn:aws:s3:::example-bucket"
        },
        "object": {
          "key": "test%2Fkey",
          "size": 1024,
          "eTag": "0123456789abcdef0123456789abcdef",
          "sequencer": "0A1B2C3D4E5F678901"
        }
      }
    }
  ]
})";

// The test message S3 sends when a notification configuration is set
// (documented on the same "Event message structure" page).
constexpr std::string_view kAwsTestEvent = R"({
   "Service":"Amazon S3",
   "Event":"s3:TestEvent",
   "Time":"2014-10-13T15:57:02.089Z",
   "Bucket":"amzn-s3-demo-bucket",
   "RequestId":"5582815E1AEA5ADF",
   "HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"
})";

// One record; key is inserted as given (already URL-encoded).
std::string Record(std::string_view name, std::string_view key, std::string_view extra_object = "",
                   std::string_view time = "2026-11-24T22:47:30.123Z") {
  return std::string(R"({"eventVersion":"2.1","eventSource":"aws:s3","eventTime":")") +
         std::string(time) + R"(","eventName":")" + std::string(name) +
         R"(","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"logs","arn":"arn:aws:s3:::logs"},)"
         R"("object":{"key":")" +
         std::string(key) + "\"" + std::string(extra_object) + "}}}";
}

std::string Message(std::initializer_list<std::string> records) {
  std::string s = R"({"Records":[)";
  bool first = true;
  for (const auto& r : records) {
    if (!first) s += ',';
    s += r;
    first = false;
  }
  return s + "]}";
}

constexpr std::string_view kSizeEtag = R"(,"size":42,"eTag":"0123456789abcdef0123456789abcdef")";

TEST(S3EventTest, AwsDocPutExample) {
  auto m = ParseS3EventMessage(kAwsDocPutExample);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->events.size(), 1u);
  const ObjectEvent& e = m->events[0];
  EXPECT_EQ(e.event_name, "ObjectCreated:Put");
  EXPECT_EQ(e.bucket, "amzn-s3-demo-bucket");
  EXPECT_EQ(e.key, "HappyFace.jpg");
  EXPECT_EQ(e.size, 1024u);
  EXPECT_EQ(e.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(e.event_time, 0);
  EXPECT_EQ(m->skipped, 0u);
  EXPECT_FALSE(m->test_event);
}

TEST(S3EventTest, LambdaConsoleTemplateKeyIsDecoded) {
  auto m = ParseS3EventMessage(kLambdaConsoleS3Put);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->events.size(), 1u);
  EXPECT_EQ(m->events[0].bucket, "example-bucket");
  EXPECT_EQ(m->events[0].key, "test/key");
  EXPECT_EQ(m->events[0].size, 1024u);
  EXPECT_EQ(m->events[0].etag, "0123456789abcdef0123456789abcdef");
}

TEST(S3EventTest, TestEventIsRecognisedAndIgnored) {
  auto m = ParseS3EventMessage(kAwsTestEvent);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->test_event);
  EXPECT_TRUE(m->events.empty());
}

TEST(S3EventTest, MultipleRecordsKeepOrderAndSkipOtherEvents) {
  // A delete record has no size or eTag, as in the AWS documentation.
  const std::string json = Message({
      Record("ObjectCreated:Put", "web-1/2026-11-24/app.000001.log", kSizeEtag),
      Record("ObjectRemoved:Delete", "web-1/2026-11-24/old.log", R"(,"sequencer":"0A")"),
      Record("ObjectCreated:CompleteMultipartUpload", "web-2/2026-11-24/app.000001.log.gz",
             R"(,"size":7,"eTag":"\"abc-2\"")"),
      Record("ObjectRestore:Completed", "x"),
  });
  auto m = ParseS3EventMessage(json);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->events.size(), 2u);
  EXPECT_EQ(m->skipped, 2u);
  EXPECT_EQ(m->events[0].key, "web-1/2026-11-24/app.000001.log");
  EXPECT_EQ(m->events[0].size, 42u);
  EXPECT_EQ(m->events[0].event_time, *ParseRfc3339("2026-11-24T22:47:30.123Z"));
  EXPECT_EQ(m->events[1].event_name, "ObjectCreated:CompleteMultipartUpload");
  EXPECT_EQ(m->events[1].key, "web-2/2026-11-24/app.000001.log.gz");
  EXPECT_EQ(m->events[1].etag, "abc-2");  // quotes stripped
}

TEST(S3EventTest, S3CompatibleStoreShape) {
  // S3-compatible stores (versitygw, MinIO) prefix event names with "s3:",
  // may send a null eTag and times without fractional seconds.
  const std::string json = R"({"Records":[
    {"eventVersion":"2.2","eventSource":"aws:s3","awsRegion":"us-east-1",
     "eventTime":"2026-11-24T22:47:30Z","eventName":"s3:ObjectCreated:Put",
     "userIdentity":{"PrincipalId":"user"},"requestParameters":{"sourceIPAddress":"127.0.0.1"},
     "responseElements":{"x-amz-request-id":"","x-amz-id-2":""},
     "s3":{"s3SchemaVersion":"1.0","configurationId":"webhook-global",
           "bucket":{"name":"logs","ownerIdentity":{"PrincipalId":"user"},"arn":"arn:aws:s3:::/logs/web-1/a.log"},
           "object":{"key":"web-1/2026-11-24/a.log","size":10,"eTag":null,"versionId":null,"sequencer":"1"}},
     "glacierEventData":{"restoreEventData":{"lifecycleRestorationExpiryTime":"","lifecycleRestoreStorageClass":""}}},
    {"eventName":"s3:ObjectRemoved:Delete","eventTime":"2026-11-24T22:47:31Z",
     "s3":{"bucket":{"name":"logs"},"object":{"key":"web-1/2026-11-24/a.log","size":0,"eTag":null}}}]})";
  auto m = ParseS3EventMessage(json);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->events.size(), 1u);
  EXPECT_EQ(m->skipped, 1u);
  EXPECT_EQ(m->events[0], (ObjectEvent{"ObjectCreated:Put", "logs", "web-1/2026-11-24/a.log", 10, "",
                                       *ParseRfc3339("2026-11-24T22:47:30Z")}));

  auto test = ParseS3EventMessage(
      R"({"Service":"S3","Event":"s3:TestEvent","Time":"2026-11-24T22:47:30Z","Bucket":"Test-Bucket"})");
  ASSERT_TRUE(test) << test.error().ToString();
  EXPECT_TRUE(test->test_event);
}

TEST(S3EventTest, FieldOrderDoesNotMatter) {
  const std::string json =
      R"({"Records":[{"s3":{"object":{"eTag":"e","size":1,"key":"k"},"bucket":{"name":"b"}},)"
      R"("eventTime":"2026-01-01T00:00:00Z","eventName":"ObjectCreated:Copy"}]})";
  auto m = ParseS3EventMessage(json);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->events.size(), 1u);
  EXPECT_EQ(m->events[0], (ObjectEvent{"ObjectCreated:Copy", "b", "k", 1, "e",
                                       *ParseRfc3339("2026-01-01T00:00:00Z")}));
}

TEST(S3EventTest, EmptyRecordsIsNoEvents) {
  auto m = ParseS3EventMessage(R"({"Records":[]})");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_TRUE(m->events.empty());
  EXPECT_EQ(m->skipped, 0u);
}

TEST(S3EventTest, KeysAreUrlDecoded) {
  struct Case {
    std::string encoded, decoded;
  };
  const Case cases[] = {
      {"my+file.log", "my file.log"},
      {"a%2Bb.log", "a+b.log"},
      {"a%2bb%20c.log", "a+b c.log"},
      {"dir%2Fsub/x.log", "dir/sub/x.log"},
      {"%E6%97%A5%E6%9C%AC/%C3%A9t%C3%A9.log", "日本/été.log"},
      {"100%25.log", "100%.log"},
      {"sp%C3%A4ter+%28copy%29.log", "später (copy).log"},
  };
  for (const auto& c : cases) {
    auto m = ParseS3EventMessage(Message({Record("ObjectCreated:Put", c.encoded, kSizeEtag)}));
    ASSERT_TRUE(m) << c.encoded << ": " << m.error().ToString();
    ASSERT_EQ(m->events.size(), 1u);
    EXPECT_EQ(m->events[0].key, c.decoded) << c.encoded;
  }
}

TEST(S3EventTest, UrlEncodeRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const std::string encoded = UrlEncodeKey(all);
  for (char c : encoded) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_.~/+%").find(c) != std::string_view::npos) << c;
  }
  EXPECT_EQ(UrlDecodeKey(encoded).value(), all);
  EXPECT_EQ(UrlEncodeKey("web-1/2026-11-24/a b+c.log"), "web-1/2026-11-24/a+b%2Bc.log");
  EXPECT_EQ(UrlEncodeKey("日"), "%E6%97%A5");
}

TEST(S3EventTest, InvalidEscapesAreErrors) {
  for (std::string_view bad : {"a%", "a%2", "a%zz", "%G0", "a%2.log"}) {
    auto k = UrlDecodeKey(bad);
    ASSERT_FALSE(k) << bad;
    EXPECT_THAT(k.error().message(), HasSubstr("two hex digits")) << bad;
  }
}

TEST(S3EventTest, SnsEnvelopeIsUnwrapped) {
  std::string inner = Message({Record("ObjectCreated:Post", "k%20x", kSizeEtag)});
  std::string escaped;
  for (char c : inner) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  const std::string sns = R"({"Type":"Notification","MessageId":"1","TopicArn":"arn:aws:sns:x",)"
                          R"("Subject":"Amazon S3 Notification","Message":")" +
                          escaped + R"(","Timestamp":"2026-11-24T22:47:31.000Z"})";
  auto m = ParseS3EventMessage(sns);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->events.size(), 1u);
  EXPECT_EQ(m->events[0].key, "k x");
  EXPECT_EQ(m->events[0].event_name, "ObjectCreated:Post");

  auto bad = ParseS3EventMessage(R"({"Type":"Notification","Message":"{\"Records\":[1]}"})");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("SNS envelope"));
  EXPECT_THAT(bad.error().message(), HasSubstr("Records[0] is not an object"));
}

// An Amazon EventBridge "Object Created" event of the shape S3 sends (to
// Lambda directly, or as an SQS message body).
constexpr std::string_view kEventBridgeCreated = R"({
  "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103",
  "detail-type": "Object Created", "source": "aws.s3", "account": "111122223333",
  "time": "2026-11-24T10:00:05Z", "region": "us-east-1",
  "resources": ["arn:aws:s3:::logs-bucket"],
  "detail": {
    "version": "0", "bucket": {"name": "logs-bucket"},
    "object": {"key": "raw/host-1/2026-11-24/10:00.log", "size": 5120,
               "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "00617F08299329D189"},
    "request-id": "N4N7GDK58NMKJ12R", "requester": "111122223333",
    "source-ip-address": "203.0.113.15", "reason": "PutObject"
  }
})";

TEST(S3EventTest, EventBridgeObjectCreated) {
  auto m = ParseS3EventMessage(kEventBridgeCreated);
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->events.size(), 1u);
  const ObjectEvent& e = m->events[0];
  EXPECT_EQ(e.bucket, "logs-bucket");
  EXPECT_EQ(e.key, "raw/host-1/2026-11-24/10:00.log");  // as it is: EventBridge keys are not URL-encoded
  EXPECT_EQ(e.size, 5120u);
  EXPECT_EQ(e.etag, "b1946ac92492d2347c6235b4d2611184");
  EXPECT_EQ(e.event_name, "ObjectCreated:PutObject");
  EXPECT_EQ(e.event_time, *ParseRfc3339("2026-11-24T10:00:05Z"));

  // Size and etag are optional in EventBridge's schema.
  std::string bare(kEventBridgeCreated);
  bare.replace(bare.find(R"("size": 5120,)"), 13, "");
  bare.replace(bare.find(R"("etag": "b1946ac92492d2347c6235b4d2611184",)"), 43, "");
  m = ParseS3EventMessage(bare);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->events[0].size, 0u);
  EXPECT_EQ(m->events[0].etag, "");

  // Other aws.s3 events are skipped and counted.
  std::string deleted(kEventBridgeCreated);
  deleted.replace(deleted.find("Object Created"), 14, "Object Deleted");
  m = ParseS3EventMessage(deleted);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->events.empty());
  EXPECT_EQ(m->skipped, 1u);

  // A created object without a key is an error that says so.
  std::string keyless(kEventBridgeCreated);
  keyless.replace(keyless.find(R"("key")"), 5, R"("kee")");
  m = ParseS3EventMessage(keyless);
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message(), HasSubstr("missing detail.object.key"));
}

TEST(S3EventTest, RoundTripThroughS3Json) {
  const std::vector<ObjectEvent> events = {
      {"ObjectCreated:Put", "my-bucket", "web-1/2026-11-24/app.000001.log", 12345,
       "0123456789abcdef0123456789abcdef", *ParseRfc3339("2026-11-24T22:47:30.123Z")},
      {"ObjectCreated:Copy", "my-bucket", "odd keys/a+b %41 日本 \"q\" ?#&=.log.gz", 0,
       "d41d8cd98f00b204e9800998ecf8427e-3", 0},
  };
  const std::string json = ObjectEventsToS3Json(events);
  EXPECT_THAT(json, HasSubstr(R"("key":"odd+keys/a%2Bb+%2541+%E6%97%A5%E6%9C%AC+%22q%22+%3F%23%26%3D.log.gz")"));
  EXPECT_THAT(json, HasSubstr(R"("eventTime":"2026-11-24T22:47:30.123Z")"));
  auto m = ParseS3EventMessage(json);
  ASSERT_TRUE(m) << m.error().ToString() << "\n" << json;
  EXPECT_EQ(m->events, events);
  EXPECT_EQ(ObjectEventsToS3Json({}), R"({"Records":[]})");
}

TEST(S3EventTest, MalformedInputsGiveClearErrors) {
  struct Case {
    std::string json;
    std::string message;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"   ", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {"\"Records\"", "not a JSON object"},
      {"{", "not valid JSON"},
      {R"({"Records":[)", "not valid JSON"},
      {R"({"Records":[]} trailing)", "not valid JSON"},
      {R"({"Records":[]} {})", "after the JSON object"},
      {R"({"Records":[]} 1)", "not valid JSON"},
      {R"({"Records":{}})", "Records is not an array"},
      {R"({"Records":[1]})", "Records[0] is not an object"},
      {R"({"Records":[{}]})", "Records[0]: missing eventName"},
      {R"({"Records":[{"eventName":7}]})", "Records[0].eventName is not a string"},
      {Message({Record("ObjectCreated:Put", "k", R"(,"size":1)")}),
       "Records[0] (ObjectCreated:Put): missing s3.object.eTag"},
      {Message({Record("ObjectCreated:Put", "k", R"(,"eTag":"e")")}),
       "Records[0] (ObjectCreated:Put): missing s3.object.size"},
      {Message({Record("ObjectRemoved:Delete", "k"), Record("ObjectCreated:Put", "k", R"(,"size":"12","eTag":"e")")}),
       "Records[1].s3.object.size is not a non-negative integer"},
      {Message({Record("ObjectCreated:Put", "k", R"(,"size":-1,"eTag":"e")")}),
       "Records[0].s3.object.size is not a non-negative integer"},
      {Message({Record("ObjectCreated:Put", "a%zz", kSizeEtag)}),
       "Records[0].s3.object.key: bad URL escape"},
      {Message({Record("ObjectCreated:Put", "", kSizeEtag)}), "Records[0].s3.object.key is empty"},
      {Message({Record("ObjectCreated:Put", "k", kSizeEtag, "yesterday")}), "Records[0].eventTime"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","eventTime":"2026-01-01T00:00:00Z",)"
       R"("s3":{"object":{"key":"k","size":1,"eTag":"e"}}}]})",
       "Records[0] (ObjectCreated:Put): missing s3.bucket.name"},
      {R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":"b"}}]})",
       "Records[0].s3.bucket is not an object"},
      {R"({"Service":"Amazon S3","Event":"s3:Other"})", "not an S3 event notification"},
      {R"({"hello":"world"})", "not an S3 event notification"},
  };
  for (const auto& c : cases) {
    auto m = ParseS3EventMessage(c.json);
    ASSERT_FALSE(m) << c.json;
    EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(m.error().message(), HasSubstr(c.message)) << c.json;
    EXPECT_THAT(m.error().message(), HasSubstr("S3 event notification")) << c.json;
  }
}

TEST(S3EventTest, EveryTruncationIsAnError) {
  S3EventParser parser;  // reused across inputs, as callers do
  for (std::string_view doc : {kAwsDocPutExample, kLambdaConsoleS3Put, kAwsTestEvent}) {
    const std::string_view trimmed = doc.substr(0, doc.find_last_of('}') + 1);
    for (size_t n = 0; n < trimmed.size(); ++n) {
      auto m = parser.Parse(trimmed.substr(0, n));
      ASSERT_FALSE(m) << "prefix of " << n << " bytes parsed: " << trimmed.substr(0, n);
      EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument);
    }
    EXPECT_TRUE(parser.Parse(trimmed));
  }
}

TEST(S3EventTest, GarbageNeverCrashes) {
  S3EventParser parser;
  std::mt19937 rng(441);
  const std::string base(kAwsDocPutExample);
  for (int i = 0; i < 3000; ++i) {
    std::string input = base;
    if (i % 3 == 0) {
      // Random bytes.
      input.resize(rng() % 300);
      for (char& c : input) c = static_cast<char>(rng());
    } else {
      // A few mutations of a valid message: flipped bytes, JSON punctuation.
      static constexpr char kPunct[] = "{}[]\",:\\0-e.%+ ";
      const int edits = 1 + rng() % 4;
      for (int e = 0; e < edits; ++e) {
        const size_t pos = rng() % input.size();
        input[pos] = i % 3 == 1 ? kPunct[rng() % (sizeof kPunct - 1)] : static_cast<char>(rng());
      }
    }
    auto m = parser.Parse(input);
    if (!m) {
      EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument);
      EXPECT_FALSE(m.error().message().empty());
    }
  }
  EXPECT_TRUE(parser.Parse(kAwsDocPutExample));  // still usable
}

}  // namespace
}  // namespace logstream
