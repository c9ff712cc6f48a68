#include "src/kafka/kafka_properties.h"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

namespace logstream {

Status CheckKafkaProperty(std::string_view name, std::string_view value) {
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                         &rd_kafka_conf_destroy);
  char err[512];
  if (rd_kafka_conf_set(conf.get(), std::string(name).c_str(), std::string(value).c_str(), err,
                        sizeof err) != RD_KAFKA_CONF_OK) {
    return InvalidArgument(std::string("librdkafka: ") + err);
  }
  return Status::Ok();
}

}  // namespace logstream
