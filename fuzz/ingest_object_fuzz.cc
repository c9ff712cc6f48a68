// One object through ingest (src/ingest/ingester.h): OpenDecoded, LineReader,
// the multi-line joiner (continuation lines, multi-line bounds, too-long
// lines, the dead-letter cap), ParseLine and the record JSON, into a
// MemoryLog, with chunked commits.
// Input: six option bytes, the object key up to '\n', then the object.
// Invariants: every record is valid record JSON for this object, in line
// order; every dead letter is valid JSON; a second event for the object is
// a duplicate; and when a commit fails part-way (a crash after a chunk) and
// a new ingester takes the object again, the logs and dead-letter topics
// end up exactly as after an uninterrupted ingest: nothing lost, nothing
// twice.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "src/ingest/ingester.h"
#include "src/log/memory_log.h"
#include "src/record/json.h"
#include "src/store/memory_store.h"

namespace logstream {
namespace {

using fuzz::Check;

// A Log whose transactions' Commit fails (aborting them) from the
// fail_at-th commit on, as if the writer had crashed there.
class FailingLog : public Log {
 public:
  FailingLog(Log& log, int fail_at) : log_(log), fail_at_(fail_at) {}

  class Txn : public Transaction {
   public:
    Txn(std::unique_ptr<Transaction> t, FailingLog& log) : t_(std::move(t)), log_(log) {}
    Status Append(std::string_view topic, std::string_view key, std::string_view value) override {
      return t_->Append(topic, key, value);
    }
    Status AppendTo(std::string_view topic, int partition, std::string_view key,
                    std::string_view value) override {
      return t_->AppendTo(topic, partition, key, value);
    }
    Status Put(std::string_view topic, std::string_view key, std::string_view value) override {
      return t_->Put(topic, key, value);
    }
    Status CommitOffset(std::string_view group, std::string_view topic, int partition,
                        int64_t next) override {
      return t_->CommitOffset(group, topic, partition, next);
    }
    Status Commit() override {
      if (++log_.commits_ >= log_.fail_at_) {
        t_->Abort();
        return Unavailable("injected crash at commit " + std::to_string(log_.commits_));
      }
      return t_->Commit();
    }
    void Abort() override { t_->Abort(); }

   private:
    std::unique_ptr<Transaction> t_;
    FailingLog& log_;
  };

  std::string Url() const override { return log_.Url(); }
  TransactionSize PreferredTransactionSize() const override { return log_.PreferredTransactionSize(); }
  Status EnsureTopic(std::string_view topic, const TopicOptions& options) override {
    return log_.EnsureTopic(topic, options);
  }
  Result<std::vector<TopicInfo>> ListTopics() override { return log_.ListTopics(); }
  Result<TopicInfo> DescribeTopic(std::string_view topic) override { return log_.DescribeTopic(topic); }
  Result<std::unique_ptr<Transaction>> Begin(std::string_view id,
                                             const TransactionOptions& options) override {
    ASSIGN_OR_RETURN(std::unique_ptr<Transaction> t, log_.Begin(id, options));
    return std::unique_ptr<Transaction>(std::make_unique<Txn>(std::move(t), *this));
  }
  Result<std::vector<LogRecordEntry>> Read(std::string_view topic, int partition, int64_t offset,
                                           size_t max_records, TimeMs max_wait) override {
    return log_.Read(topic, partition, offset, max_records, max_wait);
  }
  Status ReadInto(std::string_view topic, int partition, int64_t offset, size_t max_records, TimeMs max_wait,
                  RecordBuffer* out) override {
    return log_.ReadInto(topic, partition, offset, max_records, max_wait, out);
  }
  Result<int64_t> CommittedOffset(std::string_view group, std::string_view topic, int partition) override {
    return log_.CommittedOffset(group, topic, partition);
  }
  Result<std::vector<GroupOffset>> ListGroupOffsets() override { return log_.ListGroupOffsets(); }
  Result<std::unique_ptr<Subscription>> Subscribe(std::string_view group,
                                                  const std::vector<std::string>& topics) override {
    return log_.Subscribe(group, topics);
  }
  Result<std::map<std::string, std::string>> ReadState(std::string_view topic) override {
    return log_.ReadState(topic);
  }
  Result<std::optional<std::string>> GetState(std::string_view topic, std::string_view key) override {
    return log_.GetState(topic, key);
  }
  Result<std::optional<std::string>> GetOwnState(std::string_view topic, std::string_view key) override {
    return log_.GetOwnState(topic, key);
  }

 private:
  Log& log_;
  int fail_at_;
  int commits_ = 0;
};

// Every record of a topic: partitions in order, each in offset order.
std::vector<LogRecordEntry> ReadAll(Log& log, const std::string& topic) {
  std::vector<LogRecordEntry> out;
  auto info = log.DescribeTopic(topic);
  Check(info.has_value(), "topic missing after ingest");
  for (int p = 0; p < info->partitions; ++p) {
    auto records = log.Read(topic, p, 0, SIZE_MAX, 0);
    Check(records.has_value(), "Read failed");
    for (auto& r : *records) out.push_back(std::move(r));
  }
  return out;
}

// Both lists on stderr when FUZZ_DEBUG is set (to see why they differ).
bool SameRecords(const std::vector<LogRecordEntry>& a, const std::vector<LogRecordEntry>& b) {
  if (std::getenv("FUZZ_DEBUG") != nullptr) {
    for (const auto* list : {&a, &b}) {
      std::fprintf(stderr, "--\n");
      for (const LogRecordEntry& e : *list)
        std::fprintf(stderr, "%lld %s\n", static_cast<long long>(e.offset), e.value.c_str());
    }
  }
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
  }
  return true;
}

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  fuzz::Input in(data, size);
  IngestOptions o;
  const uint8_t f = in.Byte();
  o.format = f % 3 == 0 ? LineFormat::kAuto : f % 3 == 1 ? LineFormat::kIso : LineFormat::kClassic;
  o.multiline = (f & 4) == 0;
  o.max_dead_letters = (f & 8) ? 2 : 1000;
  o.multiline_max_lines = in.Range(1, 8);
  const uint8_t bytes_limit = in.Byte();
  o.multiline_max_bytes = bytes_limit < 128 ? 1 + bytes_limit * 4 : 1 << 20;
  const uint8_t line_limit = in.Byte();
  o.max_line_bytes = line_limit < 128 ? 1 + line_limit * 2 : 64 * 1024;
  o.chunk_records = in.Range(1, 16);
  o.chunk_bytes = 1 << 20;
  const int fail_at = static_cast<int>(in.Range(1, 6));
  std::string key(in.Until('\n').substr(0, 80));
  if (key.empty()) key = "web-1/2021-10-17/LogFileGenerator.2021-10-17.0.log";
  const std::string_view object = in.Rest();

  MemoryStore store("bucket");
  if (!store.Put(key, object)) return 0;  // not a valid key
  ObjectEvent event;
  event.key = key;

  // Uninterrupted.
  MemoryLog log;
  {
    Ingester ingester(store, log, o);
    Check(ingester.Init().ok(), "Init failed");
    auto outcome = ingester.IngestObject(event);
    Check(outcome.has_value(), "IngestObject failed on a MemoryLog",
          outcome ? "" : outcome.error().message());
    Check(*outcome == IngestOutcome::kIngested || *outcome == IngestOutcome::kFailed,
          "first ingest is neither ingested nor failed");
    auto again = ingester.IngestObject(event);
    Check(again.has_value() && *again == IngestOutcome::kDuplicate, "second event is not a duplicate");
  }
  const std::vector<LogRecordEntry> records = ReadAll(log, o.logs_topic);
  const std::vector<LogRecordEntry> dead = ReadAll(log, o.dead_letter_topic);
  RecordDecoder decoder;
  const std::string source = SourceFromKey(key, o.default_source);
  uint64_t last_offset = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    auto r = decoder.Decode(records[i].value);
    Check(r.has_value(), "ingest wrote a record RecordDecoder rejects",
          records[i].value + " <- " + (r ? "" : r.error().message()));
    // (A key that is not UTF-8 reaches the JSON with U+FFFD in place of its bad bytes.)
    Check(!simdjson::validate_utf8(key.data(), key.size()) ||
              (r->object == key && r->source == source && records[i].key == source),
          "record of another object or source");
    Check(i == 0 || r->offset > last_offset, "record offsets not increasing");
    last_offset = r->offset;
  }
  simdjson::dom::parser parser;
  for (const LogRecordEntry& d : dead) {
    simdjson::dom::element doc;
    Check(parser.parse(d.value).get(doc) == simdjson::SUCCESS, "dead letter is not JSON", d.value);
    std::string_view reason;
    Check(doc["reason"].get(reason) == simdjson::SUCCESS, "dead letter without a reason", d.value);
  }

  // Interrupted at a commit, then taken again by a new ingester.
  MemoryLog log2;
  {
    FailingLog failing(log2, fail_at);
    Ingester crashed(store, failing, o);
    Check(crashed.Init().ok(), "Init failed");
    (void)crashed.IngestObject(event);
  }
  {
    Ingester restarted(store, log2, o);
    Check(restarted.Init().ok(), "Init failed");
    auto outcome = restarted.IngestObject(event);
    Check(outcome.has_value(), "IngestObject failed after a restart",
          outcome ? "" : outcome.error().message());
  }
  Check(SameRecords(ReadAll(log2, o.logs_topic), records),
        "records after a crash and restart differ from an uninterrupted ingest");
  Check(SameRecords(ReadAll(log2, o.dead_letter_topic), dead),
        "dead letters after a crash and restart differ from an uninterrupted ingest");
  return 0;
}
