// The ObjectStore contract against a real S3 server (versitygw, started by
// `scripts/services start s3`; its address and credentials are read with
// `scripts/services env s3`), plus what only S3Store promises: multipart
// uploads, key prefixes, bucket creation, clear errors for bad credentials.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>

#include "src/store/md5.h"
#include "src/store/s3_store.h"
#include "src/store/store_contract_test.h"

namespace logstream {
namespace {

// KEY=VALUE lines of `scripts/services env s3` (empty if it is not running).
const std::map<std::string, std::string>& ServiceEnv() {
  static const std::map<std::string, std::string> env = [] {
    std::map<std::string, std::string> m;
    const char* src = std::getenv("LOGSTREAM_SOURCE_DIR");
    const std::string cmd = std::string(src ? src : ".") + "/scripts/services env s3 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return m;
    char line[4096];
    while (std::fgets(line, sizeof line, p) != nullptr) {
      std::string s(line);
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
      const size_t eq = s.find('=');
      if (eq != std::string::npos) m[s.substr(0, eq)] = s.substr(eq + 1);
    }
    pclose(p);
    return m;
  }();
  return env;
}

aws::S3Options ServiceOptions() {
  const auto& env = ServiceEnv();
  aws::S3Options o;
  auto get = [&](const char* k) { auto it = env.find(k); return it == env.end() ? std::string() : it->second; };
  o.endpoint = get("S3_URL");
  o.region = get("AWS_REGION");
  o.credentials = aws::Credentials{get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"), "",
                                   "scripts/services env s3"};
  o.max_attempts = 3;
  return o;
}

std::string FreshBucket() {
  static std::atomic<int> n{0};
  return "ls-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

std::unique_ptr<S3Store> OpenFresh(std::string suffix = "", S3StoreOptions options = {}) {
  if (ServiceEnv().count("S3_URL") == 0) {
    ADD_FAILURE() << "the S3 server is not running: scripts/services start s3";
    return nullptr;
  }
  options.s3 = ServiceOptions();
  options.create_bucket = true;
  auto store = S3Store::Open("s3://" + FreshBucket() + suffix, std::move(options));
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

std::unique_ptr<ObjectStore> FreshStore() {
  S3StoreOptions o;
  o.read_chunk = 1 << 20;  // the 3 MiB contract object streams in several GETs
  return OpenFresh("", o);
}
std::unique_ptr<ObjectStore> FreshPrefixedStore() { return OpenFresh("/raw/logs"); }

INSTANTIATE_TEST_SUITE_P(S3, ObjectStoreContractTest,
                         ::testing::Values(StoreFactory{"versitygw", FreshStore},
                                           StoreFactory{"versitygw_prefix", FreshPrefixedStore}),
                         StoreFactoryName);

std::string Pattern(size_t n) {
  std::string data(n, '\0');
  for (size_t i = 0; i < n; ++i) data[i] = static_cast<char>((i * 7919) >> 5);
  return data;
}

TEST(S3StoreTest, MultipartUploadRoundTripsAndRePutIsANoOp) {
  S3StoreOptions o;
  o.multipart_threshold = 6 << 20;
  o.part_size = 5 << 20;
  auto store = OpenFresh("", o);
  ASSERT_NE(store, nullptr);
  const std::string data = Pattern((11 << 20) + 123);  // 3 parts
  auto put = store->Put("big/multi.log", data);
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_TRUE(put->created);
  EXPECT_EQ(put->etag, MultipartEtag(data, 5 << 20));
  EXPECT_THAT(put->etag, ::testing::EndsWith("-3"));
  auto head = store->Head("big/multi.log");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->etag, put->etag);
  EXPECT_EQ(head->size, data.size());
  auto again = store->Put("big/multi.log", data);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->created);
  auto all = ReadAll(*store, "big/multi.log");
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE(*all == data);
}

TEST(S3StoreTest, PrefixIsPartOfTheObjectKeyButNotOfStoreKeys) {
  auto root = OpenFresh();
  ASSERT_NE(root, nullptr);
  S3StoreOptions o;
  o.s3 = ServiceOptions();
  auto sub = S3Store::Open("s3://" + root->Bucket() + "/raw/", std::move(o));
  ASSERT_TRUE(sub.has_value()) << sub.error().ToString();
  EXPECT_EQ((*sub)->Url(), "s3://" + root->Bucket() + "/raw");
  ASSERT_TRUE((*sub)->Put("h1/a.log", "x").has_value());
  ASSERT_TRUE(root->Put("rawx.log", "y").has_value());
  auto in_root = root->List("");
  ASSERT_TRUE(in_root.has_value());
  ASSERT_EQ(in_root->objects.size(), 2u);
  EXPECT_EQ(in_root->objects[0].key, "raw/h1/a.log");
  auto in_sub = (*sub)->List("");
  ASSERT_TRUE(in_sub.has_value());
  ASSERT_EQ(in_sub->objects.size(), 1u);
  EXPECT_EQ(in_sub->objects[0].key, "h1/a.log");
}

TEST(S3StoreTest, ShellAndUrlSpecialCharactersInKeys) {
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  for (std::string key : {"a b/c+d.log", "p%20q/100%.log", "semi;colon/$(rm -rf)/`x`.log",
                          "q?x=1&y=2#frag.log", "\xe6\x97\xa5\xe6\x9c\xac/\xc3\xa9.log", "tab\tand\"quote'.log"}) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(store->Put(key, "v:" + key).has_value());
    auto got = ReadAll(*store, key);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(*got, "v:" + key);
    auto list = store->List(key.substr(0, 3));
    ASSERT_TRUE(list.has_value()) << list.error().ToString();
    ASSERT_FALSE(list->objects.empty());
    EXPECT_EQ(list->objects[0].key, key);
    auto after = store->List("", key);
    ASSERT_TRUE(after.has_value()) << after.error().ToString();
  }
}

TEST(S3StoreTest, WrongSecretIsAClearErrorWithoutTheSecret) {
  auto store = OpenFresh();
  ASSERT_NE(store, nullptr);
  S3StoreOptions o;
  o.s3 = ServiceOptions();
  o.s3.credentials->secret_access_key = "not-the-secret-xyz";
  auto bad = S3Store::Open("s3://" + store->Bucket(), std::move(o));
  ASSERT_TRUE(bad.has_value());
  auto put = (*bad)->Put("k.log", "x");
  ASSERT_FALSE(put.has_value());
  const std::string msg = put.error().message();
  EXPECT_EQ(put.error().code(), StatusCode::kInvalidArgument) << msg;
  EXPECT_THAT(msg, ::testing::HasSubstr(ServiceOptions().credentials->access_key_id));
  EXPECT_THAT(msg, ::testing::HasSubstr("us-east-1"));
  EXPECT_THAT(msg, ::testing::Not(::testing::HasSubstr("not-the-secret-xyz")));
  EXPECT_THAT(msg, ::testing::Not(::testing::HasSubstr(ServiceOptions().credentials->secret_access_key)));
}

TEST(S3StoreTest, MissingBucketIsNotFoundNamingTheBucket) {
  S3StoreOptions o;
  o.s3 = ServiceOptions();
  auto store = S3Store::Open("s3://no-such-bucket-" + std::to_string(::getpid()), std::move(o));
  ASSERT_TRUE(store.has_value());
  auto list = (*store)->List("");
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().code(), StatusCode::kNotFound) << list.error().ToString();
  EXPECT_THAT(list.error().message(), ::testing::HasSubstr("no-such-bucket-"));
}

TEST(S3StoreTest, ConnectionRefusedIsUnavailableAfterRetries) {
  S3StoreOptions o;
  o.s3 = ServiceOptions();
  o.s3.endpoint = "http://127.0.0.1:1";
  o.s3.max_attempts = 3;
  o.s3.base_backoff_ms = 10;
  auto store = S3Store::Open("s3://any-bucket", std::move(o));
  ASSERT_TRUE(store.has_value());
  auto head = (*store)->Head("k.log");
  ASSERT_FALSE(head.has_value());
  EXPECT_EQ(head.error().code(), StatusCode::kUnavailable) << head.error().ToString();
  EXPECT_THAT(head.error().message(), ::testing::HasSubstr("3 attempts"));
}

}  // namespace
}  // namespace logstream
