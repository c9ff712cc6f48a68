#include "src/log/local_log.h"

namespace logstream {

Status TopicNotFound(std::string_view topic) {
  return NotFound("topic '" + std::string(topic) + "' does not exist; create it with EnsureTopic");
}

Status CheckSameTopicShape(std::string_view topic, const TopicOptions& have,
                           const TopicOptions& want) {
  if (have.partitions == want.partitions && have.compacted == want.compacted) return Status::Ok();
  return FailedPrecondition("topic '" + std::string(topic) + "' exists with " +
                            std::to_string(have.partitions) + " partitions" +
                            (have.compacted ? " (compacted)" : "") + ", not " +
                            std::to_string(want.partitions) +
                            (want.compacted ? " (compacted)" : ""));
}

Status CheckPartition(std::string_view topic, int partition, const TopicOptions& options) {
  if (partition >= 0 && partition < options.partitions) return Status::Ok();
  return InvalidArgument("partition " + std::to_string(partition) + " out of range for topic '" +
                         std::string(topic) + "'");
}

}  // namespace logstream
