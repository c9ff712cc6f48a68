#include "src/ingest/sharded_source.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "src/ingest/ingester.h"

namespace logstream {
namespace {

// A finite source yielding its events a few at a time; records acks.
class Batches : public EventSource {
 public:
  explicit Batches(std::vector<ObjectEvent> events) : events_(std::move(events)) {}
  Result<std::vector<ObjectEvent>> Poll(TimeMs) override {
    std::vector<ObjectEvent> out;
    while (next_ < events_.size() && out.size() < 7) out.push_back(events_[next_++]);
    return out;
  }
  Status Ack(const ObjectEvent& e) override {
    acked.push_back(e.key);
    return Status::Ok();
  }
  bool Done() const override { return next_ == events_.size(); }
  std::vector<std::string> acked;

 private:
  std::vector<ObjectEvent> events_;
  size_t next_ = 0;
};

TEST(ShardedSourceTest, EachHostGoesToOneShardInOrderAndEveryEventOnce) {
  std::vector<ObjectEvent> events;
  for (int i = 0; i < 300; ++i) {
    ObjectEvent e;
    e.key = "host-" + std::to_string(i % 11) + "/2026-11-24/o-" + std::to_string(1000 + i) + ".log";
    events.push_back(e);
  }
  Batches source(events);
  ShardedSource sharded(source, 3, 8, "unknown");
  std::vector<std::vector<std::string>> seen(3);
  std::vector<std::thread> threads;
  for (size_t s = 0; s < 3; ++s) {
    threads.emplace_back([&, s] {
      EventSource& shard = sharded.shard(s);
      while (!shard.Done()) {
        auto got = shard.Poll(20);
        ASSERT_TRUE(got);
        for (const ObjectEvent& e : *got) {
          seen[s].push_back(e.key);
          ASSERT_TRUE(shard.Ack(e).ok());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::map<std::string, size_t> shard_of;  // host -> shard
  std::multiset<std::string> all;
  for (size_t s = 0; s < 3; ++s) {
    std::map<std::string, std::string> last;  // host -> last key seen
    for (const std::string& k : seen[s]) {
      const std::string host = SourceFromKey(k, "");
      EXPECT_EQ(sharded.ShardOf(k), s);
      auto [it, fresh] = shard_of.emplace(host, s);
      EXPECT_EQ(it->second, s) << host << " in two shards";
      EXPECT_LT(last[host], k) << "out of order";
      last[host] = k;
      all.insert(k);
    }
  }
  EXPECT_EQ(all.size(), events.size());
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), events.size());
  EXPECT_EQ(source.acked.size(), events.size());
  EXPECT_GE(shard_of.size(), 11u);
}

}  // namespace
}  // namespace logstream
