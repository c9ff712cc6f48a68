// The broker settings of a TOML configuration file, shared by the commands
// that take --config and open a log:
//
//   namespace = "team-a"        # Kafka: prefix of topics, transactional ids, groups
//   [kafka]                     # librdkafka properties, e.g. TLS and SASL
//   "security.protocol" = "SASL_SSL"
//   "sasl.mechanism" = "SCRAM-SHA-512"
//   "linger.ms" = 50            # numbers and booleans are passed as text
//
// The command line wins: --namespace over `namespace`, and -X property=value
// over the same property in [kafka]. The embedded log ignores both.
#pragma once

#include <string_view>

#include "src/base/status.h"
#include "src/log/log.h"

namespace logstream::cli {

// Adds `namespace` and [kafka] of the file at path to *options, keeping what
// *options already holds (the command line's). Errors name file and line.
Status LoadLogToml(std::string_view path, LogOptions* options);

}  // namespace logstream::cli
