#include <algorithm>
#include <set>

#include "src/kafka/kafka_internal.h"

namespace logstream {

// A consumer group member: a KafkaConsumer subscribed with the
// cooperative-sticky assignor, used for membership only. Its partitions are
// paused as soon as they are assigned (the member's records are read with
// Log::ReadInto, from the group's committed offsets), so it fetches nothing.
// The rebalance callback runs inside rd_kafka_consumer_poll, on the thread
// calling Poll; revoked partitions are unassigned at the next Poll, after the
// caller has committed them.
class KafkaSubscription : public Subscription {
 public:
  KafkaSubscription(KafkaLog::Impl* log, std::string group) : log_(log), group_(std::move(group)) {}

  ~KafkaSubscription() override {
    if (!rk_) return;
    {
      std::lock_guard lock(log_->mu);
      auto& list = log_->members[group_];
      list.erase(std::remove(list.begin(), list.end(), this), list.end());
      if (list.empty()) log_->members.erase(group_);
    }
    // librdkafka before 2.3 aborts when a cooperative-sticky member is
    // destroyed before its first assignment (librdkafka issue 4312): wait for
    // it (a process stopped while it joins), at most a session timeout and a
    // bit; a member still not joined then is left open (the process is
    // ending; the group drops it after its session timeout).
    const auto give_up = Clock::now() + Ms(12000);
    while (!joined_ && error_.ok() && Clock::now() < give_up) {
      if (rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_.get(), 100)) rd_kafka_message_destroy(msg);
    }
    if (!joined_) {
      (void)rk_.release();
      return;
    }
    closing_ = true;  // revocations during close are unassigned at once
    Forget(owned_);
    rk_.reset();  // consumer_close: leaves the group
  }

  Status Start(const std::vector<std::string>& topics) {
    std::map<std::string, std::string> settings = {
        {"group.id", log_->Full(group_)},
        {"partition.assignment.strategy", "cooperative-sticky"},
        {"isolation.level", "read_committed"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        // A killed member's partitions move after this long.
        {"session.timeout.ms", "10000"},
        {"heartbeat.interval.ms", "1000"},
        {"queued.max.messages.kbytes", "1024"},
    };
    ASSIGN_OR_RETURN(rk_,
                     log_->NewClient(RD_KAFKA_CONSUMER, settings, [this](rd_kafka_conf_t* conf) {
                       rd_kafka_conf_set_opaque(conf, this);
                       rd_kafka_conf_set_rebalance_cb(
                           conf, [](rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                    rd_kafka_topic_partition_list_t* parts, void* opaque) {
                             static_cast<KafkaSubscription*>(opaque)->OnRebalance(rk, err, parts);
                           });
                     }));
    rd_kafka_poll_set_consumer(rk_.get());
    Partitions list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
    for (const std::string& topic : topics) {
      rd_kafka_topic_partition_list_add(list.get(), log_->Full(topic).c_str(),
                                        RD_KAFKA_PARTITION_UA);
    }
    if (rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_.get(), list.get())) {
      return KafkaError(e, "subscribing group " + log_->Full(group_));
    }
    std::lock_guard lock(log_->mu);
    log_->members[group_].push_back(this);
    return Status();
  }

  Result<AssignmentChange> Poll(TimeMs max_wait) override {
    if (!releasing_.empty()) {
      Partitions list = List(releasing_);
      if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk_.get(), list.get())) {
        return Err(TxnError(error, "handing over partitions of group " + log_->Full(group_)));
      }
      for (const auto& tp : releasing_) owned_.erase(tp);
      Forget(releasing_);
      releasing_.clear();
    }
    const auto deadline = Clock::now() + Ms(std::max<TimeMs>(max_wait, 0));
    while (change_.empty() && error_.ok()) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
      rd_kafka_message_t* msg =
          rd_kafka_consumer_poll(rk_.get(), static_cast<int>(std::clamp<int64_t>(left, 0, 100)));
      if (msg != nullptr) {
        if (msg->err == RD_KAFKA_RESP_ERR__FATAL) {
          char reason[256];
          rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_.get(), reason, sizeof reason);
          error_ = KafkaError(fatal,
                              std::string("consumer group ") + log_->Full(group_) + ": " + reason);
        }
        rd_kafka_message_destroy(msg);  // paused partitions: nothing but events
      }
      if (left <= 0) break;
    }
    RETURN_IF_ERROR(error_);
    AssignmentChange change = std::move(change_);
    change_ = AssignmentChange{};
    if (!change.lost) releasing_ = change.revoked;
    return change;
  }

  std::vector<TopicPartition> Assigned() const override { return {owned_.begin(), owned_.end()}; }

  // A copy of the membership (group, member id, generation) as of the last
  // rebalance this member has seen in Poll, or null before the first. Not
  // the consumer's live one: a member removed behind its back (a zombie)
  // keeps sending the old generation until it polls, so its commits fail.
  rd_kafka_consumer_group_metadata_t* Metadata() {
    std::lock_guard lock(gm_mu_);
    if (gm_.empty()) return nullptr;
    rd_kafka_consumer_group_metadata_t* copy = nullptr;
    if (rd_kafka_error_t* error =
            rd_kafka_consumer_group_metadata_read(&copy, gm_.data(), gm_.size())) {
      rd_kafka_error_destroy(error);
      return nullptr;
    }
    return copy;
  }

 private:
  Partitions List(const std::vector<TopicPartition>& tps) const {
    Partitions list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
    for (const auto& tp : tps) {
      rd_kafka_topic_partition_list_add(list.get(), log_->Full(tp.topic).c_str(), tp.partition);
    }
    return list;
  }

  std::vector<TopicPartition> Short(const rd_kafka_topic_partition_list_t* parts) const {
    std::vector<TopicPartition> out;
    for (int i = 0; i < parts->cnt; ++i) {
      std::string_view topic = parts->elems[i].topic;
      if (topic.starts_with(log_->prefix)) topic.remove_prefix(log_->prefix.size());
      out.push_back({std::string(topic), parts->elems[i].partition});
    }
    return out;
  }

  // Partitions leaving this member: offsets committed for them by this
  // process are no longer the group's latest once another member commits.
  template <typename Container>
  void Forget(const Container& tps) {
    std::lock_guard lock(log_->mu);
    for (const auto& tp : tps) log_->committed.erase({group_, log_->Full(tp.topic), tp.partition});
  }

  void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                   rd_kafka_topic_partition_list_t* parts) {
    struct Saver {  // after every callback, whatever it did
      KafkaSubscription* self;
      rd_kafka_t* rk;
      ~Saver() { self->SaveMetadata(rk); }
    } save{this, rk};
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      joined_ = true;
      if (rd_kafka_error_t* error = rd_kafka_incremental_assign(rk, parts)) {
        error_ = TxnError(error, "assigning partitions of group " + log_->Full(group_));
        return;
      }
      rd_kafka_pause_partitions(rk, parts);
      for (auto& tp : Short(parts)) {
        owned_.insert(tp);
        change_.assigned.push_back(std::move(tp));
      }
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      const bool lost = rd_kafka_assignment_lost(rk) != 0;
      auto revoked = Short(parts);
      if (lost || closing_) {
        if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, parts)) {
          rd_kafka_error_destroy(error);
        }
        for (const auto& tp : revoked) owned_.erase(tp);
        Forget(revoked);
        change_.lost = change_.lost || lost;
      }
      change_.revoked.insert(change_.revoked.end(), revoked.begin(), revoked.end());
      return;
    }
    // A rebalance error: start over with nothing assigned.
    rd_kafka_assign(rk, nullptr);
    change_.revoked.insert(change_.revoked.end(), owned_.begin(), owned_.end());
    change_.lost = true;
    Forget(owned_);
    owned_.clear();
  }

  void SaveMetadata(rd_kafka_t* rk) {
    rd_kafka_consumer_group_metadata_t* gm = rd_kafka_consumer_group_metadata(rk);
    if (gm == nullptr) return;
    void* buf = nullptr;
    size_t size = 0;
    rd_kafka_error_t* error = rd_kafka_consumer_group_metadata_write(gm, &buf, &size);
    rd_kafka_consumer_group_metadata_destroy(gm);
    if (error) {
      rd_kafka_error_destroy(error);
      return;
    }
    std::lock_guard lock(gm_mu_);
    gm_.assign(static_cast<const char*>(buf), size);
    rd_kafka_mem_free(rk, buf);
  }

  KafkaLog::Impl* log_;
  std::string group_;
  Handle rk_;
  std::mutex gm_mu_;
  std::string gm_;  // serialized metadata; guarded by gm_mu_
  bool closing_ = false;
  bool joined_ = false;  // an assignment (maybe empty) was received
  Status error_;
  AssignmentChange change_;  // collected by OnRebalance, returned by Poll
  std::set<TopicPartition> owned_;
  std::vector<TopicPartition> releasing_;  // revoked: unassigned at the next Poll
};

rd_kafka_consumer_group_metadata_t* KafkaLog::Impl::MemberMetadata(std::string_view group) {
  std::lock_guard lock(mu);
  auto member = members.find(group);
  if (member == members.end() || member->second.empty()) return nullptr;
  return member->second.front()->Metadata();
}

Result<std::unique_ptr<Subscription>> KafkaLog::Subscribe(std::string_view group,
                                                          const std::vector<std::string>& topics) {
  if (!ValidName(group)) {
    return Err(InvalidArgument("invalid group name '" + std::string(group) + "'"));
  }
  for (const std::string& topic : topics) {
    if (auto meta = impl_->Meta(topic); !meta) return Err(meta.error());
  }
  auto sub = std::make_unique<KafkaSubscription>(impl_.get(), std::string(group));
  RETURN_IF_ERROR(sub->Start(topics));
  return std::unique_ptr<Subscription>(std::move(sub));
}

}  // namespace logstream
