#include "src/base/redact.h"

#include <gtest/gtest.h>

namespace logstream {
namespace {

TEST(RedactUrlTest, UserinfoAndSecretQueryValues) {
  EXPECT_EQ(RedactUrl("http://user:PASS@127.0.0.1:9000/b"), "http://***@127.0.0.1:9000/b");
  EXPECT_EQ(RedactUrl("https://h/hook?token=abc&x=1&api_key=k#f"), "https://h/hook?token=***&x=1&api_key=***#f");
  EXPECT_EQ(RedactUrl("https://h/p?X-Amz-Signature=s&X-Amz-Credential=c"),
            "https://h/p?X-Amz-Signature=***&X-Amz-Credential=***");
  EXPECT_EQ(RedactUrl("smtp://127.0.0.1:25"), "smtp://127.0.0.1:25");
  EXPECT_EQ(RedactUrl("kafka://u:p@h:1,h:2"), "kafka://***@h:1,h:2");
  EXPECT_EQ(RedactUrl("a plain path"), "a plain path");
  EXPECT_EQ(RedactUrl("http://h?pass"), "http://h?pass");
}

}  // namespace
}  // namespace logstream
