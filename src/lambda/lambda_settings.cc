#include "src/lambda/lambda_settings.h"

namespace logstream::lambda {

const opt::Table<LambdaSettings>& LambdaTable() {
  using L = LambdaSettings;
  static const opt::Table<L> table = [] {
    opt::Table<L> t("lambda",
                    "`logstream lambda`, the AWS Lambda custom runtime: set in the function's "
                    "environment (the broker: LOGSTREAM_BROKER, LOGSTREAM_NAMESPACE).");
    t.String("action", &L::action,
             "ingest: each S3 event's objects into the broker; enqueue: each event to topic objects "
             "for the ingest fleet (`ingest --instance`); ssm: SSM SendCommand of the instances' "
             "script with the bucket and key quoted",
             {.env = "LOGSTREAM_LAMBDA_ACTION"}, {"ingest", "enqueue", "ssm"});
    t.String("config", &L::config, "ssm: application.json (default $LAMBDA_TASK_ROOT/application.json)",
             {.env = "LOGSTREAM_LAMBDA_CONFIG"});
    t.String("store", &L::store,
             "ingest: the store URL of every record (default s3://BUCKET of each record; endpoint "
             "AWS_ENDPOINT_URL_S3)",
             {.env = "LOGSTREAM_STORE"});
    t.List("ssm_instance_ids", &L::ssm_instance_ids,
           "ssm: instance ids (comma-separated in the environment), instead of application.json's",
           {.env = "LOGSTREAM_SSM_INSTANCE_IDS"});
    t.String("ssm_script", &L::ssm_script, "ssm: the script file name, instead of application.json's",
             {.env = "LOGSTREAM_SSM_SCRIPT"});
    return t;
  }();
  return table;
}

}  // namespace logstream::lambda
