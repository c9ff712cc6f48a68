// `logstream log topics|tail|stats --broker URL`: inspect a broker read-only.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "src/cli/commands.h"
#include "src/cli/settings.h"
#include "src/log/log.h"
#include "src/record/json.h"

namespace logstream::cli {

namespace {

struct LogArgs {
  std::string config;
  std::string topic;
  bool follow = false;
  const GivenFlags* given = nullptr;
};

Result<std::unique_ptr<Log>> OpenReader(const LogArgs& args) {
  Settings settings;
  RETURN_IF_ERROR(ResolveFile(args.config, *args.given, &settings));
  LogOptions options = settings.broker.options;
  options.read_only = true;
  return OpenLog(settings.broker.url, options);
}

std::string Join(const std::vector<int64_t>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out;
}

int Topics(const LogArgs& args) {
  auto log = OpenReader(args);
  if (!log) return Fail(log.error().ToString());
  auto topics = (*log)->ListTopics();
  if (!topics) return Fail(topics.error().ToString());
  std::printf("%-24s %10s  %s\n", "TOPIC", "PARTITIONS", "END OFFSETS");
  for (const auto& t : *topics) {
    std::printf("%-24s %10d  %s\n", t.name.c_str(), t.partitions, Join(t.end_offsets).c_str());
  }
  return 0;
}

// Prints every record value of the topic, one per line, partition by
// partition up to the end offsets seen at start; with follow, keeps polling.
int Tail(const LogArgs& args) {
  auto log = OpenReader(args);
  if (!log) return Fail(log.error().ToString());
  auto info = (*log)->DescribeTopic(args.topic);
  if (!info) return Fail(info.error().ToString());
  std::vector<char> buffer(1 << 20);
  std::setvbuf(stdout, buffer.data(), _IOFBF, buffer.size());
  if (info->compacted) {  // a state topic: its current entries
    auto state = (*log)->ReadState(args.topic);
    if (!state) return Fail(state.error().ToString());
    std::string line;
    for (const auto& [key, value] : *state) {
      line = "{\"key\":";
      AppendJsonString(key, &line);
      line += ",\"value\":";
      AppendJsonString(value, &line);
      line += "}\n";
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    std::fflush(stdout);  // before `buffer` goes away
    return 0;
  }
  std::vector<int64_t> next(info->partitions, 0);
  auto drain = [&](int p, int64_t until) -> Status {
    while (next[p] < until) {
      ASSIGN_OR_RETURN(auto records, (*log)->Read(args.topic, p, next[p], 10000));
      if (records.empty()) break;
      for (const auto& r : records) {
        // Past `until` (the end offset when tail started): what lay between
        // was transaction markers; the rest was written since.
        if (r.offset >= until) return Status::Ok();
        std::fwrite(r.value.data(), 1, r.value.size(), stdout);
        std::fputc('\n', stdout);
        next[p] = r.offset + 1;
      }
    }
    return Status::Ok();
  };
  for (int p = 0; p < info->partitions; ++p) {
    if (Status s = drain(p, info->end_offsets[p]); !s.ok()) return Fail(s.ToString());
  }
  std::fflush(stdout);
  while (args.follow) {
    bool any = false;
    for (int p = 0; p < info->partitions; ++p) {
      const int64_t before = next[p];
      if (Status s = drain(p, INT64_MAX); !s.ok()) return Fail(s.ToString());
      any |= next[p] != before;
    }
    std::fflush(stdout);
    if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 0;
}

int Stats(const LogArgs& args) {
  auto log = OpenReader(args);
  if (!log) return Fail(log.error().ToString());
  auto topics = (*log)->ListTopics();
  if (!topics) return Fail(topics.error().ToString());
  auto groups = (*log)->ListGroupOffsets();
  if (!groups) return Fail(groups.error().ToString());
  std::printf("%-24s %10s %14s %14s\n", "TOPIC", "PARTITIONS", "RECORDS", "APPROX BYTES");
  std::map<std::string, const TopicInfo*> by_name;
  for (const auto& t : *topics) {
    by_name[t.name] = &t;
    int64_t records = 0;
    for (int p = 0; p < t.partitions; ++p) records += t.end_offsets[p] - t.start_offsets[p];
    if (t.compacted) {  // a state topic: count its entries
      auto state = (*log)->ReadState(t.name);
      if (!state) return Fail(state.error().ToString());
      records = static_cast<int64_t>(state->size());
    }
    std::printf("%-24s %10d %14lld %14s\n", t.name.c_str(), t.partitions,
                static_cast<long long>(records),
                t.approximate_bytes < 0 ? "?" : std::to_string(t.approximate_bytes).c_str());
  }
  std::printf("\n%-20s %-24s %9s %12s %12s %10s\n", "GROUP", "TOPIC", "PARTITION", "COMMITTED",
              "END", "LAG");
  for (const auto& g : *groups) {
    auto it = by_name.find(g.topic);
    const int64_t end = it != by_name.end() && g.partition < it->second->partitions
                            ? it->second->end_offsets[g.partition]
                            : -1;
    std::printf("%-20s %-24s %9d %12lld %12lld %10lld\n", g.group.c_str(), g.topic.c_str(),
                g.partition, static_cast<long long>(g.next_offset), static_cast<long long>(end),
                static_cast<long long>(end < 0 ? 0 : std::max<int64_t>(0, end - g.next_offset)));
  }
  return 0;
}

}  // namespace

void RegisterLog(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<LogArgs>();
  CLI::App* log = app.add_subcommand("log", "Inspect a broker (read-only): topics, records, consumer lag");
  log->require_subcommand(1);
  args->given = &ctx.given;
  auto add_broker = [&](CLI::App* cmd) {
    AddBrokerFlag(cmd, ctx);
    AddConfigFlag(cmd, &args->config);
  };
  CLI::App* topics = log->add_subcommand("topics", "List topics with partition end offsets");
  add_broker(topics);
  topics->callback([args, &ctx] { ctx.exit_code = Topics(*args); });

  CLI::App* tail = log->add_subcommand(
      "tail", "Print a topic's records from the beginning, one JSON value per line, then exit");
  add_broker(tail);
  tail->add_option("topic", args->topic, "Topic to print, e.g. logs or dead-letter")->required();
  tail->add_flag("--follow,-f", args->follow, "Keep printing new records as they are committed");
  tail->callback([args, &ctx] { ctx.exit_code = Tail(*args); });

  CLI::App* stats = log->add_subcommand(
      "stats", "Topics with record and byte counts; consumer groups with committed offsets and lag");
  add_broker(stats);
  stats->callback([args, &ctx] { ctx.exit_code = Stats(*args); });
}

}  // namespace logstream::cli
