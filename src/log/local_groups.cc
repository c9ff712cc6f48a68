#include "src/log/local_groups.h"

#include <algorithm>
#include <chrono>

namespace logstream {

class LocalGroups::Member : public Subscription {
 public:
  Member(LocalGroups* groups, std::string group, int64_t id)
      : groups_(groups), group_(std::move(group)), id_(id) {}
  ~Member() override { groups_->Leave(group_, id_); }
  Result<AssignmentChange> Poll(TimeMs max_wait) override { return groups_->Poll(group_, id_, max_wait); }
  std::vector<TopicPartition> Assigned() const override { return groups_->Assigned(group_, id_); }

 private:
  LocalGroups* groups_;
  std::string group_;
  int64_t id_;
};

std::unique_ptr<Subscription> LocalGroups::Join(const std::string& group,
                                                std::vector<TopicPartition> partitions) {
  std::sort(partitions.begin(), partitions.end());
  std::lock_guard lock(mu_);
  const int64_t id = next_id_++;
  groups_[group][id].wanted = std::move(partitions);
  changed_.notify_all();
  return std::make_unique<Member>(this, group, id);
}

Result<std::unique_ptr<Subscription>> LocalGroups::Subscribe(
    std::string_view group, const std::vector<std::string>& topics,
    const std::function<Result<TopicOptions>(std::string_view)>& find_topic) {
  std::vector<TopicPartition> partitions;
  for (const std::string& topic : topics) {
    ASSIGN_OR_RETURN(TopicOptions options, find_topic(topic));
    for (int p = 0; p < options.partitions; ++p) partitions.push_back({topic, p});
  }
  return Join(std::string(group), std::move(partitions));
}

std::set<TopicPartition> LocalGroups::Target(const Group& group, int64_t id) {
  std::set<TopicPartition> all;
  for (const auto& [member, state] : group) all.insert(state.wanted.begin(), state.wanted.end());
  const auto index = std::distance(group.begin(), group.find(id));
  const auto members = static_cast<ptrdiff_t>(group.size());
  std::set<TopicPartition> mine;
  ptrdiff_t i = 0;
  for (const TopicPartition& tp : all) {
    if (i++ % members == index) mine.insert(tp);
  }
  return mine;
}

Result<AssignmentChange> LocalGroups::Poll(const std::string& group_name, int64_t id, TimeMs max_wait) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<TimeMs>(max_wait, 0));
  std::unique_lock lock(mu_);
  Group& group = groups_[group_name];
  MemberState& me = group[id];
  if (!me.revoking.empty()) {
    for (const TopicPartition& tp : me.revoking) me.owned.erase(tp);
    me.revoking.clear();
    changed_.notify_all();
  }
  while (true) {
    AssignmentChange change;
    const std::set<TopicPartition> target = Target(group, id);
    for (const TopicPartition& tp : me.owned) {
      if (!target.contains(tp)) change.revoked.push_back(tp);
    }
    me.revoking.insert(change.revoked.begin(), change.revoked.end());
    for (const TopicPartition& tp : target) {
      if (me.owned.contains(tp)) continue;
      bool taken = false;
      for (const auto& [other, state] : group) taken = taken || (other != id && state.owned.contains(tp));
      if (taken) continue;  // its owner has not handed it over yet
      me.owned.insert(tp);
      change.assigned.push_back(tp);
    }
    if (!change.empty() || changed_.wait_until(lock, deadline) == std::cv_status::timeout) return change;
  }
}

std::vector<TopicPartition> LocalGroups::Assigned(const std::string& group, int64_t id) {
  std::lock_guard lock(mu_);
  const MemberState& me = groups_[group][id];
  return {me.owned.begin(), me.owned.end()};
}

void LocalGroups::Leave(const std::string& group, int64_t id) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) groups_.erase(it);
  changed_.notify_all();
}

}  // namespace logstream
