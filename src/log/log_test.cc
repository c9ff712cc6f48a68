#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "src/base/varint.h"
#include "src/log/embedded_log.h"
#include "src/log/log_contract_test.h"
#include "src/log/memory_log.h"
#include "src/log/record_batch.h"

namespace logstream {
namespace {

namespace fs = std::filesystem;

// A fresh directory per call under one per-process base, removed at exit.
std::string NewDir() {
  static const fs::path base = fs::temp_directory_path() / ("logstream-log-test-" + std::to_string(getpid()));
  static int counter = 0;
  static const bool registered = [] {
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(base, ec);
    });
    return true;
  }();
  (void)registered;
  return (base / std::to_string(counter++)).string();
}

std::unique_ptr<Log> OpenEmbedded(const std::string& dir, LogOptions options = {}) {
  auto log = EmbeddedLog::Open(dir, options);
  EXPECT_TRUE(log.has_value()) << log.error().ToString();
  return log ? std::move(*log) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    All, LogContractTest,
    testing::Values(LogFactory{"Memory", [] { return std::make_unique<MemoryLog>(); }},
                    LogFactory{"Embedded", [] { return OpenEmbedded(NewDir()); }},
                    LogFactory{"EmbeddedFsyncInterval", [] {
                                 LogOptions o;
                                 o.fsync_interval = 20;
                                 return OpenEmbedded(NewDir(), o);
                               }}),
    [](const auto& info) { return info.param.name; });

}  // namespace

// ---- child processes: this binary re-executed with LOGSTREAM_LOG_CHILD set ----

constexpr int kPerTxn0 = 3, kPerTxn1 = 2;  // records per transaction on partitions 0 and 1

void EnsureCrashTopics(Log& log) {
  TopicOptions data;
  data.partitions = 2;
  TopicOptions state;
  state.compacted = true;
  if (!log.EnsureTopic("data", data).ok() || !log.EnsureTopic("progress", state).ok()) _exit(3);
}

// Commits transactions forever; transaction i writes kPerTxn0 + kPerTxn1
// records, progress/last = i and group offset (i + 1) * kPerTxn0. Says
// "committed" on stdout after its first commit.
[[noreturn]] void CrashWriter(const std::string& dir) {
  LogOptions o;
  o.fsync_interval = 5;
  auto log = EmbeddedLog::Open(dir, o);
  if (!log) _exit(2);
  EnsureCrashTopics(**log);
  auto last = (*log)->GetState("progress", "last");
  int64_t i = last && last->has_value() ? std::stoll(**last) + 1 : 0;
  for (bool first = true;; ++i, first = false) {
    auto txn = (*log)->Begin("crash");
    if (!txn) _exit(4);
    for (int r = 0; r < kPerTxn0; ++r) (void)(*txn)->AppendTo("data", 0, "k", std::to_string(i) + ":" + std::to_string(r));
    for (int r = 0; r < kPerTxn1; ++r) (void)(*txn)->AppendTo("data", 1, "k", std::to_string(i) + ":" + std::to_string(r));
    (void)(*txn)->Put("progress", "last", std::to_string(i));
    (void)(*txn)->CommitOffset("g", "data", 0, (i + 1) * kPerTxn0);
    if (!(*txn)->Commit().ok()) _exit(5);
    if (first && write(STDOUT_FILENO, "committed\n", 10) != 10) _exit(6);
  }
}

// Opens the log for writing, says "ready" on stdout and waits to be killed.
[[noreturn]] void Holder(const std::string& dir) {
  auto log = EmbeddedLog::Open(dir);
  if (!log) _exit(2);
  if (write(STDOUT_FILENO, "ready\n", 6) != 6) _exit(3);
  for (;;) pause();
}

namespace {

// Starts this binary as a child in `mode` on dir; its stdout goes to *out_fd if given.
pid_t SpawnChild(const std::string& mode, const std::string& dir, int* out_fd = nullptr) {
  int fds[2] = {-1, -1};
  if (out_fd != nullptr && pipe(fds) != 0) return -1;
  const std::string env = "LOGSTREAM_LOG_CHILD=" + mode + " " + dir;
  pid_t pid = fork();
  if (pid == 0) {
    if (out_fd != nullptr) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
    }
    putenv(const_cast<char*>(env.c_str()));
    execl("/proc/self/exe", "log_test", static_cast<char*>(nullptr));
    _exit(127);
  }
  if (out_fd != nullptr) {
    close(fds[1]);
    *out_fd = fds[0];
  }
  return pid;
}

void KillChild(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// ---- EmbeddedLog-specific tests ----

TEST(EmbeddedLogTest, ReopenKeepsEverything) {
  const std::string dir = NewDir();
  {
    auto log = OpenEmbedded(dir);
    TopicOptions t;
    t.partitions = 2;
    t.retention_ms = 123456;
    TopicOptions s;
    s.compacted = true;
    ASSERT_TRUE(log->EnsureTopic("t", t).ok());
    ASSERT_TRUE(log->EnsureTopic("s", s).ok());
    auto txn = *log->Begin("x");
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(txn->AppendTo("t", 1, "k", std::to_string(i)).ok());
    ASSERT_TRUE(txn->Put("s", "a", "1").ok());
    ASSERT_TRUE(txn->CommitOffset("g", "t", 1, 3).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  auto log = OpenEmbedded(dir);
  auto info = log->DescribeTopic("t");
  ASSERT_TRUE(info.has_value());
  EXPECT_THAT(info->end_offsets, testing::ElementsAre(0, 5));
  EXPECT_EQ(log->GetState("s", "a")->value_or(""), "1");
  EXPECT_EQ(*log->CommittedOffset("g", "t", 1), 3);
  auto txn = *log->Begin("x");
  ASSERT_TRUE(txn->AppendTo("t", 1, "k", "5").ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto records = log->Read("t", 1, 0, 100);
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*records)[i].offset, i);
    EXPECT_EQ((*records)[i].value, std::to_string(i));
  }
  EXPECT_EQ(log->Url(), "file://" + dir);
}

TEST(EmbeddedLogTest, CrashNeverLeavesHalfTransactions) {
  const std::string dir = NewDir();
  std::mt19937 rng(42);
  int64_t previous_last = -1;
  for (int round = 0; round < 6; ++round) {
    int out = -1;
    pid_t pid = SpawnChild("crash", dir, &out);
    ASSERT_GT(pid, 0);
    // Kill it at a random moment after its first commit (waiting for that,
    // not a fixed time, keeps the test meaningful on a slow or loaded machine).
    char buf[16] = {};
    const bool committed = read(out, buf, sizeof buf) > 0;
    if (committed) std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 250));
    KillChild(pid);
    close(out);
    ASSERT_TRUE(committed) << "round " << round << ": the writer died before its first commit";

    auto log = OpenEmbedded(dir);
    ASSERT_NE(log, nullptr);
    auto last_state = log->GetState("progress", "last");
    ASSERT_TRUE(last_state.has_value());
    ASSERT_TRUE(last_state->has_value()) << "round " << round << ": the writer committed nothing";
    const int64_t last = std::stoll(**last_state);
    EXPECT_GE(last, previous_last);
    previous_last = last;
    const int64_t txns = last + 1;
    auto info = log->DescribeTopic("data");
    ASSERT_TRUE(info.has_value());
    EXPECT_THAT(info->end_offsets, testing::ElementsAre(txns * kPerTxn0, txns * kPerTxn1));
    EXPECT_EQ(*log->CommittedOffset("g", "data", 0), txns * kPerTxn0);
    for (int p = 0; p < 2; ++p) {
      const int per = p == 0 ? kPerTxn0 : kPerTxn1;
      int64_t n = 0;
      for (int64_t from = 0;;) {
        auto got = log->Read("data", p, from, 10000);
        ASSERT_TRUE(got.has_value());
        if (got->empty()) break;
        for (const auto& r : *got) {
          ASSERT_EQ(r.value, std::to_string(n / per) + ":" + std::to_string(n % per));
          ++n;
        }
        from = got->back().offset + 1;
      }
      EXPECT_EQ(n, txns * per);
    }
  }
  EXPECT_GT(previous_last, 10);
}

TEST(EmbeddedLogTest, SecondWriterErrorNamesHolder) {
  const std::string dir = NewDir();
  int out = -1;
  pid_t pid = SpawnChild("hold", dir, &out);
  ASSERT_GT(pid, 0);
  char buf[16] = {};
  ASSERT_GT(read(out, buf, sizeof buf), 0);
  close(out);
  auto second = EmbeddedLog::Open(dir);
  KillChild(pid);
  ASSERT_FALSE(second.has_value());
  const Status& s = second.error();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), testing::HasSubstr("pid " + std::to_string(pid)));
  EXPECT_THAT(s.message(), testing::HasSubstr("logstream run"));
  EXPECT_THAT(s.message(), testing::HasSubstr("Kafka"));
  // Once the holder is gone the log opens again.
  EXPECT_TRUE(EmbeddedLog::Open(dir).has_value());
}

TEST(EmbeddedLogTest, SecondWriterInSameProcessFails) {
  const std::string dir = NewDir();
  auto first = OpenEmbedded(dir);
  auto second = EmbeddedLog::Open(dir);
  ASSERT_FALSE(second.has_value());
  EXPECT_THAT(second.error().message(), testing::HasSubstr("pid " + std::to_string(getpid())));
}

TEST(EmbeddedLogTest, ReadOnlySecondarySeesLiveWriter) {
  const std::string dir = NewDir();
  LogOptions ro;
  ro.read_only = true;
  EXPECT_EQ(EmbeddedLog::Open(dir, ro).error().code(), StatusCode::kNotFound);
  auto writer = OpenEmbedded(dir);
  TopicOptions t;
  t.partitions = 1;
  TopicOptions s;
  s.compacted = true;
  ASSERT_TRUE(writer->EnsureTopic("t", t).ok());
  ASSERT_TRUE(writer->EnsureTopic("s", s).ok());
  auto reader = OpenEmbedded(dir, ro);
  ASSERT_NE(reader, nullptr);
  EXPECT_FALSE(reader->Begin("r").has_value());
  auto commit = [&](int i) {
    auto txn = *writer->Begin("w");
    ASSERT_TRUE(txn->Append("t", "k", std::to_string(i)).ok());
    ASSERT_TRUE(txn->Put("s", "last", std::to_string(i)).ok());
    ASSERT_TRUE(txn->CommitOffset("g", "t", 0, i + 1).ok());
    ASSERT_TRUE(txn->Commit().ok());
  };
  commit(0);
  auto got = reader->Read("t", 0, 0, 10);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].value, "0");
  commit(1);
  EXPECT_THAT(reader->DescribeTopic("t")->end_offsets, testing::ElementsAre(2));
  EXPECT_EQ(reader->GetState("s", "last")->value_or(""), "1");
  EXPECT_EQ(*reader->CommittedOffset("g", "t", 0), 2);
  // A blocking read on the secondary wakes up when the writer commits.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    commit(2);
  });
  got = reader->Read("t", 0, 2, 10, 5000);
  later.join();
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].value, "2");
}

TEST(EmbeddedLogTest, RetentionDeletesOldBatchesButNeverStateOrOffsets) {
  const std::string dir = NewDir();
  auto owned = EmbeddedLog::Open(dir);
  ASSERT_TRUE(owned.has_value());
  EmbeddedLog& log = **owned;
  TopicOptions by_size;
  by_size.retention_bytes = 2500;
  TopicOptions by_age;
  by_age.retention_ms = 60'000;
  TopicOptions state;
  state.compacted = true;
  state.retention_ms = 0;  // ignored: state never expires
  ASSERT_TRUE(log.EnsureTopic("size", by_size).ok());
  ASSERT_TRUE(log.EnsureTopic("age", by_age).ok());
  ASSERT_TRUE(log.EnsureTopic("state", state).ok());
  // Random bytes: batches are stored compressed, and retention counts stored bytes.
  std::mt19937 rng(7);
  std::string value(100, ' ');
  for (int b = 0; b < 10; ++b) {
    auto txn = *log.Begin("w");
    for (int i = 0; i < 10; ++i) {
      for (char& c : value) c = static_cast<char>(rng());
      ASSERT_TRUE(txn->Append("size", "k", value).ok());
      ASSERT_TRUE(txn->Append("age", "k", value).ok());
    }
    ASSERT_TRUE(txn->Put("state", "b" + std::to_string(b), "v").ok());
    ASSERT_TRUE(txn->CommitOffset("g", "size", 0, (b + 1) * 10).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  // Now: nothing is old enough for "age"; "size" keeps at most 2500 bytes (one batch ~1 KB).
  auto deleted = log.ApplyRetention(NowMs());
  ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
  EXPECT_EQ(*deleted, 9 - 1);  // "size" keeps its two newest batches
  auto info = log.DescribeTopic("size");
  EXPECT_EQ(info->start_offsets[0], 80);
  EXPECT_EQ(info->end_offsets[0], 100);
  auto got = log.Read("size", 0, 0, 1000);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 20u);
  EXPECT_EQ(got->front().offset, 80);
  EXPECT_EQ(log.DescribeTopic("age")->start_offsets[0], 0);
  // An hour later everything in "age" is expired except the newest batch.
  deleted = log.ApplyRetention(NowMs() + 3'600'000);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 9);
  EXPECT_EQ(log.DescribeTopic("age")->start_offsets[0], 90);
  EXPECT_EQ(log.DescribeTopic("age")->end_offsets[0], 100);
  EXPECT_EQ(log.ReadState("state")->size(), 10u);
  EXPECT_EQ(*log.CommittedOffset("g", "size", 0), 100);
  // The start offsets survive a reopen.
  owned->reset();
  auto reopened = OpenEmbedded(dir);
  EXPECT_EQ(reopened->DescribeTopic("age")->start_offsets[0], 90);
  EXPECT_EQ(reopened->DescribeTopic("size")->start_offsets[0], 80);
}

TEST(OpenLogTest, UrlsAndKafkaNotBuilt) {
  auto kafka = OpenLog("kafka://127.0.0.1:9092");
  ASSERT_FALSE(kafka.has_value());
  EXPECT_THAT(kafka.error().message(), testing::HasSubstr("Kafka backend"));
  EXPECT_FALSE(OpenLog("s3://bucket").has_value());
  const std::string dir = NewDir();
  auto log = OpenLog("file://" + dir);
  ASSERT_TRUE(log.has_value()) << log.error().ToString();
  EXPECT_EQ((*log)->Url(), "file://" + dir);
  log->reset();
  EXPECT_TRUE(OpenLog(dir).has_value());
}

// Records like the ingest's: JSON with a shared prefix, compressible.
BatchBuilder JsonBatch(int n, size_t pad = 0) {
  BatchBuilder b;
  for (int i = 0; i < n; ++i) {
    b.Add("host-" + std::to_string(i % 3),
          "{\"source\":\"host-1\",\"offset\":" + std::to_string(i * 120) + ",\"message\":\"m" +
              std::to_string(i) + std::string(pad, 'p') + "\"}");
  }
  return b;
}

TEST(RecordBatchTest, CompressedAndPlainBatchesDecodeAlike) {
  // ~600 bytes a record: several LZ4 blocks.
  BatchBuilder plain = JsonBatch(200, 550);
  BatchBuilder packed = JsonBatch(200, 550);
  packed.Compress();
  ASSERT_LT(packed.payload().size(), plain.payload().size() / 2);
  const std::string a = plain.Header(1234) + plain.payload();
  const std::string b = packed.Header(1234) + packed.payload();
  EXPECT_NE(a[0], '\0');
  EXPECT_EQ(b[0], '\0');
  for (const std::string* batch : {&a, &b}) {
    auto h = DecodeBatchHeader(*batch);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->count, 200);
    EXPECT_EQ(h->append_time, 1234);
    for (auto [from, max] : {std::pair<int64_t, size_t>{1000, 500}, {1050, 30}, {1110, 50}, {1199, 10}, {1200, 10}}) {
      std::vector<LogRecordEntry> want;
      ASSERT_TRUE(DecodeBatch(a, 1000, from, max, &want).ok());
      EXPECT_EQ(want.size(), std::min<size_t>(max, std::max<int64_t>(0, 1200 - from)));
      RecordBuffer buffer;
      buffer.Add(1, 2, "before", "x");  // decoding appends to what is there
      ASSERT_TRUE(DecodeBatch(*batch, 1000, from, max + 1, &buffer).ok());
      ASSERT_EQ(buffer.size(), want.size() + 1);
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(buffer.offset(i + 1), want[i].offset);
        EXPECT_EQ(buffer.key(i + 1), want[i].key);
        EXPECT_EQ(buffer.value(i + 1), want[i].value);
        EXPECT_EQ(buffer.append_time(i + 1), 1234);
      }
      EXPECT_EQ(buffer.value(0), "x");
    }
  }
}

TEST(RecordBatchTest, SmallOrIncompressibleBatchesStayPlain) {
  BatchBuilder small = JsonBatch(2);
  small.Compress();
  EXPECT_NE(small.Header(1)[0], '\0');
  EXPECT_EQ(small.payload(), small.body());
  std::mt19937 rng(1);
  BatchBuilder random;
  std::string v(1000, ' ');
  for (char& c : v) c = static_cast<char>(rng());
  random.Add("k", v);
  random.Compress();
  EXPECT_EQ(random.payload(), random.body());
}

TEST(RecordBatchTest, CorruptCompressedBatchIsDataLoss) {
  BatchBuilder packed = JsonBatch(100);
  packed.Compress();
  std::string batch = packed.Header(5) + packed.payload();
  RecordBuffer out;
  std::string truncated = batch.substr(0, batch.size() - 10);
  EXPECT_EQ(DecodeBatch(truncated, 0, 0, 1000, &out).code(), StatusCode::kDataLoss);
  std::string flipped = batch;
  flipped[flipped.size() / 2] ^= 0x55;
  flipped[flipped.size() / 2 + 1] ^= 0x55;
  Status s = DecodeBatch(flipped, 0, 0, 1000, &out);
  if (s.ok()) {
    EXPECT_LE(out.size(), 100u);  // LZ4 has no checksum of its own; RocksDB's covers the value
  } else {
    EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  }
  std::string unknown_codec = batch;
  unknown_codec[1] = 7;
  EXPECT_EQ(DecodeBatch(unknown_codec, 0, 0, 1000, &out).code(), StatusCode::kDataLoss);
  std::string huge = std::string("\0\1\1\1\1", 5);  // one record in one block
  PutVarint64(&huge, 1ull << 40);                      // of a terabyte
  PutVarint64(&huge, 2);
  huge += "xx";
  EXPECT_EQ(DecodeBatch(huge, 0, 0, 1000, &out).code(), StatusCode::kDataLoss);
}

TEST(RecordBufferTest, ValuesAreFollowedByPadding) {
  RecordBuffer buffer;
  for (int i = 0; i < 1000; ++i) {
    buffer.Add(i, 0, "k", std::string(static_cast<size_t>(i % 300), 'v'));
    // Readable: within the buffer's allocation (ASan checks this).
    const std::string_view v = buffer.value(buffer.size() - 1);
    volatile char last = v.data()[v.size() + RecordBuffer::kPadding - 1];
    (void)last;
  }
  EXPECT_EQ(buffer.value(299), std::string(299, 'v'));
}

TEST(PartitionTest, MatchesKafkaMurmur2) {
  // Values from Kafka's DefaultPartitioner (Utils.toPositive(Utils.murmur2(key)) % n).
  // Kafka's UtilsTest.testMurmur2 values, sign bit cleared (INT32_MAX partitions
  // makes the modulo a no-op).
  constexpr int kMax = 2147483647;
  EXPECT_EQ(PartitionForKey("21", kMax), 2147483648 - 973932308);
  EXPECT_EQ(PartitionForKey("foobar", kMax), 2147483648 - 790332482);
  EXPECT_EQ(PartitionForKey("abc", kMax), 479470107);
  EXPECT_EQ(PartitionForKey("a-little-bit-long-string", kMax), 2147483648 - 985981536);
  EXPECT_EQ(PartitionForKey("", 1), 0);
  std::set<int> seen;
  for (int i = 0; i < 100; ++i) {
    const int p = PartitionForKey("host-" + std::to_string(i), 8);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, 8);
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 8u);
}

}  // namespace
}  // namespace logstream

// Runs a child mode when re-executed by SpawnChild, else the tests.
int main(int argc, char** argv) {
  if (const char* child = std::getenv("LOGSTREAM_LOG_CHILD")) {
    std::string_view spec(child);
    const std::string dir(spec.substr(spec.find(' ') + 1));
    if (spec.starts_with("crash ")) logstream::CrashWriter(dir);
    if (spec.starts_with("hold ")) logstream::Holder(dir);
    return 1;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
