#include <algorithm>

#include "src/kafka/kafka_internal.h"

namespace logstream {

Status KafkaError(rd_kafka_resp_err_t err, std::string_view what) {
  std::string m = std::string(what) + ": " + rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return NotFound(m);
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
      return InvalidArgument(m);
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
      return FailedPrecondition(m + " (another writer with the same transactional id took over)");
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
      return Aborted(m +
                     " (the consumer group rebalanced: restore the assigned partitions from the "
                     "log and retry)");
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return FailedPrecondition(m + " (grant the ACL or fix the credentials)");
    default:
      return Unavailable(m + " (check that the Kafka cluster is reachable; retry)");
  }
}

Status TxnError(rd_kafka_error_t* error, std::string_view what) {
  Status s = KafkaError(rd_kafka_error_code(error), what);
  // The error's name too: which of librdkafka's codes decided the status.
  s = Status(s.code(), std::string(what) + ": " + rd_kafka_error_string(error) + " (" +
                           rd_kafka_err2name(rd_kafka_error_code(error)) + ")");
  rd_kafka_error_destroy(error);
  return s;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace logstream
