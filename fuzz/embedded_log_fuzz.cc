// Embedded-log recovery (src/log/embedded_log.h): what EmbeddedLog::Open
// and its reads make of the keys and values it finds in its RocksDB
// database: topic metadata, record batch keys and values, state entries and
// group offsets, as a crash, a bad disk or an older release may leave them.
// RocksDB's own files are checksummed (flipping their bytes only tests
// RocksDB), so the fuzzer writes the entries themselves: the target puts
// them into a fresh database with RocksDB's API, then opens it as an
// EmbeddedLog (which recovers each partition's offsets from its batches),
// lists topics, reads every partition, state topic and group offset, and
// appends one record.
// Input: a list of entries, each an op byte then its fields (see below).
// Invariants: Open and every read either succeed or fail with a Status,
// never a crash; a record appended after recovery is read back at the end
// offset recovered.
#include <rocksdb/db.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/log/embedded_log.h"
#include "src/base/varint.h"
#include "src/log/record_batch.h"

namespace logstream {
namespace {

using fuzz::Check;

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

std::string Topic(fuzz::Input& in) {
  static const char* kTopics[] = {"logs", "dead-letter", "ingest-manifest", "t", ""};
  return kTopics[in.Byte() % 5];
}

// The database's entries from the input: op byte % 8 =
//   0 topic metadata, well-formed   1 topic metadata, raw value
//   2 record batch built here       3 record batch, raw value
//   4 state entry                   5 group offset
//   6 any key, any value            7 a batch key cut short (raw value)
void WriteEntries(fuzz::Input& in, rocksdb::DB* db) {
  rocksdb::WriteBatch wb;
  int n = 0;
  while (!in.empty() && n++ < 64) {
    const uint8_t op = in.Byte() % 8;
    std::string key, value;
    switch (op) {
      case 0:
      case 1: {
        key = "\x01" + Topic(in);
        if (op == 0) {
          const uint8_t f = in.Byte();
          PutVarint64(&value, f % 5);         // partitions (0 is corrupt)
          PutVarint64(&value, (f >> 3) & 1);  // compacted
          PutVarint64(&value, (f & 16) ? in.U16() : 0);
          PutVarint64(&value, (f & 32) ? in.U16() : 0);
        } else {
          value = in.Take(in.Byte() % 24);
        }
        break;
      }
      case 2:
      case 3:
      case 7: {
        key = "\x02" + Topic(in);
        key.push_back('\0');
        PutBig(&key, in.Byte() % 6, 4);
        const uint8_t b = in.Byte();
        PutBig(&key, (b & 128) ? (uint64_t{1} << 63) - in.Byte() : (b & 127) * 3, 8);
        if (op == 7) key.resize(key.size() - 1 - in.Byte() % (key.size() - 1));
        if (op == 2) {
          BatchBuilder builder;
          const size_t records = 1 + in.Byte() % 4;
          for (size_t i = 0; i < records; ++i) builder.Add("k", in.Take(in.Byte() % 16));
          value = builder.Header(1'700'000'000'000) + builder.payload();
        } else {
          value = in.Take(in.Byte() % 48);
        }
        break;
      }
      case 4:
        key = "\x03" + Topic(in);
        key.push_back('\0');
        key += in.Take(in.Byte() % 8);
        value = in.Take(in.Byte() % 16);
        break;
      case 5:
        key = "\x04group";
        key.push_back('\0');
        key += Topic(in);
        key.push_back('\0');
        PutBig(&key, in.Byte() % 6, 4);
        key.resize(key.size() - in.Byte() % 3);
        value = in.Take(in.Byte() % 10);
        break;
      default:
        key = in.Take(in.Byte() % 16);
        value = in.Take(in.Byte() % 16);
        break;
    }
    if (std::getenv("FUZZ_DEBUG") != nullptr) {  // the entries, to see what an input stores
      std::string line;
      for (const std::string* s : {&key, &value}) {
        for (unsigned char c : *s)
          line += (c >= 0x20 && c < 0x7f) ? std::string(1, c) : "\\x" + std::to_string(c);
        line += s == &key ? " => " : "";
      }
      std::fprintf(stderr, "put %s\n", line.c_str());
    }
    wb.Put(key, value);
  }
  Check(db->Write(rocksdb::WriteOptions(), &wb).ok(), "RocksDB write failed");
}

// On tmpfs when there is one: the embedded log syncs every commit.
std::string Dir() {
  const std::filesystem::path root =
      std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return (root / ("logstream-embedded-log-fuzz-" + std::to_string(getpid()))).string();
}

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  static const std::string dir = Dir();
  std::filesystem::remove_all(dir);
  // Removed after each input too: on tmpfs the log's files hold memory.
  struct Cleanup {
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.max_file_opening_threads = 1;  // else 16 threads start per open
    options.allow_fallocate = false;
    rocksdb::DB* raw = nullptr;
    Check(rocksdb::DB::Open(options, dir, &raw).ok(), "cannot create the RocksDB database");
    std::unique_ptr<rocksdb::DB> db(raw);
    fuzz::Input in(data, size);
    WriteEntries(in, db.get());
  }
  auto log = EmbeddedLog::Open(dir);
  if (!log) return 0;
  auto topics = (*log)->ListTopics();
  if (!topics) return 0;
  for (const TopicInfo& t : *topics) {
    Check(t.partitions >= 1 && t.start_offsets.size() == static_cast<size_t>(t.partitions) &&
              t.end_offsets.size() == static_cast<size_t>(t.partitions),
          "topic with inconsistent partitions", t.name);
    if (t.compacted) {
      (void)(*log)->ReadState(t.name);
      (void)(*log)->GetState(t.name, "k");
      continue;
    }
    for (int p = 0; p < std::min(t.partitions, 8); ++p) {
      (void)(*log)->Read(t.name, p, 0, 100);
      if (t.end_offsets[p] > 0) (void)(*log)->Read(t.name, p, t.end_offsets[p] - 1, 100);
      (void)(*log)->CommittedOffset("group", t.name, p);
    }
  }
  (void)(*log)->ListGroupOffsets();
  // An append after recovery lands at the recovered end offset.
  for (const TopicInfo& t : *topics) {
    if (t.compacted || t.name != "logs" || t.end_offsets[0] >= (int64_t{1} << 62)) continue;
    auto txn = (*log)->Begin("fuzz");
    Check(txn.has_value(), "Begin failed");
    Check((*txn)->AppendTo(t.name, 0, "key", "appended").ok(), "AppendTo failed");
    if (!(*txn)->Commit().ok()) break;
    auto back = (*log)->Read(t.name, 0, t.end_offsets[0], 10);
    Check(back.has_value(), "the record appended after recovery cannot be read",
          back ? "" : back.error().message());
    Check(!back->empty() && back->front().offset == t.end_offsets[0] && back->front().value == "appended",
          "the record appended after recovery is not at the recovered end offset");
  }
  return 0;
}
