#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "src/log/memory_log.h"
#include "src/notify/email_sink.h"
#include "src/notify/sink.h"
#include "src/notify/sink_config.h"
#include "src/notify/webhook_sink.h"

namespace logstream {
namespace {

Result<std::vector<SinkConfig>> Load(std::string_view text) {
  toml::table doc = toml::parse(text, std::string_view("cfg.toml"));
  return LoadSinkConfigs(doc, "cfg.toml");
}

TEST(SinkConfigTest, ReadsTheIssueExample) {
  auto s = Load(R"(
[[sinks]]
name = "ops-mail"
type = "email"
url = "smtp://127.0.0.1:2525"
tls = "none"
username_env = ""
password_env = ""
from = "logstream@example.com"
to = ["ops@example.com"]

[[sinks]]
name = "ops-hook"
type = "webhook"
url = "http://127.0.0.1:8099/alerts"
secret_env = "LOGSTREAM_WEBHOOK_SECRET"

[[sinks]]
name = "bus"
type = "kafka"
topic = "alert-bus"
max_attempts = 3
backoff = "100ms"

[[rules]]
name = "r"
sinks = ["ops-mail", "bus"]
)");
  ASSERT_TRUE(s.has_value()) << s.error().message();
  ASSERT_EQ(s->size(), 3u);
  const SinkConfig& mail = (*s)[0];
  EXPECT_EQ(mail.type, SinkType::kEmail);
  EXPECT_EQ(mail.tls, SmtpTls::kNone);
  EXPECT_EQ(mail.to, std::vector<std::string>{"ops@example.com"});
  EXPECT_EQ(mail.timeout, 30000);
  EXPECT_EQ((*s)[1].secret.env, "LOGSTREAM_WEBHOOK_SECRET");
  EXPECT_EQ((*s)[2].retry.max_attempts, 3);
  EXPECT_EQ((*s)[2].retry.backoff, 100);
}

TEST(SinkConfigTest, NoSinksIsEmpty) {
  auto s = Load("[processor]\nwindow = \"10s\"\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->empty());
}

void ExpectError(std::string_view text, std::string_view part) {
  auto s = Load(text);
  ASSERT_FALSE(s.has_value()) << text;
  EXPECT_NE(s.error().message().find(part), std::string::npos) << s.error().message();
  EXPECT_NE(s.error().message().find("cfg.toml:"), std::string::npos) << s.error().message();
}

TEST(SinkConfigTest, ErrorsNameTheProblem) {
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"stdout\"\nurl = \"a\"\n", "unknown key 'url'");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"email\"\nurl = \"smtp://h\"\nfrom = \"a@b\"\n"
              "to = [\"c@d\"]\npassword = \"hunter2\"\n",
              "unknown key 'password'");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"pager\"\n", "sinks.type: 'pager' is not allowed (want stdout, file, email, webhook or kafka)");
  ExpectError("[[sinks]]\ntype = \"stdout\"\n", "needs 'name'");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"webhook\"\nurl = \"ftp://h\"\n", "http:// or https://");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"email\"\nurl = \"smtp://h\"\nfrom = \"a@b\"\n", "needs 'to'");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"email\"\nurl = \"smtp://h\"\ntls = \"implicit\"\n"
              "from = \"a@b\"\nto = \"c@d\"\n",
              "smtps://");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"email\"\nurl = \"smtp://h\"\nfrom = \"a@b\"\n"
              "to = [\"c@d>\\r\\nBcc: e@f\"]\n",
              "not a plain address");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"stdout\"\n[[sinks]]\nname = \"x\"\ntype = \"stdout\"\n",
              "duplicate sink name 'x'");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"stdout\"\n[[rules]]\nname = \"r\"\nsinks = [\"y\"]\n",
              "rule sink 'y' is not a [[sinks]] name");
  ExpectError("[[sinks]]\nname = \"x\"\ntype = \"webhook\"\nurl = \"http://h\"\nsecret_env = \"A\"\n"
              "secret_file = \"/f\"\n",
              "not both");
}

TEST(SecretTest, FromEnvironmentOrFileNeverInTheMessage) {
  setenv("LOGSTREAM_TEST_SECRET", "s3cr3t-value", 1);
  EXPECT_EQ(ReadSecret({"LOGSTREAM_TEST_SECRET", ""}, "x").value(), "s3cr3t-value");
  auto missing = ReadSecret({"LOGSTREAM_TEST_UNSET_VAR", ""}, "sink 'h' secret");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("LOGSTREAM_TEST_UNSET_VAR is not set"), std::string::npos);
  std::string path = ::testing::TempDir() + "/secret.txt";
  std::ofstream(path) << "from-file\n";
  EXPECT_EQ(ReadSecret({"", path}, "x").value(), "from-file");
  EXPECT_EQ(ReadSecret({}, "x").value(), "");
  // A bad token is reported without its value.
  setenv("LOGSTREAM_TEST_TOKEN", "tok\r\nX-Evil: 1", 1);
  SinkConfig c;
  c.name = "h";
  c.type = SinkType::kWebhook;
  c.url = "http://127.0.0.1:1/";
  c.token.env = "LOGSTREAM_TEST_TOKEN";
  auto sink = MakeSink(c, {});
  ASSERT_FALSE(sink.has_value());
  EXPECT_EQ(sink.error().message().find("Evil"), std::string::npos);
}

TEST(HmacTest, Rfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

AlertFields SampleAlert() {
  AlertFields a;
  a.id = "error-burst/host-2/2026-11-24T00:00:10.000Z";
  a.rule = "error-burst";
  a.key = "host-2\r\nBcc: victim@example.com";
  a.window_start = "2026-11-24T00:00:10.000Z";
  a.window_end = "2026-11-24T00:00:20.000Z";
  a.count = 20;
  a.threshold = 20;
  a.samples.push_back({"host-2/2026-11-24/host-2-000001.log", 116, "2026-11-24T00:00:10.010Z",
                       "ERROR", "boom\r\n.\r\nQUIT"});
  a.templates.push_back({"1d8818dd1decfd26", "boom <*>", 20, a.samples[0]});
  return a;
}

TEST(EmailTest, MessageIdIsDerivedFromTheAlertId) {
  EXPECT_EQ(MessageIdFor("error-burst/host-2/2026-11-24T00:00:10.000Z"),
            "<error-burst=2Fhost-2=2F2026-11-24T00=3A00=3A10.000Z@logstream>");
  EXPECT_NE(MessageIdFor("a/b"), MessageIdFor("a_b"));
  EXPECT_EQ(MessageIdFor("a>\r\nX: y"), "<a=3E=0D=0AX=3A=20y@logstream>");
}

TEST(EmailTest, HeadersAreSafeAndBodyHasTheFacts) {
  std::string m = AlertMail(SampleAlert(), "logstream@example.com", {"ops@example.com"},
                            1795478405000);
  size_t end = m.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  std::string head = m.substr(0, end + 2), body = m.substr(end + 4);
  EXPECT_EQ(head.find("\r\nBcc:"), std::string::npos) << head;
  EXPECT_NE(head.find("Subject: [logstream] error-burst on host-2  Bcc: victim@example.com "
                      "[2026-11-24T00:00:10.000Z, +10s): 20 >= 20\r\n"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("Message-ID: <error-burst=2Fhost-2=2F2026-11-24T00=3A00=3A10.000Z@logstream>\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("Date: Tue, 24 Nov 2026 00:00:05 +0000\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("To: ops@example.com\r\n"), std::string::npos);
  EXPECT_NE(body.find("Alert id:  error-burst/host-2/2026-11-24T00:00:10.000Z\r\n"), std::string::npos);
  EXPECT_NE(body.find("Count:     20\r\n"), std::string::npos);
  EXPECT_NE(body.find("Threshold: 20\r\n"), std::string::npos);
  EXPECT_NE(body.find("host-2/2026-11-24/host-2-000001.log @ 116: 2026-11-24T00:00:10.010Z ERROR boom  .  QUIT"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\r\n  20: boom <*>  (host-2/2026-11-24/host-2-000001.log @ 116)\r\n"), std::string::npos)
      << body;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      ASSERT_EQ(m[i - 1], '\r') << "bare LF at " << i;
    }
  }
}

TEST(EmailTest, NonAsciiSubjectIsEncoded) {
  EXPECT_EQ(HeaderValue("plain"), "plain");
  EXPECT_EQ(HeaderValue("h\xc3\xa9"), "=?UTF-8?B?aMOp?=");
}

TEST(KafkaSinkTest, AppendsTheAlertToATopic) {
  MemoryLog log;
  SinkConfig c;
  c.name = "bus";
  c.type = SinkType::kKafka;
  c.topic = "alert-bus";
  auto sink = MakeSink(c, {&log});
  ASSERT_TRUE(sink.has_value());
  std::string json = R"({"id":"r/k/2026-11-24T00:00:00.000Z","rule":"r","key":"k","window_start":"2026-11-24T00:00:00.000Z","window_end":"2026-11-24T00:00:10.000Z","count":1,"threshold":1,"samples":[]})";
  EXPECT_TRUE((*sink)->Deliver(json).ok());
  auto r = log.Read("alert-bus", 0, 0, 10);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].key, "r/k/2026-11-24T00:00:00.000Z");
  EXPECT_EQ((*r)[0].value, json);
}

TEST(FileSinkTest, AppendsJsonLines) {
  std::string path = ::testing::TempDir() + "/file_sink.jsonl";
  std::remove(path.c_str());
  SinkConfig c;
  c.name = "f";
  c.type = SinkType::kFile;
  c.path = path;
  auto sink = MakeSink(c, {});
  ASSERT_TRUE(sink.has_value());
  EXPECT_TRUE((*sink)->Deliver("{\"a\":1}").ok());
  EXPECT_TRUE((*sink)->Deliver("{\"a\":2}").ok());
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(all, "{\"a\":1}\n{\"a\":2}\n");
}

TEST(WebhookSinkTest, ConnectionRefusedIsRetry) {
  SinkConfig c;
  c.name = "h";
  c.type = SinkType::kWebhook;
  c.url = "http://127.0.0.1:1/alerts";
  c.timeout = 2000;
  auto sink = MakeSink(c, {});
  ASSERT_TRUE(sink.has_value());
  Delivery d = (*sink)->Deliver("{}");
  EXPECT_EQ(d.code, Delivery::Code::kRetry) << d.reason;
}

TEST(EmailSinkTest, ConnectionRefusedIsRetry) {
  SinkConfig c;
  c.name = "m";
  c.type = SinkType::kEmail;
  c.url = "smtp://127.0.0.1:1";
  c.tls = SmtpTls::kNone;
  c.from = "a@b";
  c.to = {"c@d"};
  c.timeout = 2000;
  auto sink = MakeSink(c, {});
  ASSERT_TRUE(sink.has_value());
  std::string json = R"({"id":"r/k/2026-11-24T00:00:00.000Z","rule":"r","key":"k","window_start":"2026-11-24T00:00:00.000Z","window_end":"2026-11-24T00:00:10.000Z","count":1,"threshold":1,"samples":[]})";
  Delivery d = (*sink)->Deliver(json);
  EXPECT_EQ(d.code, Delivery::Code::kRetry) << d.reason;
  EXPECT_EQ((*sink)->Deliver("nope").code, Delivery::Code::kError);
}

}  // namespace
}  // namespace logstream
