// Which broker a command opens and how, declared once for every command
// that takes --broker: the top-level keys `broker` and `namespace`, and the
// [kafka] table of librdkafka properties (-X PROPERTY=VALUE on the command
// line, which wins per property over the file).
#pragma once

#include <string>
#include <string_view>

#include "src/base/options.h"
#include "src/log/log.h"

namespace logstream {

struct BrokerSettings {
  std::string url = "logstream-data/broker";  // a directory, file:///PATH or kafka://HOST:PORT,...
  LogOptions options;                         // name_space and properties are settings
};

const opt::Table<BrokerSettings>& BrokerTable();  // top level: broker, namespace
const opt::Table<BrokerSettings>& KafkaTable();   // [kafka]

// Lets a backend check a property before any broker is opened (Kafka: is it
// a librdkafka property with a valid value). Call at start-up.
using PropertyChecker = Status (*)(std::string_view name, std::string_view value);
void RegisterPropertyChecker(PropertyChecker checker);

}  // namespace logstream
