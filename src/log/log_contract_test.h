// The contract every Log implementation passes, written once against the Log
// interface only (no backend specifics), so a new backend (Kafka) runs it
// unchanged: instantiate it with a factory that returns a fresh, empty log.
//
//   INSTANTIATE_TEST_SUITE_P(Memory, LogContractTest,
//       testing::Values(LogFactory{"Memory", [] { return ...; }}),
//       [](const auto& info) { return info.param.name; });
//
// Topic names are unique per test so a shared broker works too.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/log/log.h"

namespace logstream {

struct LogFactory {
  std::string name;
  std::function<std::unique_ptr<Log>()> make;  // a fresh log; dies with the test
  // Offsets 0, 1, 2, ... with no gaps (embedded). Kafka's offsets only
  // increase: each transaction's commit marker takes an offset too.
  bool dense_offsets = true;
};

class LogContractTest : public testing::TestWithParam<LogFactory> {
 protected:
  void SetUp() override {
    log_ = GetParam().make();
    ASSERT_NE(log_, nullptr);
  }

  // A topic name unique to this test.
  std::string T(std::string_view base) const {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(base) + "-" + info->name();
    for (char& c : name) {
      if (c == '/') c = '.';
    }
    return name;
  }

  void Create(const std::string& topic, int partitions, bool compacted = false) {
    TopicOptions options;
    options.partitions = partitions;
    options.compacted = compacted;
    ASSERT_TRUE(log_->EnsureTopic(topic, options).ok());
  }

  std::unique_ptr<Transaction> Begin(std::string_view id = "test") {
    auto txn = log_->Begin(id);
    EXPECT_TRUE(txn.has_value()) << txn.error().ToString();
    return txn ? std::move(*txn) : nullptr;
  }

  std::vector<LogRecordEntry> ReadAll(const std::string& topic, int partition, int64_t from = 0) {
    std::vector<LogRecordEntry> out;
    while (true) {
      auto got = log_->Read(topic, partition, from, 1000);
      EXPECT_TRUE(got.has_value()) << got.error().ToString();
      if (!got || got->empty()) return out;
      from = got->back().offset + 1;
      out.insert(out.end(), got->begin(), got->end());
    }
  }

  // Commits `batches` transactions of `per_batch` records each to partition
  // 0 of topic, record n (counted across the batches) with key(n) and
  // value(n); returns what partition 0 then holds.
  std::vector<LogRecordEntry> CommitBatches(const std::string& topic, int batches, int per_batch,
                                            const std::function<std::string(int)>& key,
                                            const std::function<std::string(int)>& value) {
    for (int b = 0; b < batches; ++b) {
      auto txn = Begin();
      if (!txn) return {};
      for (int n = b * per_batch; n < (b + 1) * per_batch; ++n) {
        EXPECT_TRUE(txn->AppendTo(topic, 0, key(n), value(n)).ok());
      }
      EXPECT_TRUE(txn->Commit().ok());
    }
    return ReadAll(topic, 0);
  }

  std::vector<std::string> Values(const std::vector<LogRecordEntry>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.value);
    return out;
  }

  std::unique_ptr<Log> log_;
};

TEST_P(LogContractTest, EnsureTopicCreatesAndChecksPartitions) {
  const std::string t = T("topic");
  Create(t, 3);
  TopicOptions same;
  same.partitions = 3;
  EXPECT_TRUE(log_->EnsureTopic(t, same).ok());
  TopicOptions other;
  other.partitions = 4;
  Status s = log_->EnsureTopic(t, other);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  auto info = log_->DescribeTopic(t);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->name, t);
  EXPECT_EQ(info->partitions, 3);
  EXPECT_FALSE(info->compacted);
  EXPECT_THAT(info->end_offsets, testing::ElementsAre(0, 0, 0));
  auto topics = log_->ListTopics();
  ASSERT_TRUE(topics.has_value());
  bool found = false;
  for (const auto& ti : *topics) found |= ti.name == t;
  EXPECT_TRUE(found);
  EXPECT_EQ(log_->DescribeTopic(T("missing")).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_->EnsureTopic("bad name/", same).code(), StatusCode::kInvalidArgument);
}

TEST_P(LogContractTest, AppendToMissingTopicFails) {
  auto txn = Begin();
  EXPECT_EQ(txn->Append(T("missing"), "k", "v").code(), StatusCode::kNotFound);
}

TEST_P(LogContractTest, AppendThenReadInOrder) {
  const std::string t = T("orders");
  Create(t, 1);
  auto txn = Begin();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(txn->Append(t, "k", "v" + std::to_string(i)).ok());
  ASSERT_TRUE(txn->Commit().ok());
  txn = Begin();
  ASSERT_TRUE(txn->Append(t, "k", "v10").ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto records = ReadAll(t, 0);
  ASSERT_EQ(records.size(), 11u);
  for (int i = 0; i < 11; ++i) {
    if (GetParam().dense_offsets) {
      EXPECT_EQ(records[i].offset, i);
    } else if (i > 0) {
      EXPECT_GT(records[i].offset, records[i - 1].offset);
    }
    EXPECT_EQ(records[i].key, "k");
    EXPECT_EQ(records[i].value, "v" + std::to_string(i));
    EXPECT_GT(records[i].append_time, 0);
  }
  auto limited = log_->Read(t, 0, 0, 4);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->size(), 4u);
  auto past_end = log_->Read(t, 0, records.back().offset + 1, 100);
  ASSERT_TRUE(past_end.has_value());
  EXPECT_TRUE(past_end->empty());
}

TEST_P(LogContractTest, EmptyKeysAndValuesAndBinaryBytes) {
  const std::string t = T("binary");
  Create(t, 1);
  const std::string binary("a\0b\xff", 4);
  auto txn = Begin();
  ASSERT_TRUE(txn->AppendTo(t, 0, "", "").ok());
  ASSERT_TRUE(txn->AppendTo(t, 0, binary, binary).ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto records = ReadAll(t, 0);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value, "");
  EXPECT_EQ(records[1].key, binary);
  EXPECT_EQ(records[1].value, binary);
}

TEST_P(LogContractTest, ReadFromMiddleOfBatch) {
  const std::string t = T("middle");
  Create(t, 1);
  const auto all = CommitBatches(
      t, 3, 10, [](int) { return "k"; }, [](int n) { return std::to_string(n); });
  ASSERT_EQ(all.size(), 30u);
  for (size_t index : {0, 5, 9, 10, 15, 29}) {
    const int64_t from = all[index].offset;
    auto got = log_->Read(t, 0, from, 7);
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(got->empty());
    EXPECT_EQ(got->front().offset, from);
    EXPECT_EQ(got->front().value, std::to_string(index));
    EXPECT_EQ(got->size(), std::min<size_t>(7, 30 - index));
    for (size_t i = 1; i < got->size(); ++i) EXPECT_EQ((*got)[i].offset, all[index + i].offset);
  }
}

// Batches big enough to be stored compressed where the log compresses them.
TEST_P(LogContractTest, LargeBatchesReadBackFromAnyOffset) {
  const std::string t = T("large");
  Create(t, 1);
  auto value = [](int i) {
    return "{\"source\":\"host-1\",\"object\":\"host-1/2026-11-24/a.log\",\"offset\":" +
           std::to_string(i * 130) + ",\"message\":\"request " + std::to_string(i * 7919 % 1000) + "\"}";
  };
  const auto all = CommitBatches(t, 3, 300, [](int) { return "host-1"; }, value);
  ASSERT_EQ(all.size(), 900u);
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].value, value(static_cast<int>(i)));
  RecordBuffer buffer;
  for (size_t index : {0, 150, 299, 300, 599, 850}) {
    ASSERT_TRUE(log_->ReadInto(t, 0, all[index].offset, 100, 0, &buffer).ok());
    ASSERT_EQ(buffer.size(), std::min<size_t>(100, 900 - index));
    for (size_t i = 0; i < buffer.size(); ++i) {
      EXPECT_EQ(buffer.offset(i), all[index + i].offset);
      EXPECT_EQ(buffer.key(i), "host-1");
      EXPECT_EQ(buffer.value(i), all[index + i].value);
    }
  }
}

// More bytes in one transaction than a writer buffers (Kafka's producer
// queue holds 4 MB), spread thinly over more partitions than its queue
// holds full batches of: Append waits for room and the whole commits.
TEST_P(LogContractTest, TransactionLargerThanTheWritersBufferCommitsWhole) {
  const std::string t = T("big");
  constexpr int kPartitions = 8, kPerPartition = 150;
  Create(t, kPartitions);
  const std::string filler(10000, 'x');
  auto txn = Begin();
  ASSERT_NE(txn, nullptr);
  for (int i = 0; i < kPartitions * kPerPartition; ++i) {  // 12 MB, partitions in turn
    ASSERT_TRUE(txn->AppendTo(t, i % kPartitions, "k", std::to_string(i) + filler).ok()) << i;
  }
  ASSERT_TRUE(txn->Commit().ok());
  for (int p = 0; p < kPartitions; ++p) {
    const auto got = ReadAll(t, p);
    ASSERT_EQ(got.size(), static_cast<size_t>(kPerPartition)) << "partition " << p;
    for (int n = 0; n < kPerPartition; ++n) {
      ASSERT_EQ(got[n].value, std::to_string(n * kPartitions + p) + filler) << p << " " << n;
    }
  }
}

TEST_P(LogContractTest, ReadIntoMatchesReadAndReusesTheBuffer) {
  const std::string t = T("readinto");
  Create(t, 2);
  const auto all = CommitBatches(
      t, 3, 10, [](int n) { return "k" + std::to_string(n % 10); },
      [](int n) { return std::to_string(n); });
  ASSERT_EQ(all.size(), 30u);
  RecordBuffer buffer;
  buffer.Add(99, 1, "stale", "stale");
  for (size_t index : {0, 5, 9, 10, 15, 29}) {
    const int64_t from = all[index].offset;
    auto want = log_->Read(t, 0, from, 7);
    ASSERT_TRUE(want.has_value());
    ASSERT_TRUE(log_->ReadInto(t, 0, from, 7, 0, &buffer).ok());
    ASSERT_EQ(buffer.size(), want->size());
    for (size_t i = 0; i < buffer.size(); ++i) {
      EXPECT_EQ(buffer.offset(i), (*want)[i].offset);
      EXPECT_EQ(buffer.append_time(i), (*want)[i].append_time);
      EXPECT_EQ(buffer.key(i), (*want)[i].key);
      EXPECT_EQ(buffer.value(i), (*want)[i].value);
    }
  }
  ASSERT_TRUE(log_->ReadInto(t, 0, all.back().offset + 1, 7, 0, &buffer).ok());
  EXPECT_TRUE(buffer.empty());
  ASSERT_TRUE(log_->ReadInto(t, 1, 0, 7, 0, &buffer).ok());
  EXPECT_TRUE(buffer.empty());
  EXPECT_FALSE(log_->ReadInto(t, 2, 0, 7, 0, &buffer).ok());
  EXPECT_FALSE(log_->ReadInto(T("missing"), 0, 0, 7, 0, &buffer).ok());
}

TEST_P(LogContractTest, SameKeySamePartition) {
  const std::string t = T("keyed");
  Create(t, 4);
  auto txn = Begin();
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 20; ++k) ASSERT_TRUE(txn->Append(t, "host-" + std::to_string(k), "x").ok());
  }
  ASSERT_TRUE(txn->Commit().ok());
  std::map<std::string, std::set<int>> partitions_of_key;
  int64_t total = 0;
  for (int p = 0; p < 4; ++p) {
    auto records = ReadAll(t, p);
    total += records.size();
    for (const auto& r : records) partitions_of_key[r.key].insert(p);
  }
  EXPECT_EQ(total, 100);
  EXPECT_EQ(partitions_of_key.size(), 20u);
  std::set<int> used;
  for (const auto& [key, parts] : partitions_of_key) {
    EXPECT_EQ(parts.size(), 1u) << key;
    used.insert(*parts.begin());
  }
  EXPECT_GT(used.size(), 1u) << "20 keys should spread over more than one of 4 partitions";
}

TEST_P(LogContractTest, AppendToOutOfRangePartitionFails) {
  const std::string t = T("range");
  Create(t, 2);
  auto txn = Begin();
  EXPECT_EQ(txn->AppendTo(t, 2, "k", "v").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(txn->AppendTo(t, -1, "k", "v").code(), StatusCode::kInvalidArgument);
}

TEST_P(LogContractTest, AbortAndDestroyLeaveNothing) {
  const std::string t = T("aborted"), s = T("state");
  Create(t, 1);
  Create(s, 1, true);
  {
    auto txn = Begin();
    ASSERT_TRUE(txn->Append(t, "k", "a").ok());
    ASSERT_TRUE(txn->Put(s, "k", "a").ok());
    ASSERT_TRUE(txn->CommitOffset("g", t, 0, 5).ok());
    txn->Abort();
    EXPECT_FALSE(txn->Commit().ok()) << "commit after abort must fail";
  }
  {
    auto txn = Begin();
    ASSERT_TRUE(txn->Append(t, "k", "b").ok());
    ASSERT_TRUE(txn->Put(s, "k", "b").ok());
    ASSERT_TRUE(txn->CommitOffset("g", t, 0, 7).ok());
    // destroyed without Commit
  }
  EXPECT_TRUE(ReadAll(t, 0).empty());
  // Kafka: aborted records that reached the broker keep their offsets.
  if (GetParam().dense_offsets) {
    EXPECT_EQ(log_->DescribeTopic(t)->end_offsets[0], 0);
  }
  EXPECT_FALSE(log_->GetState(s, "k")->has_value());
  EXPECT_EQ(*log_->CommittedOffset("g", t, 0), 0);
}

TEST_P(LogContractTest, CommitMakesRecordsStateAndOffsetsVisibleTogether) {
  const std::string in = T("in"), out = T("out"), s = T("state");
  Create(in, 2);
  Create(out, 2);
  Create(s, 1, true);
  auto txn = Begin("stage");
  ASSERT_TRUE(txn->AppendTo(out, 0, "a", "1").ok());
  ASSERT_TRUE(txn->AppendTo(out, 1, "b", "2").ok());
  ASSERT_TRUE(txn->Put(s, "window", "w1").ok());
  ASSERT_TRUE(txn->CommitOffset("proc", in, 1, 42).ok());
  // Nothing visible before Commit.
  EXPECT_TRUE(ReadAll(out, 0).empty());
  EXPECT_FALSE(log_->GetState(s, "window")->has_value());
  EXPECT_EQ(*log_->CommittedOffset("proc", in, 1), 0);
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(Values(ReadAll(out, 0)), std::vector<std::string>{"1"});
  EXPECT_EQ(Values(ReadAll(out, 1)), std::vector<std::string>{"2"});
  EXPECT_EQ(log_->GetState(s, "window")->value_or(""), "w1");
  EXPECT_EQ(*log_->CommittedOffset("proc", in, 1), 42);
  EXPECT_EQ(*log_->CommittedOffset("proc", in, 0), 0);
  EXPECT_EQ(*log_->CommittedOffset("other", in, 1), 0);
}

TEST_P(LogContractTest, CommittedOffsetsPerGroup) {
  const std::string t = T("offsets");
  Create(t, 2);
  auto txn = Begin();
  ASSERT_TRUE(txn->CommitOffset("g1", t, 0, 10).ok());
  ASSERT_TRUE(txn->CommitOffset("g1", t, 1, 20).ok());
  ASSERT_TRUE(txn->CommitOffset("g2", t, 0, 30).ok());
  ASSERT_TRUE(txn->Commit().ok());
  txn = Begin();
  ASSERT_TRUE(txn->CommitOffset("g1", t, 0, 11).ok());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(*log_->CommittedOffset("g1", t, 0), 11);
  EXPECT_EQ(*log_->CommittedOffset("g1", t, 1), 20);
  EXPECT_EQ(*log_->CommittedOffset("g2", t, 0), 30);
  EXPECT_EQ(*log_->CommittedOffset("g2", t, 1), 0);
  auto all = log_->ListGroupOffsets();
  ASSERT_TRUE(all.has_value());
  std::vector<std::string> mine;
  for (const auto& g : *all) {
    if (g.topic == t) {
      mine.push_back(g.group + "/" + std::to_string(g.partition) + "=" + std::to_string(g.next_offset));
    }
  }
  EXPECT_THAT(mine, testing::ElementsAre("g1/0=11", "g1/1=20", "g2/0=30"));
}

TEST_P(LogContractTest, StatePutGetDeleteReadState) {
  const std::string s = T("manifest"), t = T("records");
  Create(s, 1, true);
  Create(t, 1);
  auto txn = Begin();
  ASSERT_TRUE(txn->Put(s, "a", "1").ok());
  ASSERT_TRUE(txn->Put(s, "b", "2").ok());
  ASSERT_TRUE(txn->Put(s, "c", "3").ok());
  ASSERT_TRUE(txn->Commit().ok());
  txn = Begin();
  ASSERT_TRUE(txn->Put(s, "a", "10").ok());
  ASSERT_TRUE(txn->Put(s, "b", "").ok());  // delete
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(log_->GetState(s, "a")->value_or(""), "10");
  EXPECT_FALSE(log_->GetState(s, "b")->has_value());
  EXPECT_FALSE(log_->GetState(s, "zz")->has_value());
  // This log is the topic's only writer: GetOwnState agrees, also right
  // after a commit of its own.
  EXPECT_EQ(log_->GetOwnState(s, "a")->value_or(""), "10");
  EXPECT_FALSE(log_->GetOwnState(s, "b")->has_value());
  txn = Begin();
  ASSERT_TRUE(txn->Put(s, "b", "20").ok());
  ASSERT_TRUE(txn->Put(s, "c", "").ok());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(log_->GetOwnState(s, "b")->value_or(""), "20");
  EXPECT_FALSE(log_->GetOwnState(s, "c")->has_value());
  EXPECT_EQ(log_->GetState(s, "b")->value_or(""), "20");
  EXPECT_FALSE(log_->GetState(s, "c")->has_value());
  txn = Begin();
  ASSERT_TRUE(txn->Put(s, "b", "2").ok());
  txn->Abort();
  EXPECT_EQ(log_->GetOwnState(s, "b")->value_or(""), "20") << "an aborted Put is not seen";
  ASSERT_TRUE(txn->Commit().code() != StatusCode::kOk);
  txn = Begin();
  ASSERT_TRUE(txn->Put(s, "b", "").ok());
  ASSERT_TRUE(txn->Put(s, "c", "3").ok());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_TRUE(log_->DescribeTopic(s)->compacted);
  auto state = log_->ReadState(s);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(*state, (std::map<std::string, std::string>{{"a", "10"}, {"c", "3"}}));
  // State topics and record topics are not interchangeable.
  auto txn2 = Begin();
  EXPECT_EQ(txn2->Put(t, "a", "1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(txn2->Append(s, "a", "1").code(), StatusCode::kInvalidArgument);
}

TEST_P(LogContractTest, ConcurrentTransactions) {
  const std::string t = T("concurrent");
  Create(t, 2);
  constexpr int kThreads = 4, kTxns = 25, kRecords = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int n = 0; n < kTxns; ++n) {
        auto txn = log_->Begin("writer-" + std::to_string(th));
        if (!txn) { ++failures; continue; }
        for (int r = 0; r < kRecords; ++r) {
          if (!(*txn)->Append(t, "w" + std::to_string(th),
                              std::to_string(th) + ":" + std::to_string(n) + ":" + std::to_string(r))
                   .ok()) {
            ++failures;
          }
        }
        if (!(*txn)->Commit().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  int64_t total = 0;
  for (int p = 0; p < 2; ++p) {
    auto records = ReadAll(t, p);
    total += records.size();
    // Each transaction's records are contiguous and in order.
    for (size_t i = 0; i < records.size(); i += kRecords) {
      ASSERT_LE(i + kRecords, records.size());
      const std::string prefix = records[i].value.substr(0, records[i].value.rfind(':') + 1);
      if (GetParam().dense_offsets) {
        EXPECT_EQ(records[i].offset, int64_t(i));
      }
      for (int r = 0; r < kRecords; ++r) {
        EXPECT_EQ(records[i + r].value, prefix + std::to_string(r));
        EXPECT_EQ(records[i + r].offset, records[i].offset + r);
      }
    }
  }
  EXPECT_EQ(total, kThreads * kTxns * kRecords);
}

TEST_P(LogContractTest, NewTransactionWithSameIdFencesOlder) {
  const std::string t = T("fenced");
  Create(t, 1);
  auto old_txn = Begin("ingest");
  ASSERT_TRUE(old_txn->Append(t, "k", "old").ok());
  auto new_txn = Begin("ingest");
  ASSERT_TRUE(new_txn->Append(t, "k", "new").ok());
  EXPECT_FALSE(old_txn->Commit().ok());
  ASSERT_TRUE(new_txn->Commit().ok());
  EXPECT_EQ(Values(ReadAll(t, 0)), std::vector<std::string>{"new"});
}

TEST_P(LogContractTest, BlockingReadWakesOnCommit) {
  const std::string t = T("blocking");
  Create(t, 1);
  // Nothing arrives: returns empty after about max_wait.
  auto start = std::chrono::steady_clock::now();
  auto none = log_->Read(t, 0, 0, 10, 100);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));

  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto txn = log_->Begin("w");
    ASSERT_TRUE(txn.has_value());
    ASSERT_TRUE((*txn)->Append(t, "k", "late").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  });
  start = std::chrono::steady_clock::now();
  auto got = log_->Read(t, 0, 0, 10, 10000);
  const auto waited = std::chrono::steady_clock::now() - start;
  writer.join();
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].value, "late");
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_P(LogContractTest, EndOffsetsPerPartition) {
  const std::string t = T("ends");
  Create(t, 3);
  auto txn = Begin();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(txn->AppendTo(t, 0, "k", "v").ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(txn->AppendTo(t, 2, "k", "v").ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto info = log_->DescribeTopic(t);
  ASSERT_TRUE(info.has_value());
  if (GetParam().dense_offsets) {
    EXPECT_THAT(info->end_offsets, testing::ElementsAre(5, 0, 2));
  } else {
    ASSERT_EQ(info->end_offsets.size(), 3u);
    EXPECT_GT(info->end_offsets[0], ReadAll(t, 0).back().offset);
    EXPECT_EQ(info->end_offsets[1], 0);
    EXPECT_GT(info->end_offsets[2], ReadAll(t, 2).back().offset);
  }
  ASSERT_EQ(info->start_offsets.size(), 3u);
  EXPECT_EQ(info->start_offsets[0], 0);
}

// ---- consumer groups ----

// A member of a group as a processor would track it: owned partitions, and
// an optional commit of the revoked ones before the next Poll.
struct GroupMember {
  std::unique_ptr<Subscription> sub;
  std::set<TopicPartition> owned;
  std::function<void(const std::vector<TopicPartition>&)> on_revoke;

  void Poll(TimeMs wait) {
    auto change = sub->Poll(wait);
    ASSERT_TRUE(change.has_value()) << change.error().ToString();
    for (const auto& tp : change->assigned) EXPECT_TRUE(owned.insert(tp).second) << "assigned twice";
    if (!change->revoked.empty() && on_revoke && !change->lost) on_revoke(change->revoked);
    for (const auto& tp : change->revoked) EXPECT_EQ(owned.erase(tp), 1u) << "revoked but not owned";
  }
};

// Polls the members in turn until done() or a minute passes (a Kafka
// rebalance takes a few heartbeats).
inline bool PollUntil(std::vector<GroupMember*> members, const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    for (GroupMember* m : members) m->Poll(50);
  }
  return true;
}

TEST_P(LogContractTest, SubscribeMissingTopicFails) {
  auto sub = log_->Subscribe("g", {T("missing")});
  ASSERT_FALSE(sub.has_value());
  EXPECT_EQ(sub.error().code(), StatusCode::kNotFound);
}

TEST_P(LogContractTest, OneMemberGetsEveryPartition) {
  const std::string a = T("a"), b = T("b");
  Create(a, 3);
  Create(b, 1);
  auto sub = log_->Subscribe("g", {a, b});
  ASSERT_TRUE(sub.has_value()) << sub.error().ToString();
  GroupMember m{std::move(*sub), {}, nullptr};
  const std::set<TopicPartition> all = {{a, 0}, {a, 1}, {a, 2}, {b, 0}};
  ASSERT_TRUE(PollUntil({&m}, [&] { return m.owned == all; }));
  auto assigned = m.sub->Assigned();
  EXPECT_EQ(std::set<TopicPartition>(assigned.begin(), assigned.end()), all);
  // Nothing changes while it is the only member.
  auto change = m.sub->Poll(200);
  ASSERT_TRUE(change.has_value());
  EXPECT_TRUE(change->empty());
}

TEST_P(LogContractTest, TwoMembersSplitPartitionsAndHandOverCommittedOffsets) {
  const std::string t = T("split");
  Create(t, 4);
  const std::set<TopicPartition> all = {{t, 0}, {t, 1}, {t, 2}, {t, 3}};
  auto s1 = log_->Subscribe("g", {t});
  ASSERT_TRUE(s1.has_value()) << s1.error().ToString();
  GroupMember m1{std::move(*s1), {}, nullptr};
  ASSERT_TRUE(PollUntil({&m1}, [&] { return m1.owned == all; }));
  // The first member commits the partitions it gives away before its next
  // Poll; the next owner finds those offsets.
  std::set<TopicPartition> handed;
  m1.on_revoke = [&](const std::vector<TopicPartition>& revoked) {
    auto txn = Begin("member-1");
    for (const auto& tp : revoked) {
      ASSERT_TRUE(txn->CommitOffset("g", tp.topic, tp.partition, 100 + tp.partition).ok());
      handed.insert(tp);
    }
    ASSERT_TRUE(txn->Commit().ok());
  };
  auto s2 = log_->Subscribe("g", {t});
  ASSERT_TRUE(s2.has_value()) << s2.error().ToString();
  GroupMember m2{std::move(*s2), {}, nullptr};
  auto split = [&] {
    if (m1.owned.empty() || m2.owned.empty()) return false;
    std::set<TopicPartition> both = m1.owned;
    both.insert(m2.owned.begin(), m2.owned.end());
    return both == all && both.size() == m1.owned.size() + m2.owned.size();
  };
  ASSERT_TRUE(PollUntil({&m1, &m2}, split));
  EXPECT_EQ(handed, m2.owned);
  for (const auto& tp : m2.owned) {
    EXPECT_EQ(*log_->CommittedOffset("g", tp.topic, tp.partition), 100 + tp.partition);
  }
  // After the rebalance a member still commits its own partitions (a commit
  // racing with the end of a rebalance may fail with kAborted: poll, retry).
  Status committed = Aborted("not tried");
  for (int attempt = 0; attempt < 50 && committed.code() == StatusCode::kAborted; ++attempt) {
    m1.Poll(100);
    auto txn = Begin("member-1");
    for (const auto& tp : m1.owned) ASSERT_TRUE(txn->CommitOffset("g", tp.topic, tp.partition, 7).ok());
    committed = txn->Commit();
  }
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  for (const auto& tp : m1.owned) EXPECT_EQ(*log_->CommittedOffset("g", tp.topic, tp.partition), 7);
  // The second member leaves: the first gets everything back.
  m2.sub.reset();
  m1.on_revoke = nullptr;
  ASSERT_TRUE(PollUntil({&m1}, [&] { return m1.owned == all; }));
}

TEST_P(LogContractTest, GroupsAreIndependent) {
  const std::string t = T("groups");
  Create(t, 2);
  const std::set<TopicPartition> all = {{t, 0}, {t, 1}};
  auto s1 = log_->Subscribe("g1", {t});
  auto s2 = log_->Subscribe("g2", {t});
  ASSERT_TRUE(s1.has_value() && s2.has_value());
  GroupMember m1{std::move(*s1), {}, nullptr}, m2{std::move(*s2), {}, nullptr};
  ASSERT_TRUE(PollUntil({&m1, &m2}, [&] { return m1.owned == all && m2.owned == all; }));
}

}  // namespace logstream
