// Everything a configuration can set, resolved once per process: each table
// of the config file handed to the module that declares it, then the
// environment and the flags. A command presets its own defaults in Settings
// (e.g. `run`'s three bursting hosts), calls Resolve, and uses the parts it
// needs; every table is validated whichever command reads the file.
#pragma once

#include <string>
#include <vector>

#include "src/cli/flags.h"
#include "src/generate/generator.h"
#include "src/ingest/ingester.h"
#include "src/lambda/lambda_settings.h"
#include "src/log/broker_settings.h"
#include "src/notify/sink_config.h"
#include "src/process/config.h"
#include "src/serve/telemetry.h"
#include "src/store/object_store.h"
#include "src/trigger/source_factory.h"

namespace logstream::cli {

struct Settings {
  BrokerSettings broker;
  StoreSettings store;
  EventSettings events;
  IngestOptions ingest;
  ProcessorConfig processor;
  std::vector<SinkConfig> sinks;
  GeneratorOptions generator;
  lambda::LambdaSettings lambda;
  HttpSettings http;
  opt::Provenance provenance;  // where each value came from
};

// Resolves every table into *settings (which holds the defaults). All
// problems, one per line, "FILE:LINE:COLUMN: ..." for the file's.
Status Resolve(const ConfigFile& file, const GivenFlags& given, Settings* settings);

// The config file at path ("" = none) resolved as above; for commands.
Status ResolveFile(const std::string& path, const GivenFlags& given, Settings* settings);

// The description of every table, in reference order.
std::vector<opt::TableInfo> AllTables();

// The effective configuration as TOML, each value with its origin.
std::string ShowSettings(const Settings& settings);

// Sets the S3 endpoint of the AWS environment when --s3-endpoint or
// [store] s3_endpoint gave one.
void ApplyS3Endpoint(const StoreSettings& store);

}  // namespace logstream::cli
