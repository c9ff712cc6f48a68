#include "src/notify/topic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

namespace logstream {
namespace {

// State value: "LENGTH OFFSET0 OFFSET1 ...".
std::string EncodeState(uint64_t length, const std::vector<int64_t>& offsets) {
  std::string s = std::to_string(length);
  for (int64_t o : offsets) s += " " + std::to_string(o);
  return s;
}

}  // namespace

TopicFile::TopicFile(Log& log, std::string topic, std::string path, std::string name,
                     OnLine on_line)
    : log_(log),
      topic_(std::move(topic)),
      path_(std::move(path)),
      name_(std::move(name)),
      on_line_(std::move(on_line)) {}

TopicFile::~TopicFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status TopicFile::Init() {
  TopicOptions state;
  state.compacted = true;
  RETURN_IF_ERROR(log_.EnsureTopic(kSinkStateTopic, state));
  ASSIGN_OR_RETURN(TopicInfo info, log_.DescribeTopic(topic_));
  offsets_.assign(info.partitions, 0);
  length_ = 0;
  ASSIGN_OR_RETURN(auto saved, log_.GetState(kSinkStateTopic, name_));
  if (saved) {
    std::istringstream in(*saved);
    in >> length_;
    for (int64_t& o : offsets_) in >> o;
    if (in.fail()) return DataLoss("bad sink state for " + name_ + ": '" + *saved + "'");
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return ErrnoError("open", path_, errno);
  off_t size = ::lseek(fd_, 0, SEEK_END);
  if (size < 0) return ErrnoError("seek", path_, errno);
  if (static_cast<uint64_t>(size) < length_) {
    return DataLoss(path_ + " is shorter (" + std::to_string(size) +
                    " bytes) than its committed length " + std::to_string(length_) +
                    ": it was truncated by someone else; move it away to rebuild it");
  }
  // Cut back whatever was written after the last commit.
  if (::ftruncate(fd_, static_cast<off_t>(length_)) != 0) return ErrnoError("truncate", path_, errno);
  if (::lseek(fd_, static_cast<off_t>(length_), SEEK_SET) < 0) return ErrnoError("seek", path_, errno);
  return Status::Ok();
}

Result<size_t> TopicFile::Poll(TimeMs max_wait) {
  std::string out;
  std::vector<int64_t> next = offsets_;
  size_t n = 0;
  for (size_t p = 0; p < next.size(); ++p) {
    ASSIGN_OR_RETURN(auto records, log_.Read(topic_, static_cast<int>(p), next[p], 10000,
                                             next.size() == 1 ? max_wait : 0));
    for (const auto& r : records) {
      out += r.value;
      out += '\n';
      next[p] = r.offset + 1;
      if (on_line_) on_line_(r.value);
      ++n;
    }
  }
  if (n == 0) return n;
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t w = ::write(fd_, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Err(ErrnoError("write", path_, errno));
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  if (::fdatasync(fd_) != 0) return Err(ErrnoError("fsync", path_, errno));
  ASSIGN_OR_RETURN(auto txn, log_.Begin("sink-" + name_));
  uint64_t length = length_ + out.size();
  RETURN_IF_ERROR(txn->Put(kSinkStateTopic, name_, EncodeState(length, next)));
  RETURN_IF_ERROR(txn->Commit());
  length_ = length;
  offsets_ = std::move(next);
  return n;
}

}  // namespace logstream
