// Unit tests of the pure parts of src/aws: URI encoding, URL building, XML
// parsing and the credentials chain (with an injected environment and a
// temporary shared credentials file). No server needed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "src/aws/credentials.h"
#include "src/aws/s3_client.h"
#include "src/aws/xml.h"

namespace logstream::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

EnvGetter FakeEnv(std::map<std::string, std::string> vars) {
  vars.emplace("AWS_EC2_METADATA_DISABLED", "true");
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(UriTest, EncodesAllButUnreserved) {
  EXPECT_EQ(UriEncode("a b+c%d;e$(f)/g~h_i-j.k", true), "a%20b%2Bc%25d%3Be%24%28f%29/g~h_i-j.k");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("\xc3\xa9", false), "%C3%A9");
  EXPECT_EQ(UriDecode("a%20b%2Fc%zz%4"), "a b/c%zz%4");
  EXPECT_EQ(UriDecode("a+b", true), "a b");
  EXPECT_EQ(UriDecode("a+b"), "a+b");
}

TEST(XmlTest, ElementsAndEntities) {
  const std::string xml = "<R><Key>a&amp;b&lt;&#233;&#x41;</Key><KeyCount>2</KeyCount><Key/><Key x=\"1\">z</Key></R>";
  auto keys = XmlElements(xml, "Key");
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(XmlDecode(keys[0]), "a&b<\xc3\xa9" "A");
  EXPECT_EQ(keys[1], "");
  EXPECT_EQ(keys[2], "z");
  EXPECT_EQ(XmlText(xml, "KeyCount"), "2");
  EXPECT_EQ(XmlText(xml, "Missing"), std::nullopt);
  EXPECT_EQ(XmlEscape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
  EXPECT_EQ(XmlDecode("&bogus; &"), "&bogus; &");
}

TEST(ListParseTest, ParsesContentsTokenAndUrlEncodedKeys) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><EncodingType>url</EncodingType>
<IsTruncated>true</IsTruncated><NextContinuationToken>tok+/=</NextContinuationToken>
<Contents><Key>a%20b/c%2Bd.log</Key><LastModified>2026-11-24T00:00:01.000Z</LastModified><ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag><Size>5</Size></Contents>
<Contents><Key>x</Key><ETag>"abc-2"</ETag><Size>12345678901</Size></Contents></ListBucketResult>)";
  auto page = ParseListObjectsV2(xml);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a b/c+d.log");
  EXPECT_EQ(page->objects[0].etag, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(page->objects[0].size, 5u);
  EXPECT_EQ(page->objects[0].mtime, 1795478401000);
  EXPECT_EQ(page->objects[1].etag, "abc-2");
  EXPECT_EQ(page->objects[1].size, 12345678901u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "tok+/=");
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>x</Code></Error>").has_value());
}

S3Options Opts(std::string endpoint, Addressing a = Addressing::kAuto) {
  S3Options o;
  o.endpoint = std::move(endpoint);
  o.addressing = a;
  o.credentials = Credentials{"AKID", "SECRET", "", "test"};
  o.credential_options.env = FakeEnv({});
  return o;
}

TEST(S3UrlTest, PathStyleForCustomEndpointsWithCanonicalQuery) {
  auto c = S3Client::Create(Opts("http://127.0.0.1:7070/"));
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  S3Request r("GET", "logs", "a b/c+d.log");
  EXPECT_EQ((*c)->UrlFor(r), "http://127.0.0.1:7070/logs/a%20b/c%2Bd.log");
  S3Request list("GET", "logs");
  list.query = {{"prefix", "a b/"}, {"list-type", "2"}, {"encoding-type", "url"}};
  EXPECT_EQ((*c)->UrlFor(list),
            "http://127.0.0.1:7070/logs?encoding-type=url&list-type=2&prefix=a%20b%2F");
  EXPECT_EQ((*c)->region(), "us-east-1");
}

TEST(S3UrlTest, VirtualHostedOnAwsAndForcedPath) {
  S3Options o = Opts("");
  o.region = "eu-west-1";
  auto aws = S3Client::Create(o);
  ASSERT_TRUE(aws.has_value());
  EXPECT_EQ((*aws)->endpoint(), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ((*aws)->UrlFor(S3Request("GET", "logs", "k")), "https://logs.s3.eu-west-1.amazonaws.com/k");
  EXPECT_EQ((*aws)->UrlFor(S3Request("GET", "my.logs", "k")), "https://s3.eu-west-1.amazonaws.com/my.logs/k")
      << "dotted bucket names stay path-style (TLS)";
  auto forced = S3Client::Create(Opts("http://minio:9000", Addressing::kVirtualHosted));
  ASSERT_TRUE(forced.has_value());
  EXPECT_EQ((*forced)->UrlFor(S3Request("GET", "logs", "k")), "http://logs.minio:9000/k");
}

TEST(S3UrlTest, EndpointAndRegionFromEnvironment) {
  S3Options o;
  o.credential_options.env = FakeEnv({{"AWS_ENDPOINT_URL", "http://general:1"},
                                      {"AWS_ENDPOINT_URL_S3", "http://s3only:2"},
                                      {"AWS_REGION", "ap-south-1"},
                                      {"AWS_ACCESS_KEY_ID", "AKENV"},
                                      {"AWS_SECRET_ACCESS_KEY", "shh"}});
  auto c = S3Client::Create(o);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ((*c)->endpoint(), "http://s3only:2");
  EXPECT_EQ((*c)->region(), "ap-south-1");
  EXPECT_EQ((*c)->DescribeCredentials(), "access key id AKENV (from environment)");
  EXPECT_FALSE(S3Client::Create(Opts("ftp://x")).has_value());
  EXPECT_FALSE(S3Client::Create(Opts("http://host/path")).has_value());
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("aws_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "credentials").string();
    std::ofstream(file_) << "# comment\n[default]\naws_access_key_id = AKDEFAULT\n"
                            "aws_secret_access_key=secret1\n\n[profile dev]\n"
                            "aws_access_key_id=AKDEV\naws_secret_access_key = secret2\n"
                            "aws_session_token = tok\n[broken]\naws_access_key_id=AKB\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string file_;
};

TEST_F(CredentialsTest, EnvironmentComesFirst) {
  CredentialOptions o;
  o.env = FakeEnv({{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "s"},
                   {"AWS_SESSION_TOKEN", "t"}, {"AWS_SHARED_CREDENTIALS_FILE", file_}});
  auto c = ResolveCredentials(o);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AKENV");
  EXPECT_EQ(c->session_token, "t");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(CredentialsTest, HalfSetEnvironmentIsAnError) {
  CredentialOptions o;
  o.env = FakeEnv({{"AWS_ACCESS_KEY_ID", "AKENV"}});
  auto c = ResolveCredentials(o);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(CredentialsTest, SharedFileDefaultAndProfile) {
  CredentialOptions o;
  o.env = FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", file_}});
  auto c = ResolveCredentials(o);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "AKDEFAULT");
  EXPECT_EQ(c->secret_access_key, "secret1");
  EXPECT_THAT(c->Describe(), HasSubstr("[default]"));
  EXPECT_THAT(c->Describe(), Not(HasSubstr("secret1")));

  o.env = FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", file_}, {"AWS_PROFILE", "dev"}});
  c = ResolveCredentials(o);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "AKDEV");
  EXPECT_EQ(c->session_token, "tok");

  o.env = FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", file_}, {"AWS_PROFILE", "broken"}});
  c = ResolveCredentials(o);
  ASSERT_FALSE(c.has_value());
  EXPECT_THAT(c.error().message(), HasSubstr("aws_secret_access_key"));

  o.env = FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", file_}, {"AWS_PROFILE", "nope"}});
  c = ResolveCredentials(o);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(c.error().message(), HasSubstr("[nope]"));
}

TEST_F(CredentialsTest, NothingConfiguredSaysWhatToSet) {
  CredentialOptions o;
  o.env = FakeEnv({{"HOME", dir_.string() + "/nohome"}});
  auto c = ResolveCredentials(o);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(c.error().message(), HasSubstr("AWS_ACCESS_KEY_ID"));
}

TEST_F(CredentialsTest, InstanceMetadataIsTriedWithAShortTimeout) {
  CredentialOptions o;
  o.env = [](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "HOME") return "/nonexistent";
    return std::nullopt;
  };
  o.imds_endpoint = "http://127.0.0.1:1";  // nothing listens: fails fast
  o.imds_timeout_ms = 200;
  auto c = ResolveCredentials(o);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace logstream::aws
