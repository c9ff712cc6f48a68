#include "src/log/embedded_log.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "src/base/varint.h"

namespace logstream {

namespace {

constexpr char kMetaPrefix = '\x01';
constexpr char kBatchPrefix = '\x02';
constexpr char kStatePrefix = '\x03';
constexpr char kOffsetPrefix = '\x04';
constexpr TimeMs kRetentionEveryMs = 60'000;
constexpr const char* kOwnerFile = "OWNER";
constexpr const char* kReaderDirPrefix = "logstream-reader-";
// Partitions per topic at most; a larger count in stored metadata is corrupt.
constexpr uint64_t kMaxPartitions = 1'000'000;

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetBig(std::string_view s, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string MetaKey(std::string_view topic) { return std::string(1, kMetaPrefix).append(topic); }

// The prefix of a partition's batch keys.
std::string PartitionPrefix(std::string_view topic, int partition) {
  std::string k(1, kBatchPrefix);
  k.append(topic).push_back('\0');
  PutBig(&k, static_cast<uint32_t>(partition), 4);
  return k;
}

std::string BatchKey(std::string_view topic, int partition, int64_t base) {
  std::string k = PartitionPrefix(topic, partition);
  PutBig(&k, static_cast<uint64_t>(base), 8);
  return k;
}

int64_t BaseOffsetOf(rocksdb::Slice key) {
  return static_cast<int64_t>(GetBig(std::string_view(key.data() + key.size() - 8, 8), 8));
}

std::string StatePrefix(std::string_view topic) {
  std::string k(1, kStatePrefix);
  k.append(topic).push_back('\0');
  return k;
}

std::string OffsetKey(std::string_view group, std::string_view topic, int partition) {
  std::string k(1, kOffsetPrefix);
  k.append(group).push_back('\0');
  k.append(topic).push_back('\0');
  PutBig(&k, static_cast<uint32_t>(partition), 4);
  return k;
}

// The smallest key greater than every key starting with prefix.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

std::string EncodeOptions(const TopicOptions& o) {
  std::string v;
  PutVarint64(&v, o.partitions);
  PutVarint64(&v, o.compacted ? 1 : 0);
  PutVarint64(&v, static_cast<uint64_t>(o.retention_ms + 1));  // -1 (forever) -> 0
  PutVarint64(&v, static_cast<uint64_t>(o.retention_bytes + 1));
  return v;
}

Result<TopicOptions> DecodeOptions(std::string_view v) {
  const char* p = v.data();
  const char* end = p + v.size();
  uint64_t parts, compacted, ms, bytes;
  if (!GetVarint64(&p, end, &parts) || !GetVarint64(&p, end, &compacted) ||
      !GetVarint64(&p, end, &ms) || !GetVarint64(&p, end, &bytes) || parts < 1 ||
      parts > kMaxPartitions) {
    return Err(DataLoss("corrupt topic metadata"));
  }
  TopicOptions o;
  o.partitions = static_cast<int>(parts);
  o.compacted = compacted != 0;
  o.retention_ms = static_cast<TimeMs>(ms) - 1;
  o.retention_bytes = static_cast<int64_t>(bytes) - 1;
  return o;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  const std::string m = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return DataLoss(m);
  if (s.IsIOError()) return IoError(m);
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return Unavailable(m);
  if (s.IsNotFound()) return NotFound(m);
  return Internal(m);
}

std::string CommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  for (char& c : cmd) {
    if (c == '\0') c = ' ';
  }
  return cmd;
}

// Readers killed before their destructor ran (`log tail --follow` ends with
// Ctrl-C) leave their secondary directory behind: remove those of dead pids.
void RemoveStaleReaderDirs() {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kReaderDirPrefix)) continue;
    const std::string pid = name.substr(std::strlen(kReaderDirPrefix), name.rfind('-') - std::strlen(kReaderDirPrefix));
    std::error_code ignored;
    if (!pid.empty() && !fs::exists("/proc/" + pid, ignored)) fs::remove_all(entry.path(), ignored);
  }
}

}  // namespace

EmbeddedLog::EmbeddedLog(std::string path, const LogOptions& options)
    : path_(std::move(path)), options_(options) {}

EmbeddedLog::~EmbeddedLog() {
  if (background_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_background_.notify_all();
    background_.join();
  }
  if (db_ && !options_.read_only) {
    (void)db_->FlushWAL(true);
    // Persist the memtable as a table file so the next open need not replay
    // (and checksum) up to a write buffer of WAL. The WAL is synced above, so
    // durability does not depend on this flush succeeding.
    (void)db_->Flush(rocksdb::FlushOptions());
    std::error_code ec;
    std::filesystem::remove(std::filesystem::path(path_) / kOwnerFile, ec);
  }
  db_.reset();
  if (!secondary_path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_path_, ec);
  }
}

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::Open(const std::string& path,
                                                       const LogOptions& options) {
  std::unique_ptr<EmbeddedLog> log(new EmbeddedLog(path, options));
  RETURN_IF_ERROR(log->OpenDb());
  RETURN_IF_ERROR(log->LoadTopics());
  if (!options.read_only) log->background_ = std::thread([p = log.get()] { p->Background(); });
  return log;
}

Status EmbeddedLog::OpenDb() {
  namespace fs = std::filesystem;
  rocksdb::Options o;
  o.create_if_missing = !options_.read_only;
  o.manual_wal_flush = false;
  o.write_buffer_size = 64 << 20;
  // Record batches are stored LZ4-compressed already (record_batch.h), so
  // the table files are not compressed a second time.
  o.compression = rocksdb::kNoCompression;
  // The memory budget, whatever the amount of data: two write buffers and
  // one block cache that also holds the table files' index and filter blocks
  // (kMemoryBudget in embedded_log.h).
  o.max_write_buffer_number = 2;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  std::error_code ec;
  if (options_.read_only) {
    if (!fs::exists(fs::path(path_) / "CURRENT", ec)) {
      return NotFound("no embedded log at " + path_ +
                      " (nothing has been written there yet; check --broker)");
    }
    RemoveStaleReaderDirs();
    static std::atomic<int> counter = 0;
    secondary_path_ = (fs::temp_directory_path() / (std::string(kReaderDirPrefix) +
                                                     std::to_string(getpid()) + "-" +
                                                     std::to_string(counter++)))
                          .string();
    o.max_open_files = -1;
    rocksdb::Status s = rocksdb::DB::OpenAsSecondary(o, path_, secondary_path_, &db);
    if (!s.ok()) return FromRocks(s, "cannot open embedded log " + path_ + " for reading");
    db_.reset(db);
    return Status::Ok();
  }
  fs::create_directories(path_, ec);
  if (ec) return IoError("cannot create log directory " + path_ + ": " + ec.message());
  rocksdb::Status s = rocksdb::DB::Open(o, path_, &db);
  if (!s.ok()) {
    const std::string m = s.ToString();
    if (m.find("lock") != std::string::npos || m.find("LOCK") != std::string::npos) {
      std::ifstream in(fs::path(path_) / kOwnerFile);
      std::string owner((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      while (!owner.empty() && owner.back() == '\n') owner.pop_back();
      if (owner.empty()) owner = "another process";
      if (m.find("current process") != std::string::npos) owner = "this process (pid " + std::to_string(getpid()) + ")";
      return FailedPrecondition(
          "embedded log " + path_ + " is already open for writing by " + owner +
          "; only one process may write an embedded log: run all stages in one process with "
          "`logstream run`, or use Kafka (--broker kafka://HOST:PORT)");
    }
    return FromRocks(s, "cannot open embedded log " + path_);
  }
  db_.reset(db);
  std::ofstream owner(fs::path(path_) / kOwnerFile, std::ios::trunc);
  owner << "pid " << getpid() << " (" << CommandLine() << ")\n";
  return Status::Ok();
}

Status EmbeddedLog::LoadTopics() {
  std::map<std::string, EmbeddedTopic, std::less<>> topics;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string meta_end = PrefixEnd(std::string(1, kMetaPrefix));
  for (it->Seek(std::string(1, kMetaPrefix)); it->Valid() && it->key().compare(meta_end) < 0;
       it->Next()) {
    ASSIGN_OR_RETURN(TopicOptions options, DecodeOptions(it->value().ToStringView()));
    EmbeddedTopic meta;
    meta.options = options;
    meta.start.assign(options.partitions, 0);
    meta.end.assign(options.partitions, 0);
    topics.emplace(std::string(it->key().ToStringView().substr(1)), std::move(meta));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading topic metadata"));
  for (auto& [name, meta] : topics) {
    for (int p = 0; p < meta.options.partitions; ++p) {
      const std::string prefix = PartitionPrefix(name, p);
      // A batch key is the prefix and 8 bytes of base offset; the last
      // batch's base plus its count is the end offset.
      auto corrupt_key = [&] {
        return DataLoss("corrupt record batch key in topic '" + name + "' partition " + std::to_string(p));
      };
      it->Seek(prefix);
      if (!it->Valid() || !it->key().starts_with(prefix)) continue;
      if (it->key().size() != prefix.size() + 8) return corrupt_key();
      meta.start[p] = BaseOffsetOf(it->key());
      it->SeekForPrev(PrefixEnd(prefix));
      if (!it->Valid() || !it->key().starts_with(prefix)) continue;
      if (it->key().size() != prefix.size() + 8) return corrupt_key();
      ASSIGN_OR_RETURN(BatchHeader header, DecodeBatchHeader(it->value().ToStringView()));
      const int64_t last_base = BaseOffsetOf(it->key());
      if (last_base < 0 || header.count > INT64_MAX - last_base) return corrupt_key();
      meta.end[p] = last_base + header.count;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "recovering end offsets"));
  std::lock_guard lock(mu_);
  topics_ = std::move(topics);
  return Status::Ok();
}

Status EmbeddedLog::Refresh() {
  if (!options_.read_only) return Status::Ok();
  RETURN_IF_ERROR(FromRocks(db_->TryCatchUpWithPrimary(), "catching up with the log writer"));
  return LoadTopics();
}

std::string EmbeddedLog::Url() const { return "file://" + path_; }

Status EmbeddedLog::EnsureTopic(std::string_view topic, const TopicOptions& options) {
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (options.partitions < 1 || static_cast<uint64_t>(options.partitions) > kMaxPartitions) {
    return InvalidArgument("a topic needs 1 to " + std::to_string(kMaxPartitions) + " partitions");
  }
  RETURN_IF_ERROR(Refresh());
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it != topics_.end()) {
    const TopicOptions& have = it->second.options;
    RETURN_IF_ERROR(CheckSameTopicShape(topic, have, options));
    if (have.retention_ms != options.retention_ms || have.retention_bytes != options.retention_bytes) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      RETURN_IF_ERROR(FromRocks(db_->Put(wo, MetaKey(topic), EncodeOptions(options)), "updating topic"));
      it->second.options = options;
    }
    return Status::Ok();
  }
  if (options_.read_only) return FailedPrecondition("embedded log " + path_ + " is open read-only");
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(FromRocks(db_->Put(wo, MetaKey(topic), EncodeOptions(options)), "creating topic"));
  EmbeddedTopic meta;
  meta.options = options;
  meta.start.assign(options.partitions, 0);
  meta.end.assign(options.partitions, 0);
  topics_.emplace(std::string(topic), std::move(meta));
  return Status::Ok();
}

void EmbeddedLog::AddOffsetsLocked(const std::string& name, const EmbeddedTopic& meta,
                                   TopicInfo* info) {
  info->start_offsets = meta.start;
  info->end_offsets = meta.end;
  const std::string begin = meta.options.compacted ? StatePrefix(name) : PartitionPrefix(name, 0);
  const std::string end = PrefixEnd(meta.options.compacted ? StatePrefix(name)
                                                           : PartitionPrefix(name, meta.options.partitions - 1));
  rocksdb::Range range(begin, end);
  rocksdb::SizeApproximationOptions so;
  so.include_memtables = true;
  uint64_t size = 0;
  if (db_->GetApproximateSizes(so, db_->DefaultColumnFamily(), &range, 1, &size).ok()) {
    info->approximate_bytes = static_cast<int64_t>(size);
  }
}

Result<std::unique_ptr<Transaction>> EmbeddedLog::Begin(std::string_view id,
                                                        const TransactionOptions& options) {
  if (options_.read_only) return Err(FailedPrecondition("embedded log " + path_ + " is open read-only"));
  return LocalLog::Begin(id, options);
}

Status EmbeddedLog::CheckFreeSpace(uint64_t commit_bytes) const {
  struct statvfs vfs;
  if (::statvfs(path_.c_str(), &vfs) != 0) return Status::Ok();  // cannot tell: let RocksDB try
  const uint64_t free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  const uint64_t need = commit_bytes + options_.min_free_bytes;
  if (free >= need) return Status::Ok();
  auto mb = [](uint64_t b) { return std::to_string((b + (1 << 20) - 1) >> 20) + " MB"; };
  return Unavailable("disk full: embedded log " + path_ + " has " + mb(free) + " free, a commit needs " +
                     mb(need) + " (" + mb(commit_bytes) + " for the commit and " +
                     mb(options_.min_free_bytes) +
                     " kept free for the log's flushes and compactions); free space on that disk");
}

Status EmbeddedLog::Apply(const std::string& id, int64_t epoch, TxnBuffer& buffer) {
  // Reserve the whole batch up front: growing a multi-megabyte WriteBatch by
  // doubling copies it several times and faults in fresh pages each time.
  // Compress outside the lock: it is most of a commit's CPU besides RocksDB.
  size_t reserve = 64;
  for (auto& batch : buffer.batches) {
    batch.records.Compress();
    reserve += batch.records.payload().size() + batch.topic.size() + 64;
  }
  for (const auto& put : buffer.puts) reserve += put.topic.size() + put.key.size() + put.value.size() + 16;
  for (const auto& o : buffer.offsets) reserve += o.group.size() + o.topic.size() + 32;
  // A full disk makes RocksDB 7.8 abort on an assertion, which nothing can
  // catch: refuse the commit before it could need the space.
  RETURN_IF_ERROR(CheckFreeSpace(reserve));
  rocksdb::WriteBatch wb(reserve);
  std::vector<std::string> keys, headers;
  keys.reserve(buffer.batches.size());
  headers.reserve(buffer.batches.size());
  {
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(CheckNotFencedLocked(id, epoch));
    const TimeMs now = NowMs();
    std::vector<int64_t*> ends;
    for (const auto& batch : buffer.batches) {
      int64_t& end = topics_.find(batch.topic)->second.end[batch.partition];
      keys.push_back(BatchKey(batch.topic, batch.partition, end));
      headers.push_back(batch.records.Header(now));
      rocksdb::Slice value_parts[2] = {headers.back(), batch.records.payload()};
      rocksdb::Slice key = keys.back();
      RETURN_IF_ERROR(FromRocks(wb.Put(rocksdb::SliceParts(&key, 1), rocksdb::SliceParts(value_parts, 2)),
                                "building commit"));
      ends.push_back(&end);
    }
    for (const auto& put : buffer.puts) {
      const std::string key = StatePrefix(put.topic) + put.key;
      RETURN_IF_ERROR(FromRocks(put.value.empty() ? wb.Delete(key) : wb.Put(key, put.value),
                                "building commit"));
    }
    for (const auto& o : buffer.offsets) {
      std::string value;
      PutBig(&value, static_cast<uint64_t>(o.next_offset), 8);
      RETURN_IF_ERROR(FromRocks(wb.Put(OffsetKey(o.group, o.topic, o.partition), value),
                                "building commit"));
    }
    rocksdb::WriteOptions wo;
    wo.sync = options_.fsync_interval == 0;
    RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "committing to embedded log " + path_));
    for (size_t i = 0; i < ends.size(); ++i) *ends[i] += buffer.batches[i].records.count();
    dirty_ = !wo.sync;
  }
  committed_.notify_all();
  return Status::Ok();
}

Status EmbeddedLog::ReadBatches(std::string_view topic, int partition, int64_t offset,
                                size_t max_records, RecordBuffer* out) {
  const std::string prefix = PartitionPrefix(topic, partition);
  const std::string upper = PrefixEnd(prefix);
  rocksdb::Slice lower_slice(prefix), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  it->SeekForPrev(BatchKey(topic, partition, offset));
  if (!it->Valid()) it->Seek(prefix);  // offset below the retained start
  for (; it->Valid() && out->size() < max_records; it->Next()) {
    RETURN_IF_ERROR(DecodeBatch(it->value().ToStringView(), BaseOffsetOf(it->key()), offset,
                                max_records, out));
  }
  return FromRocks(it->status(), "reading embedded log " + path_);
}

Status EmbeddedLog::ReadInto(std::string_view topic, int partition, int64_t offset,
                             size_t max_records, TimeMs max_wait, RecordBuffer* out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_wait);
  out->Clear();
  while (true) {
    RETURN_IF_ERROR(Refresh());
    ASSIGN_OR_RETURN(TopicOptions options, FindTopic(topic));
    RETURN_IF_ERROR(CheckPartition(topic, partition, options));
    RETURN_IF_ERROR(ReadBatches(topic, partition, offset, max_records, out));
    if (!out->empty() || std::chrono::steady_clock::now() >= deadline) return Status::Ok();
    if (options_.read_only) {
      std::this_thread::sleep_until(
          std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    } else {
      std::unique_lock lock(mu_);
      committed_.wait_until(lock, deadline, [&] {
        return topics_.find(topic)->second.end[partition] > offset;
      });
    }
  }
}

Result<int64_t> EmbeddedLog::CommittedOffset(std::string_view group, std::string_view topic,
                                             int partition) {
  RETURN_IF_ERROR(Refresh());
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), OffsetKey(group, topic, partition), &value);
  if (s.IsNotFound()) return 0;
  RETURN_IF_ERROR(FromRocks(s, "reading committed offset"));
  if (value.size() != 8) return Err(DataLoss("corrupt committed offset"));
  return static_cast<int64_t>(GetBig(value, 8));
}

Result<std::vector<GroupOffset>> EmbeddedLog::ListGroupOffsets() {
  RETURN_IF_ERROR(Refresh());
  std::vector<GroupOffset> out;
  const std::string prefix(1, kOffsetPrefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view k = it->key().ToStringView().substr(1);
    const size_t g = k.find('\0');
    const size_t t = k.find('\0', g + 1);
    if (g == k.npos || t == k.npos || k.size() != t + 5 || it->value().size() != 8) {
      return Err(DataLoss("corrupt group offset entry"));
    }
    out.push_back({std::string(k.substr(0, g)), std::string(k.substr(g + 1, t - g - 1)),
                   static_cast<int>(GetBig(k.substr(t + 1), 4)),
                   static_cast<int64_t>(GetBig(it->value().ToStringView(), 8))});
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading group offsets"));
  return out;
}

Result<std::map<std::string, std::string>> EmbeddedLog::ReadState(std::string_view state_topic) {
  RETURN_IF_ERROR(Refresh());
  ASSIGN_OR_RETURN([[maybe_unused]] TopicOptions options, FindTopic(state_topic));
  const std::string prefix = StatePrefix(state_topic);
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace(it->key().ToStringView().substr(prefix.size()), it->value().ToStringView());
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading state topic"));
  return out;
}

Result<std::optional<std::string>> EmbeddedLog::GetState(std::string_view state_topic,
                                                         std::string_view key) {
  RETURN_IF_ERROR(Refresh());
  ASSIGN_OR_RETURN([[maybe_unused]] TopicOptions options, FindTopic(state_topic));
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), StatePrefix(state_topic).append(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading state entry"));
  return std::optional<std::string>(std::move(value));
}

Result<int64_t> EmbeddedLog::ApplyRetention(TimeMs now) {
  if (options_.read_only) return Err(FailedPrecondition("embedded log " + path_ + " is open read-only"));
  std::vector<std::pair<std::string, TopicOptions>> topics;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, meta] : topics_) {
      const TopicOptions& o = meta.options;
      if (!o.compacted && (o.retention_ms >= 0 || o.retention_bytes >= 0)) topics.emplace_back(name, o);
    }
  }
  int64_t deleted = 0;
  for (const auto& [name, o] : topics) {
    for (int p = 0; p < o.partitions; ++p) {
      struct Batch {
        std::string key;
        int64_t bytes;
        TimeMs time;
      };
      std::vector<Batch> batches;
      int64_t total = 0;
      const std::string prefix = PartitionPrefix(name, p);
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        ASSIGN_OR_RETURN(BatchHeader h, DecodeBatchHeader(it->value().ToStringView()));
        batches.push_back({it->key().ToString(), static_cast<int64_t>(it->value().size()), h.append_time});
        total += batches.back().bytes;
      }
      RETURN_IF_ERROR(FromRocks(it->status(), "scanning for retention"));
      size_t keep = 0;  // index of the first batch kept; the newest is always kept
      while (keep + 1 < batches.size() &&
             ((o.retention_ms >= 0 && batches[keep].time < now - o.retention_ms) ||
              (o.retention_bytes >= 0 && total > o.retention_bytes))) {
        total -= batches[keep].bytes;
        ++keep;
      }
      if (keep == 0) continue;
      rocksdb::WriteOptions wo;
      wo.sync = true;
      RETURN_IF_ERROR(FromRocks(
          db_->DeleteRange(wo, db_->DefaultColumnFamily(), batches[0].key, batches[keep].key),
          "deleting expired batches"));
      deleted += static_cast<int64_t>(keep);
      std::lock_guard lock(mu_);
      topics_.find(name)->second.start[p] = BaseOffsetOf(batches[keep].key);
    }
  }
  return deleted;
}

void EmbeddedLog::Background() {
  const auto tick = std::chrono::milliseconds(options_.fsync_interval > 0 ? options_.fsync_interval : 1000);
  auto next_retention = std::chrono::steady_clock::now() + std::chrono::milliseconds(kRetentionEveryMs);
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_background_.wait_for(lock, tick);
    if (stop_) break;
    if (dirty_) {
      dirty_ = false;
      lock.unlock();
      (void)db_->FlushWAL(true);
      lock.lock();
    }
    if (std::chrono::steady_clock::now() >= next_retention) {
      next_retention += std::chrono::milliseconds(kRetentionEveryMs);
      lock.unlock();
      (void)ApplyRetention(NowMs());
      lock.lock();
    }
  }
}

}  // namespace logstream
