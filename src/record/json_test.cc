#include "src/record/json.h"

#include <gtest/gtest.h>

#include "src/record/parser.h"

namespace logstream {
namespace {

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

TEST(JsonTest, InvalidUtf8BecomesReplacementCharacter) {
  std::string out;
  AppendJsonString("a\xff" "b", &out);
  EXPECT_EQ(out, "\"a\xEF\xBF\xBD" "b\"");
}

TEST(JsonTest, DecodeErrorsNameTheField) {
  RecordDecoder decoder;
  EXPECT_FALSE(decoder.Decode("not json"));
  EXPECT_FALSE(decoder.Decode("[1,2]"));
  auto r = decoder.Decode(R"({"source":"h"})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("object"), std::string::npos);
  std::string bad_level = RecordToJson(Sample());
  bad_level.replace(bad_level.find("ERROR"), 5, "OOPS!");
  auto r2 = decoder.Decode(bad_level);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message().find("level"), std::string::npos);
}

}  // namespace
}  // namespace logstream
