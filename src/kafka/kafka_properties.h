// Checks a librdkafka property before any broker is opened, so that
// `config check` and every command report a bad [kafka] key or -X at once.
#pragma once

#include <string_view>

#include "src/base/status.h"

namespace logstream {

// OK when librdkafka knows the property and takes the value; else
// InvalidArgument with librdkafka's own words.
Status CheckKafkaProperty(std::string_view name, std::string_view value);

}  // namespace logstream
