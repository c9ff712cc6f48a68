#include "src/kafka/kafka_log.h"

#include <algorithm>
#include <climits>
#include <iostream>
#include <optional>
#include <span>
#include <thread>

#include "src/kafka/kafka_internal.h"

namespace logstream {

namespace {

// The group results of a ListConsumerGroupOffsets event (see GroupOffsets).
std::span<const rd_kafka_group_result_t*> GroupResults(const EventPtr& event) {
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &n);
  return {groups, n};
}

}  // namespace

Result<std::string> KafkaBootstrapFromUrl(std::string_view url) {
  if (!url.starts_with("kafka://") || url.size() == 8) {
    return Err(InvalidArgument("not a Kafka URL: '" + std::string(url) +
                               "' (expected kafka://HOST:PORT[,HOST:PORT])"));
  }
  std::string servers(url.substr(8));
  while (!servers.empty() && servers.back() == '/') servers.pop_back();
  return servers;
}

Result<Handle> KafkaLog::Impl::NewClient(rd_kafka_type_t type,
                                         std::map<std::string, std::string> settings,
                                         const std::function<void(rd_kafka_conf_t*)>& customize) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (customize) customize(conf);
  settings["bootstrap.servers"] = options.bootstrap_servers;
  for (const auto& [k, v] : options.properties) settings[k] = v;
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Err(InvalidArgument("Kafka property " + k + "=" + v + ": " + err));
    }
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Err(InvalidArgument(std::string("cannot create a Kafka client: ") + err));
  }
  return Handle(rk);
}

Result<EventPtr> KafkaLog::Impl::AdminCall(
    rd_kafka_admin_op_t op, std::string_view what,
    const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call) {
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(admin.get(), op);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(opts, TimeoutMs(), err, sizeof err);
  if (op == RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS) {
    if (rd_kafka_error_t* e = rd_kafka_AdminOptions_set_require_stable_offsets(opts, 1)) {
      rd_kafka_error_destroy(e);
    }
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
  call(opts, queue);
  EventPtr event(rd_kafka_queue_poll(queue, TimeoutMs() + 5000));
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(opts);
  if (!event) return Err(Unavailable(std::string(what) + ": no answer from Kafka (retry)"));
  if (rd_kafka_resp_err_t e = rd_kafka_event_error(event.get())) {
    return Err(
        KafkaError(e, std::string(what) + " (" + rd_kafka_event_error_string(event.get()) + ")"));
  }
  return event;
}

Result<int> KafkaLog::Impl::MetadataPartitions(const std::string& full, int* replicas) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(admin.get(), 1, nullptr, &md, TimeoutMs());
  if (err) return Err(KafkaError(err, "reading Kafka metadata"));
  std::optional<int> partitions;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (full != t.topic || t.err) continue;
    partitions = t.partition_cnt;
    if (replicas != nullptr) {
      *replicas = t.partition_cnt > 0 ? INT_MAX : 0;
      for (int p = 0; p < t.partition_cnt; ++p) *replicas = std::min(*replicas, t.partitions[p].replica_cnt);
    }
  }
  rd_kafka_metadata_destroy(md);
  if (!partitions) return Err(NotFound("no topic " + full + " in Kafka"));
  return *partitions;
}

Result<bool> KafkaLog::Impl::IsCompacted(const std::string& full) {
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, full.c_str());
  auto event = AdminCall(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "describing topic " + full,
                         [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                           rd_kafka_DescribeConfigs(admin.get(), &res, 1, o, q);
                         });
  rd_kafka_ConfigResource_destroy(res);
  if (!event) return Err(event.error());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event->get()), &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[i])) {
      return Err(KafkaError(e, "describing topic " + full));
    }
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &m);
    for (size_t j = 0; j < m; ++j) {
      if (std::string_view(rd_kafka_ConfigEntry_name(entries[j])) == "cleanup.policy") {
        const char* v = rd_kafka_ConfigEntry_value(entries[j]);
        return v != nullptr && std::string_view(v).find("compact") != std::string_view::npos;
      }
    }
  }
  return false;
}

Result<TopicMeta> KafkaLog::Impl::Meta(std::string_view topic) {
  {
    std::lock_guard lock(mu);
    auto it = topics.find(topic);
    if (it != topics.end()) return it->second;
  }
  if (!ValidName(topic)) {
    return Err(InvalidArgument("invalid topic name '" + std::string(topic) + "'"));
  }
  const std::string full = Full(topic);
  int replicas = 0;
  ASSIGN_OR_RETURN(int partitions, MetadataPartitions(full, &replicas));
  ASSIGN_OR_RETURN(bool compacted, IsCompacted(full));
  TopicMeta meta{partitions, compacted, replicas};
  std::lock_guard lock(mu);
  topics[std::string(topic)] = meta;
  return meta;
}

Result<std::pair<int64_t, int64_t>> KafkaLog::Impl::Watermarks(const std::string& full,
                                                               int partition,
                                                               bool uncommitted_end) {
  rd_kafka_t* rk = admin.get();
  if (uncommitted_end) {
    std::lock_guard lock(mu);
    if (!uncommitted) {
      ASSIGN_OR_RETURN(uncommitted,
                       NewClient(RD_KAFKA_CONSUMER, {{"isolation.level", "read_uncommitted"}}));
    }
    rk = uncommitted.get();
  }
  // A new topic's leader may not be known yet: retry for a while.
  const auto give_up = Clock::now() + Ms(std::min<TimeMs>(options.timeout, 10000));
  while (true) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, full.c_str(), partition, &lo, &hi, TimeoutMs());
    if (!err) return std::pair{lo, hi};
    if (Clock::now() > give_up) return Err(KafkaError(err, "reading the offsets of " + full));
    if (err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
      // The leader moved (a broker of the cluster was lost): the client asks
      // the old one until its metadata is read again.
      const rd_kafka_metadata_t* md = nullptr;
      if (rd_kafka_metadata(rk, 1, nullptr, &md, TimeoutMs()) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
      }
    }
    std::this_thread::sleep_for(Ms(20));
  }
}

bool KafkaLog::Impl::AwaitStableEnd(const std::string& full, int partition, int64_t offset,
                                    Clock::time_point deadline, int64_t* end) {
  while (true) {
    auto marks = Watermarks(full, partition);
    if (marks && end != nullptr) *end = marks->second;
    if (marks && marks->second >= offset) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(Ms(2));
  }
}

Result<EventPtr> KafkaLog::Impl::GroupOffsets(const std::string& full_group,
                                              const rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_ListConsumerGroupOffsets_t* request =
      rd_kafka_ListConsumerGroupOffsets_new(full_group.c_str(), partitions);
  auto event = AdminCall(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
                         "reading offsets of group " + full_group,
                         [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                           rd_kafka_ListConsumerGroupOffsets(admin.get(), &request, 1, o, q);
                         });
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  return event;
}

Result<TopicInfo> KafkaLog::Impl::Describe(std::string_view topic, const TopicMeta& meta) {
  TopicInfo info;
  info.name = std::string(topic);
  info.partitions = meta.partitions;
  info.compacted = meta.compacted;
  for (int p = 0; p < meta.partitions; ++p) {
    ASSIGN_OR_RETURN(auto marks, Watermarks(Full(topic), p));
    info.start_offsets.push_back(marks.first);
    info.end_offsets.push_back(marks.second);
  }
  return info;
}

KafkaLog::KafkaLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KafkaLog::~KafkaLog() = default;

Result<std::unique_ptr<KafkaLog>> KafkaLog::Open(const KafkaOptions& options) {
  if (options.bootstrap_servers.empty()) {
    return Err(InvalidArgument("no Kafka bootstrap servers given"));
  }
  if (!ValidName(options.name_space)) {
    return Err(InvalidArgument("invalid Kafka namespace '" + options.name_space +
                               "' (use letters, digits, . _ -)"));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->prefix = options.name_space + ".";
  ASSIGN_OR_RETURN(impl->admin, impl->NewClient(RD_KAFKA_PRODUCER, {}));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(impl->admin.get(), 0, nullptr, &md, impl->TimeoutMs());
  if (err) {
    return Err(KafkaError(err, "connecting to Kafka at " + options.bootstrap_servers +
                                   " (is the broker running? `scripts/services start kafka`)"));
  }
  impl->brokers = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  if (impl->options.replication_factor <= 0) impl->options.replication_factor = impl->brokers >= 3 ? 3 : 1;
  return std::unique_ptr<KafkaLog>(new KafkaLog(std::move(impl)));
}

std::string KafkaLog::Url() const { return "kafka://" + impl_->options.bootstrap_servers; }

Status KafkaLog::EnsureTopic(std::string_view topic, const TopicOptions& options) {
  if (!ValidName(topic) || impl_->Full(topic).size() > 249) {
    return InvalidArgument(
        "invalid topic name '" + std::string(topic) +
        "' (Kafka allows letters, digits, . _ - and 249 characters with the namespace)");
  }
  if (options.partitions < 1) return InvalidArgument("a topic needs at least one partition");
  const std::string full = impl_->Full(topic);
  const int replication = impl_->options.replication_factor;
  if (replication > impl_->brokers) {
    return InvalidArgument("[kafka] replication = " + std::to_string(replication) + ", but the cluster at " +
                           impl_->options.bootstrap_servers + " has " + std::to_string(impl_->brokers) +
                           " broker(s): lower it (0 chooses for the cluster)");
  }
  char err[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(full.c_str(), options.partitions, replication, err, sizeof err);
  if (nt == nullptr) return InvalidArgument("topic " + full + ": " + err);
  const std::string min_isr = std::to_string(std::max(1, replication - 1));
  rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", min_isr.c_str());
  const std::string retention_ms =
      std::to_string(options.retention_ms < 0 ? -1 : options.retention_ms);
  const std::string retention_bytes =
      std::to_string(options.retention_bytes < 0 ? -1 : options.retention_bytes);
  rd_kafka_NewTopic_set_config(nt, "cleanup.policy", options.compacted ? "compact" : "delete");
  if (!options.compacted) {
    rd_kafka_NewTopic_set_config(nt, "retention.ms", retention_ms.c_str());
    rd_kafka_NewTopic_set_config(nt, "retention.bytes", retention_bytes.c_str());
  }
  auto event = impl_->AdminCall(RD_KAFKA_ADMIN_OP_CREATETOPICS, "creating topic " + full,
                                [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                  rd_kafka_CreateTopics(impl_->admin.get(), &nt, 1, o, q);
                                });
  rd_kafka_NewTopic_destroy(nt);
  if (!event) return event.error();
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &n);
  rd_kafka_resp_err_t code =
      n > 0 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR_NO_ERROR;
  if (code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    {
      std::lock_guard lock(impl_->mu);
      impl_->topics.erase(std::string(topic));
    }
    // Created a moment ago by another client (two processors starting
    // together), its metadata may not have reached the broker yet.
    const auto give_up = Clock::now() + Ms(impl_->options.timeout);
    auto found = impl_->Meta(topic);
    while (!found && found.error().code() == StatusCode::kNotFound && Clock::now() < give_up) {
      std::this_thread::sleep_for(Ms(20));
      found = impl_->Meta(topic);
    }
    ASSIGN_OR_RETURN(TopicMeta meta, std::move(found));
    if (meta.partitions != options.partitions) {
      return FailedPrecondition("topic " + full + " exists with " +
                                std::to_string(meta.partitions) + " partitions, not " +
                                std::to_string(options.partitions) +
                                " (use the existing count or another namespace)");
    }
    if (meta.compacted != options.compacted) {
      return FailedPrecondition("topic " + full + " exists but is " +
                                (meta.compacted ? "a compacted state topic" : "not compacted"));
    }
    if (meta.replicas < replication) {
      std::cerr << "logstream: topic " << full << " has " << meta.replicas << " replica(s), fewer than "
                << replication << " ([kafka] replication): losing a broker may lose its records; "
                << "add replicas with kafka-reassign-partitions\n";
    }
    return Status();
  }
  if (code) {
    return KafkaError(code, "creating topic " + full + " (" +
                                rd_kafka_topic_result_error_string(results[0]) + ")");
  }
  // Wait until the new topic's metadata has reached the broker.
  const auto give_up = Clock::now() + Ms(impl_->options.timeout);
  while (true) {
    auto partitions = impl_->MetadataPartitions(full);
    if (partitions && *partitions == options.partitions) break;
    if (Clock::now() > give_up) {
      return Unavailable("topic " + full + " was created but does not show up");
    }
    std::this_thread::sleep_for(Ms(20));
  }
  std::lock_guard lock(impl_->mu);
  impl_->topics[std::string(topic)] = TopicMeta{options.partitions, options.compacted, replication};
  return Status();
}

Result<std::vector<TopicInfo>> KafkaLog::ListTopics() {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(impl_->admin.get(), 1, nullptr, &md, impl_->TimeoutMs());
  if (err) return Err(KafkaError(err, "listing Kafka topics"));
  std::vector<std::string> names;
  for (int i = 0; i < md->topic_cnt; ++i) {
    std::string_view name = md->topics[i].topic;
    if (name.starts_with(impl_->prefix)) names.emplace_back(name.substr(impl_->prefix.size()));
  }
  rd_kafka_metadata_destroy(md);
  std::sort(names.begin(), names.end());
  std::vector<TopicInfo> out;
  for (const auto& name : names) {
    ASSIGN_OR_RETURN(TopicInfo info, DescribeTopic(name));
    out.push_back(std::move(info));
  }
  return out;
}

Result<TopicInfo> KafkaLog::DescribeTopic(std::string_view topic) {
  ASSIGN_OR_RETURN(TopicMeta meta, impl_->Meta(topic));
  return impl_->Describe(topic, meta);
}

Result<int64_t> KafkaLog::CommittedOffset(std::string_view group, std::string_view topic,
                                          int partition) {
  ASSIGN_OR_RETURN(TopicMeta meta, impl_->Meta(topic));
  if (partition < 0 || partition >= meta.partitions) {
    return Err(InvalidArgument("topic " + std::string(topic) + " has no partition " +
                               std::to_string(partition)));
  }
  const std::string full_group = impl_->Full(group), full_topic = impl_->Full(topic);
  {
    // Committed by this process: no round trip (hot in `run`'s progress line).
    std::lock_guard lock(impl_->mu);
    auto it = impl_->committed.find({std::string(group), full_topic, partition});
    if (it != impl_->committed.end()) return it->second;
  }
  const auto give_up = Clock::now() + Ms(impl_->options.timeout);
  while (true) {
    Partitions list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), full_topic.c_str(), partition);
    auto event = impl_->GroupOffsets(full_group, list.get());
    rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
    int64_t offset = -1;
    if (event) {
      for (const rd_kafka_group_result_t* result : GroupResults(*event)) {
        if (const rd_kafka_error_t* e = rd_kafka_group_result_error(result)) {
          code = rd_kafka_error_code(e);
        }
        const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(result);
        for (int j = 0; parts != nullptr && j < parts->cnt; ++j) {
          if (parts->elems[j].err) code = parts->elems[j].err;
          offset = parts->elems[j].offset;
        }
      }
    } else if (Clock::now() > give_up) {
      return Err(event.error());
    }
    if (event && code == RD_KAFKA_RESP_ERR_NO_ERROR) return std::max<int64_t>(offset, 0);
    if (event && code != RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT &&
        code != RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS) {
      return Err(KafkaError(code, "reading offsets of group " + full_group));
    }
    if (Clock::now() > give_up) {
      return Err(KafkaError(code, "reading offsets of group " + full_group));
    }
    std::this_thread::sleep_for(Ms(20));  // a transaction's offsets are being committed
  }
}

Result<std::vector<GroupOffset>> KafkaLog::ListGroupOffsets() {
  auto event = impl_->AdminCall(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "listing consumer groups",
                                [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                  rd_kafka_ListConsumerGroups(impl_->admin.get(), o, q);
                                });
  if (!event) return Err(event.error());
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** listed = rd_kafka_ListConsumerGroups_result_valid(
      rd_kafka_event_ListConsumerGroups_result(event->get()), &n);
  std::vector<std::string> groups;
  for (size_t i = 0; i < n; ++i) {
    std::string_view g = rd_kafka_ConsumerGroupListing_group_id(listed[i]);
    if (g.starts_with(impl_->prefix)) groups.emplace_back(g.substr(impl_->prefix.size()));
  }
  std::vector<GroupOffset> out;
  for (const auto& group : groups) {
    const std::string full_group = impl_->Full(group);
    auto offsets = impl_->GroupOffsets(full_group, nullptr);
    if (!offsets) return Err(offsets.error());
    for (const rd_kafka_group_result_t* result : GroupResults(*offsets)) {
      const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(result);
      for (int j = 0; parts != nullptr && j < parts->cnt; ++j) {
        std::string_view topic = parts->elems[j].topic;
        if (!topic.starts_with(impl_->prefix) || parts->elems[j].offset < 0) continue;
        out.push_back({group, std::string(topic.substr(impl_->prefix.size())),
                       parts->elems[j].partition, parts->elems[j].offset});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const GroupOffset& a, const GroupOffset& b) {
    return std::tie(a.group, a.topic, a.partition) < std::tie(b.group, b.topic, b.partition);
  });
  return out;
}

Result<std::unique_ptr<Log>> OpenKafkaLog(std::string_view url, const LogOptions& options) {
  KafkaOptions kafka;
  ASSIGN_OR_RETURN(kafka.bootstrap_servers, KafkaBootstrapFromUrl(url));
  if (!options.name_space.empty()) kafka.name_space = options.name_space;
  kafka.properties = options.properties;
  kafka.replication_factor = options.replication;
  ASSIGN_OR_RETURN(std::unique_ptr<KafkaLog> log, KafkaLog::Open(kafka));
  return std::unique_ptr<Log>(std::move(log));
}

void RegisterKafkaLog() { RegisterLogBackend("kafka://", &OpenKafkaLog); }

}  // namespace logstream
