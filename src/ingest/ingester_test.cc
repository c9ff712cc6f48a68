#include "src/ingest/ingester.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "src/ingest/commit_hook_log.h"
#include "src/log/memory_log.h"
#include "src/record/json.h"
#include "src/store/memory_store.h"

namespace logstream {

std::string Gzip(std::string_view data);
std::string Zstd(std::string_view data);

namespace {

class IngesterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ingester_ = std::make_unique<Ingester>(store_, log_, options_);
    ASSERT_TRUE(ingester_->Init().ok());
  }
  void Reset(IngestOptions o) {
    options_ = o;
    ingester_ = std::make_unique<Ingester>(store_, log_, options_);
    ASSERT_TRUE(ingester_->Init().ok());
  }

  IngestOutcome Ingest(const std::string& key) {
    ObjectEvent e;
    e.key = key;
    auto r = ingester_->IngestObject(e);
    EXPECT_TRUE(r) << r.error().ToString();
    return r.value_or(IngestOutcome::kFailed);
  }

  std::vector<std::string> Topic(const std::string& topic) {
    std::vector<std::string> out;
    auto info = log_.DescribeTopic(topic);
    EXPECT_TRUE(info);
    for (int p = 0; p < info->partitions; ++p) {
      auto recs = log_.Read(topic, p, 0, 1 << 30);
      EXPECT_TRUE(recs);
      for (auto& r : *recs) out.push_back(r.value);
    }
    return out;
  }

  std::vector<LogRecord> Records() {
    RecordDecoder d;
    std::vector<LogRecord> out;
    for (auto& v : Topic("logs")) {
      auto r = d.Decode(v);
      EXPECT_TRUE(r) << v;
      out.push_back(*r);
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
      return std::tie(a.object, a.offset) < std::tie(b.object, b.offset);
    });
    return out;
  }

  MemoryStore store_{"bucket"};
  MemoryLog log_;
  IngestOptions options_;
  std::unique_ptr<Ingester> ingester_;
};

const char kTwoLines[] =
    "2026-11-24T00:00:00.000Z [main] INFO a.B - first\n"
    "2026-11-24T00:00:00.010Z [main] ERROR a.B - second\n";

TEST(SourceFromKeyTest, TakesTheComponentBeforeTheDate) {
  EXPECT_EQ(SourceFromKey("logs/host-1/2026-11-24/host-1-000001.log", "x"), "host-1");
  EXPECT_EQ(SourceFromKey("host-2/2026-11-24/host-2-000001.log.gz", "x"), "host-2");
  EXPECT_EQ(SourceFromKey("LogFileGenerator.2022-10-07.log", "x"), "x");
  EXPECT_EQ(SourceFromKey("2026-11-24/a.log", "x"), "x");
}

TEST_F(IngesterTest, IngestsEveryLineOnceAndSkipsReplays) {
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", kTwoLines));
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000001.log"), IngestOutcome::kIngested);
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000001.log"), IngestOutcome::kDuplicate);
  auto recs = Records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].source, "h1");
  EXPECT_EQ(recs[0].message, "first");
  EXPECT_EQ(recs[1].offset, 49u);
  EXPECT_EQ(recs[1].level, Level::kError);
  EXPECT_EQ(ingester_->counters().duplicates.load(), 1u);
}

TEST_F(IngesterTest, ChangedObjectIsReportedOnceAndNotReingested) {
  const std::string key = "h1/2026-11-24/h1-000001.log";
  ASSERT_TRUE(store_.Put(key, kTwoLines));
  Ingest(key);
  ASSERT_TRUE(store_.Put(key, std::string(kTwoLines) + kTwoLines));
  EXPECT_EQ(Ingest(key), IngestOutcome::kChanged);
  EXPECT_EQ(Ingest(key), IngestOutcome::kDuplicate);
  auto dead = Topic("dead-letter");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(dead[0].find("object changed after ingest"), std::string::npos);
  EXPECT_EQ(Records().size(), 2u);

  IngestOptions o;
  o.reingest_changed = true;
  Reset(o);
  EXPECT_EQ(Ingest(key), IngestOutcome::kIngested);
  EXPECT_EQ(Records().size(), 6u);
}

TEST_F(IngesterTest, CompressedObjectsAreRecognisedByMagic) {
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log.gz", Gzip(kTwoLines)));
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000002.log.zst", Zstd(kTwoLines)));
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000003.log", Zstd(kTwoLines)));  // misnamed
  for (auto k : {"h1/2026-11-24/h1-000001.log.gz", "h1/2026-11-24/h1-000002.log.zst",
                 "h1/2026-11-24/h1-000003.log"}) {
    EXPECT_EQ(Ingest(k), IngestOutcome::kIngested);
  }
  EXPECT_EQ(Records().size(), 6u);
  EXPECT_TRUE(Topic("dead-letter").empty());
}

TEST_F(IngesterTest, UnreadableObjectsGoToDeadLetterAndOthersContinue) {
  std::string big;
  for (int i = 0; i < 2000; ++i) big += kTwoLines;
  std::string gz = Gzip(big);
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log.gz", gz.substr(0, gz.size() / 2)));
  std::string zs = Zstd(big);
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000002.log.zst", zs.substr(0, zs.size() - 5)));
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000003.log", kTwoLines));
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000001.log.gz"), IngestOutcome::kFailed);
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000002.log.zst"), IngestOutcome::kFailed);
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000000-deleted.log"), IngestOutcome::kFailed);
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000003.log"), IngestOutcome::kIngested);
  auto dead = Topic("dead-letter");
  ASSERT_EQ(dead.size(), 3u);
  std::string all = dead[0] + dead[1] + dead[2];
  EXPECT_NE(all.find("truncated"), std::string::npos);
  EXPECT_NE(all.find("object not found"), std::string::npos);
  EXPECT_EQ(ingester_->counters().failed.load(), 3u);
  // The lines read before the damage are kept, exactly once.
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000001.log.gz"), IngestOutcome::kDuplicate);
}

// Issue 17.2: an event for a key that does not exist yet must not block it.
TEST_F(IngesterTest, AnEventBeforeItsObjectLeavesNoTraceThatBlocksIt) {
  const std::string key = "h1/2026-11-24/h1-000123.log";
  EXPECT_EQ(Ingest(key), IngestOutcome::kFailed);
  EXPECT_EQ(Ingest(key), IngestOutcome::kFailed) << "still missing: the same answer, no duplicate";
  ASSERT_EQ(Topic("dead-letter").size(), 2u);
  EXPECT_NE(Topic("dead-letter")[0].find("object not found"), std::string::npos);
  ASSERT_TRUE(store_.Put(key, kTwoLines));
  EXPECT_EQ(Ingest(key), IngestOutcome::kIngested);
  EXPECT_EQ(Records().size(), 2u);
  EXPECT_EQ(Ingest(key), IngestOutcome::kDuplicate);
  EXPECT_EQ(Topic("dead-letter").size(), 2u) << "no 'object changed after ingest'";
}

// Issue 17.1: one object of bad lines writes at most max_dead_letters dead
// letters plus one summary, commits as it goes, and the valid records after
// the bad lines are still ingested.
TEST_F(IngesterTest, DeadLettersOfOneObjectAreCappedWithASummary) {
  IngestOptions o;
  o.max_dead_letters = 10;
  o.chunk_records = 100;
  o.chunk_bytes = 1 << 20;
  Reset(o);
  std::string obj;
  for (int i = 0; i < 5000; ++i) obj += "x\n";  // continuation lines with no record above
  obj += kTwoLines;
  for (int i = 0; i < 3000; ++i) obj += "\tat a.B.c(B.java:1)\n";  // past the multi-line bound
  obj += kTwoLines;
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", obj));
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000001.log"), IngestOutcome::kIngested);
  auto dead = Topic("dead-letter");
  ASSERT_EQ(dead.size(), 11u);
  EXPECT_NE(dead.back().find("more dead letters of this object were not written"), std::string::npos)
      << dead.back();
  EXPECT_NE(dead.back().find("continuation line with no record above it x4990"), std::string::npos)
      << dead.back();
  EXPECT_NE(dead.back().find("multi-line bound"), std::string::npos) << dead.back();
  EXPECT_EQ(Records().size(), 4u) << "the valid records around the bad lines";
  EXPECT_EQ(ingester_->counters().lines.load(), 5000u + 2 + 3000 + 2) << "every line counted";
}

// Issue 17.10: a UTF-8 byte order mark is not part of the first line.
TEST_F(IngesterTest, AByteOrderMarkDoesNotDeadLetterTheFirstLine) {
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", std::string("\xEF\xBB\xBF") + kTwoLines));
  EXPECT_EQ(Ingest("h1/2026-11-24/h1-000001.log"), IngestOutcome::kIngested);
  EXPECT_TRUE(Topic("dead-letter").empty());
  ASSERT_EQ(Records().size(), 2u);
  EXPECT_EQ(Records()[0].message, "first");
}

TEST_F(IngesterTest, BadLinesGoToDeadLetterWithOffsetAndReason) {
  std::string obj = std::string(kTwoLines) +
                    "2026-11-24T00:00:00.020Z [main] NOTICE a.B - unknown level\n"
                    "2026-13-24T00:00:00.020Z [main] INFO a.B - bad month\n";
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", obj));
  Ingest("h1/2026-11-24/h1-000001.log");
  EXPECT_EQ(Records().size(), 2u);
  auto dead = Topic("dead-letter");
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_NE(dead[0].find("\"offset\":100"), std::string::npos) << dead[0];
  EXPECT_NE(dead[0].find("unknown level"), std::string::npos);
  EXPECT_NE(dead[1].find("impossible time"), std::string::npos);
}

TEST_F(IngesterTest, MultiLineRecordsCarryTheirStackTrace) {
  std::string obj =
      "stray continuation\n"
      "2026-11-24T00:00:00.000Z [main] ERROR a.B - boom\n"
      "java.lang.Exception: null\n"
      "\tat a.B.c(B.java:1)\n"
      "Caused by: x\n"
      "2026-11-24T00:00:00.010Z [main] INFO a.B - next\n";
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", obj));
  Ingest("h1/2026-11-24/h1-000001.log");
  auto recs = Records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].message, "boom\njava.lang.Exception: null\n\tat a.B.c(B.java:1)\nCaused by: x");
  EXPECT_EQ(recs[1].message, "next");
  auto dead = Topic("dead-letter");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(dead[0].find("no record above"), std::string::npos);
}

TEST_F(IngesterTest, MultiLineBoundAndOffMode) {
  IngestOptions o;
  o.multiline_max_lines = 3;
  Reset(o);
  std::string obj = "2026-11-24T00:00:00.000Z [main] ERROR a.B - boom\n\tat 1\n\tat 2\n\tat 3\n\tat 4\n";
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", obj));
  Ingest("h1/2026-11-24/h1-000001.log");
  ASSERT_EQ(Records().size(), 1u);
  EXPECT_EQ(Records()[0].message, "boom\n\tat 1\n\tat 2");
  EXPECT_EQ(Topic("dead-letter").size(), 2u);

  o.multiline = false;
  Reset(o);
  ASSERT_TRUE(store_.Put("h2/2026-11-24/h2-000001.log", obj));
  Ingest("h2/2026-11-24/h2-000001.log");
  EXPECT_EQ(Records().size(), 2u);
  EXPECT_EQ(Topic("dead-letter").size(), 6u);
}

TEST_F(IngesterTest, ChunksCommitWithoutSplittingRecords) {
  IngestOptions o;
  o.chunk_records = 3;
  Reset(o);
  std::string obj;
  for (int i = 0; i < 10; ++i) {
    obj += "2026-11-24T00:00:00.000Z [main] ERROR a.B - r" + std::to_string(i) + "\n\tat x\n";
  }
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", obj));
  Ingest("h1/2026-11-24/h1-000001.log");
  auto recs = Records();
  ASSERT_EQ(recs.size(), 10u);
  for (auto& r : recs) EXPECT_EQ(r.message.substr(r.message.size() - 6), "\n\tat x");
}

TEST_F(IngesterTest, SeveralObjectsShareOneTransactionUntilFlush) {
  for (const char* k : {"h1/2026-11-24/h1-000001.log", "h2/2026-11-24/h2-000001.log"}) {
    ASSERT_TRUE(store_.Put(k, kTwoLines));
  }
  ObjectEvent a, b;
  a.key = "h1/2026-11-24/h1-000001.log";
  b.key = "h2/2026-11-24/h2-000001.log";
  EXPECT_EQ(ingester_->Add(a).value_or(IngestOutcome::kFailed), IngestOutcome::kIngested);
  EXPECT_EQ(ingester_->Add(b).value_or(IngestOutcome::kFailed), IngestOutcome::kIngested);
  // The same object again inside the open transaction: its own entry says done.
  EXPECT_EQ(ingester_->Add(a).value_or(IngestOutcome::kFailed), IngestOutcome::kDuplicate);
  EXPECT_EQ(ingester_->uncommitted(), 3u);
  EXPECT_TRUE(Records().empty());
  EXPECT_TRUE(ingester_->TakeCommitted().empty());
  EXPECT_EQ(ingester_->counters().objects.load(), 0u);  // counters count committed work

  ASSERT_TRUE(ingester_->Flush().ok());
  EXPECT_EQ(Records().size(), 4u);
  EXPECT_EQ(ingester_->TakeCommitted(), (std::vector<ObjectEvent>{a, b, a}));
  EXPECT_EQ(ingester_->counters().objects.load(), 2u);
  EXPECT_EQ(ingester_->counters().records.load(), 4u);
  EXPECT_EQ(ingester_->counters().duplicates.load(), 1u);
  auto manifest = log_.ReadState("ingest-manifest");
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->size(), 2u);
  EXPECT_EQ(Ingest(b.key), IngestOutcome::kDuplicate);
}

TEST_F(IngesterTest, ChunkCommitInsideAnObjectCommitsTheObjectsBefore) {
  IngestOptions o;
  o.chunk_records = 3;
  Reset(o);
  std::string five;
  for (int i = 0; i < 5; ++i) five += "2026-11-24T00:00:00.000Z [main] INFO a.B - r" + std::to_string(i) + "\n";
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000001.log", kTwoLines));
  ASSERT_TRUE(store_.Put("h1/2026-11-24/h1-000002.log", five));
  ObjectEvent a, b;
  a.key = "h1/2026-11-24/h1-000001.log";
  b.key = "h1/2026-11-24/h1-000002.log";
  ASSERT_TRUE(ingester_->Add(a));
  ASSERT_TRUE(ingester_->Add(b));
  // 2 + 1 records reached the bound at the start of b's second record.
  EXPECT_EQ(ingester_->TakeCommitted(), std::vector<ObjectEvent>{a});
  EXPECT_EQ(ingester_->uncommitted(), 1u);
  ASSERT_TRUE(ingester_->Flush().ok());
  EXPECT_EQ(ingester_->TakeCommitted(), std::vector<ObjectEvent>{b});
  EXPECT_EQ(Records().size(), 7u);
}

// Events given once, then Done; remembers what was acknowledged.
class ListSource : public EventSource {
 public:
  explicit ListSource(std::vector<ObjectEvent> events) : events_(std::move(events)) {}
  Result<std::vector<ObjectEvent>> Poll(TimeMs) override {
    given_ = true;
    return std::exchange(events_, {});
  }
  Status Ack(const ObjectEvent& e) override {
    acked.push_back(e.key);
    return Status::Ok();
  }
  bool Done() const override { return given_; }
  std::vector<std::string> acked;

 private:
  std::vector<ObjectEvent> events_;
  bool given_ = false;
};

TEST(RunIngestTest, EventsShareTransactionsAndAFailedCommitIsRetriedExactlyOnce) {
  MemoryStore store{"bucket"};
  // The first `failures` commits fail as if the broker were away.
  CommitHookLog log;
  int failures = 0, commits = 0;
  log.on_commit = [&] {
    if (failures > 0) {
      --failures;
      return Unavailable("broker away");
    }
    ++commits;
    return Status::Ok();
  };
  IngestOptions o;
  o.chunk_records = 4;
  Ingester ingester(store, log, o);
  ASSERT_TRUE(ingester.Init().ok());
  std::vector<ObjectEvent> events;
  std::vector<std::string> keys;
  for (int i = 1; i <= 5; ++i) {
    ObjectEvent e;
    e.key = "h1/2026-11-24/h1-00000" + std::to_string(i) + ".log";
    ASSERT_TRUE(store.Put(e.key, kTwoLines));
    events.push_back(e);
    keys.push_back(e.key);
  }
  failures = 1;  // the first commit (objects 1 and 2, at object 3's first record) fails
  ListSource source(events);
  std::atomic<bool> stop{false};
  Status s = RunIngest(source, ingester, stop);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(source.acked, keys);
  EXPECT_EQ(commits, 3);  // 1+2, 3+4, 5: several objects per transaction
  EXPECT_EQ(ingester.counters().objects.load(), 5u);
  EXPECT_EQ(ingester.counters().records.load(), 10u);
  size_t records = 0;
  for (int p = 0; p < o.partitions; ++p) records += log.Read("logs", p, 0, 1000)->size();
  EXPECT_EQ(records, 10u);
}

// Counts the object reads (Get) a store serves.
class CountingStore : public MemoryStore {
 public:
  using MemoryStore::MemoryStore;
  Result<std::unique_ptr<ObjectReader>> Get(std::string_view key, uint64_t offset,
                                            std::optional<uint64_t> length) override {
    ++gets;
    return MemoryStore::Get(key, offset, length);
  }
  std::atomic<int> gets{0};
};

// Objects are read ahead while others are parsed, but an object ingested
// before (a listing repeats every one) is not read at all.
TEST(RunIngestTest, ReadAheadSkipsObjectsIngestedBefore) {
  CountingStore store{"bucket"};
  MemoryLog log;
  std::vector<ObjectEvent> events;
  for (int i = 1; i <= 8; ++i) {
    ObjectEvent e;
    e.key = "h" + std::to_string(i % 3) + "/2026-11-24/x-00000" + std::to_string(i) + ".log";
    ASSERT_TRUE(store.Put(e.key, kTwoLines));
    events.push_back(e);
  }
  std::atomic<bool> stop{false};
  {
    Ingester ingester(store, log, IngestOptions{});
    ASSERT_TRUE(ingester.Init().ok());
    ListSource source(events);
    ASSERT_TRUE(RunIngest(source, ingester, stop).ok());
    EXPECT_EQ(ingester.counters().records.load(), 16u);
    EXPECT_EQ(store.gets.load(), 8);  // each once, read ahead or not
  }
  Ingester again(store, log, IngestOptions{});
  ListSource source(events);
  ASSERT_TRUE(RunIngest(source, again, stop).ok());
  EXPECT_EQ(again.counters().duplicates.load(), 8u);
  EXPECT_EQ(store.gets.load(), 8);  // none read again
}

TEST(OrderEachSourceByKeyTest, SortsEachSourceInItsOwnPositions) {
  std::vector<ObjectEvent> events;
  for (const char* key : {"h1/2026-11-24/h1-000003.log", "h2/2026-11-24/h2-000002.log",
                          "h1/2026-11-24/h1-000001.log", "h2/2026-11-24/h2-000001.log",
                          "h1/2026-11-24/h1-000002.log", "no-date.log"}) {
    ObjectEvent e;
    e.key = key;
    events.push_back(e);
  }
  OrderEachSourceByKey(&events);
  std::vector<std::string> keys;
  for (const ObjectEvent& e : events) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"h1/2026-11-24/h1-000001.log", "h2/2026-11-24/h2-000001.log",
                                             "h1/2026-11-24/h1-000002.log", "h2/2026-11-24/h2-000002.log",
                                             "h1/2026-11-24/h1-000003.log", "no-date.log"}));
}

// One notification listing a host's objects out of order (as an S3 event
// webhook request may): they are ingested in key order, so none is late.
TEST(RunIngestTest, EventsOfOneSourceInOneBatchAreIngestedInKeyOrder) {
  MemoryStore store{"bucket"};
  MemoryLog log;
  Ingester ingester(store, log, IngestOptions{});
  ASSERT_TRUE(ingester.Init().ok());
  std::vector<ObjectEvent> events;
  for (int i : {3, 1, 2}) {
    ObjectEvent e;
    e.key = "h1/2026-11-24/h1-00000" + std::to_string(i) + ".log";
    ASSERT_TRUE(store.Put(e.key, kTwoLines));
    events.push_back(e);
  }
  ListSource source(events);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(RunIngest(source, ingester, stop).ok());
  std::vector<std::string> objects;
  RecordDecoder d;
  for (int p = 0; p < IngestOptions{}.partitions; ++p) {
    auto read = log.Read("logs", p, 0, 1000);
    ASSERT_TRUE(read);
    for (auto& r : *read) {
      auto rec = d.Decode(r.value);
      ASSERT_TRUE(rec);
      if (objects.empty() || objects.back() != rec->object) objects.push_back(rec->object);
    }
  }
  EXPECT_EQ(objects, (std::vector<std::string>{"h1/2026-11-24/h1-000001.log", "h1/2026-11-24/h1-000002.log",
                                                "h1/2026-11-24/h1-000003.log"}));
}

std::filesystem::path SharedData() {
  return std::filesystem::path(LOGSTREAM_SOURCE_DIR) / "testdata" / "cs441-logs";
}

// The real Hadoop-mixed log: zero dead letters, one record per timestamped
// line, stack traces inside their records.
TEST_F(IngesterTest, RealMultiLineFileIngestsWithZeroDeadLetters) {
  auto path = SharedData() / "LogFileGenerator.2022-10-07.log";
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t timestamped = 0;
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    if (l.size() > 12 && l[2] == ':' && l[5] == ':' && l[8] == '.') ++timestamped;
  }
  ASSERT_TRUE(store_.Put("LogFileGenerator.2022-10-07.log", text));
  EXPECT_EQ(Ingest("LogFileGenerator.2022-10-07.log"), IngestOutcome::kIngested);
  EXPECT_TRUE(Topic("dead-letter").empty());
  auto recs = Records();
  EXPECT_EQ(recs.size(), timestamped);
  size_t with_trace = 0;
  for (auto& r : recs) {
    EXPECT_EQ(r.source, "unknown");
    EXPECT_EQ(FormatDate(r.time), "2022-10-07");
    if (r.message.find("\n\tat ") != std::string::npos) ++with_trace;
  }
  EXPECT_GT(with_trace, 0u);
}

// A store whose "down/" keys cannot be reached (Unavailable, as when S3 is down).
class PartlyDownStore : public MemoryStore {
 public:
  Result<ObjectInfo> Head(std::string_view key) override {
    if (key.starts_with("down/")) return Err(Unavailable("S3 is down"));
    return MemoryStore::Head(key);
  }
};

// Yields one batch once, records acks and abandons; sets *stop while polled
// (Ctrl-C during a batch).
class OneBatchSource : public EventSource {
 public:
  OneBatchSource(std::vector<std::string> keys, std::atomic<bool>* stop) : keys_(std::move(keys)), stop_(stop) {}
  Result<std::vector<ObjectEvent>> Poll(TimeMs) override {
    std::vector<ObjectEvent> out;
    for (const std::string& k : keys_) out.push_back(ObjectEvent{"ObjectCreated:Put", "", k, 0, "", 0});
    keys_.clear();
    stop_->store(true);
    return out;
  }
  Status Ack(const ObjectEvent& e) override {
    acked.push_back(e.key);
    return Status::Ok();
  }
  void Abandon(const ObjectEvent& e) override { abandoned.push_back(e.key); }
  bool Done() const override { return keys_.empty(); }

  std::vector<std::string> acked, abandoned;

 private:
  std::vector<std::string> keys_;
  std::atomic<bool>* stop_;
};

TEST(RunIngestTest, GivingUpAbandonsTheFailedEventAndTheRestOfItsBatch) {
  PartlyDownStore store;
  MemoryLog log;
  ASSERT_TRUE(store.Put("h1/2026-11-24/h1-000001.log", kTwoLines));
  ASSERT_TRUE(store.Put("down/2026-11-24/d-000001.log", kTwoLines));
  ASSERT_TRUE(store.Put("h1/2026-11-24/h1-000002.log", kTwoLines));
  Ingester ingester(store, log, IngestOptions{});
  ASSERT_TRUE(ingester.Init().ok());
  std::atomic<bool> stop{false};
  OneBatchSource source({"h1/2026-11-24/h1-000001.log", "down/2026-11-24/d-000001.log",
                         "h1/2026-11-24/h1-000002.log"},
                        &stop);
  Status s = RunIngest(source, ingester, stop);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(source.acked, std::vector<std::string>{"h1/2026-11-24/h1-000001.log"});
  EXPECT_EQ(source.abandoned,
            (std::vector<std::string>{"down/2026-11-24/d-000001.log", "h1/2026-11-24/h1-000002.log"}));
}

}  // namespace
}  // namespace logstream
