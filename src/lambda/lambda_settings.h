// The Lambda runtime's settings, declared once. A function has no command
// line: they come from its environment (the [lambda] table of a config file
// works too, for trials outside Lambda).
#pragma once

#include <string>
#include <vector>

#include "src/base/options.h"

namespace logstream::lambda {

struct LambdaSettings {
  std::string action = "ingest";  // ingest | enqueue | ssm
  std::string config;             // ssm: application.json ("": $LAMBDA_TASK_ROOT/application.json)
  std::string store;              // ingest: store URL of every record ("": s3://BUCKET of each)
  std::vector<std::string> ssm_instance_ids;  // ssm: instead of application.json's
  std::string ssm_script;                     // ssm: instead of application.json's
};

const opt::Table<LambdaSettings>& LambdaTable();

}  // namespace logstream::lambda
