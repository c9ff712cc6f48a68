#include "src/record/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/record/parser.h"

namespace logstream {
namespace {

using ::testing::HasSubstr;

LogRecord Sample() {
  LogRecord r;
  r.source = "host-1";
  r.object = "logs/host-1/2026-11-24/host-1-000001.log";
  r.offset = 12345;
  r.time = *ParseRfc3339("2026-11-24T22:47:30.123Z");
  r.level = Level::kError;
  r.thread = "main";
  r.logger = "HelperUtils.Parameters$";
  r.message = "quote \" backslash \\ tab \t newline \n ctrl \x01 unicode \xc3\xa9 end ";
  return r;
}

// json with the first `what` in it replaced by `with`.
std::string Replaced(std::string json, std::string_view what, std::string_view with) {
  return json.replace(json.find(what), what.size(), with);
}

// Why decoding json fails ("(decoded)" if it does not).
std::string DecodeError(RecordDecoder& decoder, std::string_view json) {
  auto r = decoder.Decode(json);
  return r ? "(decoded)" : r.error().message();
}

TEST(JsonTest, EncodesFieldsInSchemaOrder) {
  LogRecord r = Sample();
  r.message = "m";
  EXPECT_EQ(RecordToJson(r),
            R"({"source":"host-1","object":"logs/host-1/2026-11-24/host-1-000001.log",)"
            R"("offset":12345,"time":"2026-11-24T22:47:30.123Z","level":"ERROR",)"
            R"("thread":"main","logger":"HelperUtils.Parameters$","message":"m"})");
}

TEST(JsonTest, RoundTrips) {
  RecordDecoder decoder;
  LogRecord r = Sample();
  auto back = decoder.Decode(RecordToJson(r));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, r);
}

TEST(JsonTest, FieldsOnlyWhenThereAreAny) {
  LogRecord r = Sample();
  r.message = "m";
  EXPECT_EQ(RecordToJson(r).find("fields"), std::string::npos);
  r.fields = {{"pid", "42"}, {"component", "a \"b\""}, {"pid", "43"}};
  const std::string json = RecordToJson(r);
  EXPECT_TRUE(json.ends_with(R"("message":"m","fields":{"pid":"42","component":"a \"b\""}})")) << json;
  RecordDecoder decoder;
  auto back = decoder.Decode(json);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->fields, (Fields{{"pid", "42"}, {"component", "a \"b\""}}));
  // Any order, and unknown keys after them.
  auto view = decoder.DecodeView(
      R"({"fields":{"x":"1"},"message":"m","logger":"l","thread":"t","level":"INFO",)"
      R"("time":"2026-11-24T22:47:30.123Z","offset":1,"object":"o","source":"s","z":0})");
  ASSERT_TRUE(view) << view.error().ToString();
  EXPECT_EQ(view->fields.Find("x"), "1");
  EXPECT_FALSE(decoder.DecodeView(R"({"source":"s","object":"o","offset":1,"time":"2026-11-24T22:47:30.123Z",)"
                                  R"("level":"INFO","thread":"t","logger":"l","message":"m","fields":{"x":1}})"));
  // A record without fields after one with them has none.
  auto plain = decoder.Decode(RecordToJson(Sample()));
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->fields.empty());
}

TEST(JsonTest, RoundTripsEveryParsedLine) {
  RecordDecoder decoder;
  for (Level l : kAllLevels) {
    std::string line;
    AppendLine(LineFormat::kIso, 1764000000123, "pool-1 thread", l, "a.b.C", " msg [x] - y ", &line);
    auto parsed = ParseLine(line, {});
    ASSERT_TRUE(parsed) << line;
    std::string json;
    AppendRecordJson("h", "k", 7, *parsed, &json);
    auto back = decoder.Decode(json);
    ASSERT_TRUE(back) << json;
    EXPECT_EQ(back->level, l);
    EXPECT_EQ(back->thread, "pool-1 thread");
    EXPECT_EQ(back->message, " msg [x] - y ");
    EXPECT_EQ(back->time, 1764000000123);
  }
}

TEST(JsonTest, DecodeErrorsNameTheField) {
  RecordDecoder decoder;
  EXPECT_FALSE(decoder.Decode("not json"));
  EXPECT_FALSE(decoder.Decode("[1,2]"));
  EXPECT_THAT(DecodeError(decoder, R"({"source":"h"})"), HasSubstr("object"));
  EXPECT_THAT(DecodeError(decoder, Replaced(RecordToJson(Sample()), "ERROR", "OOPS!")),
              HasSubstr("level"));
}

TEST(JsonTest, DecodesAnyFieldOrderExtraFieldsAndEscapes) {
  RecordDecoder decoder;
  const std::string reordered =
      R"({"message":"a\"b","level":"WARN","extra":[1,{"x":2}],"time":"2026-11-24T22:47:30+01:00",)"
      R"( "thread":"t\u0041","logger":"l","offset":5,"object":"o","source":"s"} )";
  auto r = decoder.Decode(reordered);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->message, "a\"b");
  EXPECT_EQ(r->thread, "tA");
  EXPECT_EQ(r->level, Level::kWarn);
  EXPECT_EQ(r->time, *ParseRfc3339("2026-11-24T21:47:30Z"));
  EXPECT_EQ(r->offset, 5u);
  EXPECT_EQ(r->source, "s");
  // Schema order followed by an unknown field, and whitespace around tokens.
  std::string extra = RecordToJson(Sample());
  extra.insert(extra.size() - 1, ",\"more\":{\"a\":[true,null]}");
  extra.insert(1, "\n ");
  auto e = decoder.Decode(extra);
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(*e, Sample());
}

TEST(JsonTest, DecodeRejectsMalformedFields) {
  RecordDecoder decoder;
  const std::string good = RecordToJson(Sample());
  EXPECT_TRUE(decoder.Decode(good));
  EXPECT_FALSE(decoder.Decode(good.substr(0, good.size() - 1)));
  EXPECT_THAT(DecodeError(decoder, Replaced(good, "22:47", "24:47")), HasSubstr("time"));
  EXPECT_FALSE(decoder.Decode(Replaced(good, ".123Z", ".1x3Z")));
  EXPECT_FALSE(decoder.Decode(Replaced(good, "2026-11-24T", "2026-02-30T")));
  EXPECT_THAT(DecodeError(decoder, Replaced(good, "12345", "\"12\"")), HasSubstr("offset"));
}

TEST(JsonTest, DecodeInPlaceReadsPaddingOnlyWhenAllowed) {
  RecordDecoder decoder;
  LogRecord r = Sample();
  r.message = "plain message";
  // The record followed by bytes that are not JSON, as in a RecordBuffer.
  std::string buffer = RecordToJson(r);
  const size_t size = buffer.size();
  buffer.append(RecordDecoder::kPadding, '\x01');
  LogRecordView view;
  ASSERT_TRUE(decoder.DecodeInPlace(std::string_view(buffer.data(), size), RecordDecoder::kPadding, &view).ok());
  EXPECT_EQ(ToRecord(view), r);
  EXPECT_GE(view.message.data(), buffer.data());  // viewed in place
  EXPECT_LT(view.message.data(), buffer.data() + size);
  ASSERT_TRUE(decoder.DecodeInPlace(std::string_view(buffer.data(), size), 0, &view).ok());
  EXPECT_EQ(ToRecord(view), r);
  // Dates change from record to record.
  for (const char* t : {"2026-11-24T23:59:59.999Z", "2026-11-25T00:00:00.000Z", "2024-02-29T12:00:00.001Z"}) {
    r.time = *ParseRfc3339(t);
    auto back = decoder.Decode(RecordToJson(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->time, r.time) << t;
  }
}

}  // namespace
}  // namespace logstream
