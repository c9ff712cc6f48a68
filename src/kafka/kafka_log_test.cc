// The Log contract suite (src/log/log_contract_test.h) against a real Kafka
// broker: KAFKA_URL from the environment, else from `scripts/services env
// kafka` (the ctest fixture `kafka` starts it). Each test gets a fresh
// namespace, so the tests share one broker without seeing each other.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/kafka/kafka_log.h"
#include "src/log/log_contract_test.h"

namespace logstream {

// Test names show the factory's name, not its bytes.
void PrintTo(const LogFactory& factory, std::ostream* os) { *os << factory.name; }

namespace {

std::string KafkaUrl() {
  if (const char* url = std::getenv("KAFKA_URL")) return url;
  const char* source = std::getenv("LOGSTREAM_SOURCE_DIR");
  const std::string cmd = std::string(source ? source : ".") + "/scripts/services env kafka 2>/dev/null";
  std::string out;
  if (FILE* pipe = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
    pclose(pipe);
  }
  const std::string key = "KAFKA_URL=";
  const size_t at = out.find(key);
  if (at == std::string::npos) return "";
  const size_t end = out.find('\n', at);
  return out.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

std::unique_ptr<Log> OpenFresh() {
  static const std::string url = KafkaUrl();
  static int counter = 0;
  if (url.empty()) {
    ADD_FAILURE() << "no Kafka broker: run `scripts/services start kafka` or set KAFKA_URL";
    return nullptr;
  }
  LogOptions options;
  options.name_space = "contract-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  auto log = OpenKafkaLog(url, options);
  EXPECT_TRUE(log.has_value()) << log.error().ToString();
  return log ? std::move(*log) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Kafka, LogContractTest, testing::Values(LogFactory{"Kafka", OpenFresh, /*dense_offsets=*/false}),
                         [](const auto& info) { return info.param.name; });

TEST(KafkaUrlTest, ParsesBootstrapServers) {
  EXPECT_EQ(*KafkaBootstrapFromUrl("kafka://a:1,b:2"), "a:1,b:2");
  EXPECT_FALSE(KafkaBootstrapFromUrl("kafka://").has_value());
  EXPECT_FALSE(KafkaBootstrapFromUrl("http://a:1").has_value());
}

}  // namespace
}  // namespace logstream
