#include "src/log/broker_settings.h"

#include <atomic>

namespace logstream {
namespace {

std::atomic<PropertyChecker> property_checker{nullptr};

}  // namespace

void RegisterPropertyChecker(PropertyChecker checker) { property_checker.store(checker); }

const opt::Table<BrokerSettings>& BrokerTable() {
  using B = BrokerSettings;
  static const opt::Table<B> table = [] {
    opt::Table<B> t("", "The broker every command opens, and its naming.");
    t.String("broker", &B::url,
             "broker: a directory or file:///PATH (the embedded log), or kafka://HOST:PORT[,HOST:PORT] "
             "(Apache Kafka)",
             {.flag = "--broker", .env = "LOGSTREAM_BROKER"});
    t.CheckedString("namespace", [](B& b) -> std::string& { return b.options.name_space; },
                    "Kafka: prefix of topic, transactional and group names (default logstream)",
                    opt::CheckNonEmpty, {.flag = "--namespace", .env = "LOGSTREAM_NAMESPACE"});
    t.Int("min_free_bytes", [](B& b) -> uint64_t& { return b.options.min_free_bytes; },
          "embedded log: commits wait (or, with --exit-when-done, fail) while the disk has less "
          "free space than this beyond the commit itself",
          0, INT64_MAX, {.unit = "bytes"});
    return t;
  }();
  return table;
}

const opt::Table<BrokerSettings>& KafkaTable() {
  using B = BrokerSettings;
  static const opt::Table<B> table = [] {
    opt::Table<B> t("kafka",
                    "librdkafka properties for Kafka brokers, e.g. \"security.protocol\" = "
                    "\"SASL_SSL\"; numbers and booleans are passed as text. The embedded log "
                    "ignores them.");
    t.Custom(
        std::string(opt::kAnyKey), opt::Type::kMap, "any librdkafka property (-X PROPERTY=VALUE, repeatable)",
        [](B& b, const opt::Value& v) -> Status {
          for (const std::string& item : v.items) {
            const size_t eq = item.find('=');
            const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
            if (PropertyChecker check = property_checker.load()) RETURN_IF_ERROR(check(name, value));
            b.options.properties[name] = value;
          }
          return Status::Ok();
        },
        [](const B& b) {
          opt::Value v;
          for (const auto& [k, value] : b.options.properties) v.items.push_back(k + "=" + value);
          return v;
        },
        {.flag = "-X"});
    t.Int("replication", [](B& b) -> int& { return b.options.replication; },
          "replicas of each topic logstream creates, with min.insync.replicas one less (at least "
          "1); 0: 3 when the cluster has at least 3 brokers, else 1. Existing topics with fewer "
          "replicas are reported at start",
          0, 16);
    return t;
  }();
  return table;
}

}  // namespace logstream
