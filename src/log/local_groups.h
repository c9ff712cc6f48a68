// LocalGroups: consumer groups whose members live in one process, for the
// logs that one process owns (MemoryLog, EmbeddedLog). One member of a group
// gets every partition; several members split them round-robin (partitions
// sorted by topic and number, members by join order).
//
// Hand-over is cooperative, as on Kafka: a partition moving to another member
// is first reported revoked to its owner, stays the owner's until the owner's
// next Poll, and only then is reported assigned to the new member.
//
// Thread-safe; the Subscriptions it returns are used by one thread each and
// must not outlive the LocalGroups.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "src/log/log.h"

namespace logstream {

class LocalGroups {
 public:
  // A new member of `group` consuming `partitions` (every partition of its
  // topics).
  std::unique_ptr<Subscription> Join(const std::string& group, std::vector<TopicPartition> partitions);
  // Log::Subscribe for a log whose topics `find_topic` describes (NotFound
  // if missing).
  Result<std::unique_ptr<Subscription>> Subscribe(
      std::string_view group, const std::vector<std::string>& topics,
      const std::function<Result<TopicOptions>(std::string_view)>& find_topic);

 private:
  class Member;
  struct MemberState {
    std::vector<TopicPartition> wanted;
    std::set<TopicPartition> owned;     // includes `revoking`
    std::set<TopicPartition> revoking;  // reported revoked, handed over at the next Poll
  };
  using Group = std::map<int64_t, MemberState>;  // by join order

  Result<AssignmentChange> Poll(const std::string& group, int64_t id, TimeMs max_wait);
  std::vector<TopicPartition> Assigned(const std::string& group, int64_t id);
  void Leave(const std::string& group, int64_t id);
  // This member's share of the group's partitions.
  static std::set<TopicPartition> Target(const Group& group, int64_t id);

  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Group> groups_;  // guarded by mu_
  int64_t next_id_ = 0;                  // guarded by mu_
};

}  // namespace logstream
