#include "src/store/dir_store.h"

#include "src/base/redact.h"

#include <cstdio>

#include <dirent.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <random>
#include <vector>

#include "src/store/md5.h"
#include "src/store/range.h"

namespace logstream {
namespace {

constexpr char kEtagXattr[] = "user.logstream.md5";

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string XattrValue(const struct stat& st, std::string_view md5) {
  return std::to_string(st.st_size) + " " + std::to_string(MtimeNs(st)) + " " + std::string(md5);
}

std::string RandomHex() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  uint64_t v = rng();
  for (char& c : s) {
    c = kHex[v & 0xf];
    v >>= 4;
  }
  return s;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

std::string_view ParentOf(std::string_view path) { return path.substr(0, path.rfind('/')); }

// Streams [pos, end) of an open file with pread; owns the descriptor. The
// descriptor pins the inode, so a concurrent replace of the key is invisible.
class FileReader : public ObjectReader {
 public:
  FileReader(Fd fd, std::string path, uint64_t begin, uint64_t end)
      : fd_(std::move(fd)), path_(std::move(path)), pos_(begin), end_(end) {}

  Result<size_t> Read(char* buf, size_t n) override {
    n = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
    while (n > 0) {
      const ssize_t k = ::pread(fd_.get(), buf, n, static_cast<off_t>(pos_));
      if (k < 0) {
        if (errno == EINTR) continue;
        return Err(ErrnoError("read", path_, errno));
      }
      if (k == 0) {
        return Err(DataLoss("object file " + path_ + " ended at byte " + std::to_string(pos_) +
                            ", before its recorded size; it was truncated in place"));
      }
      pos_ += static_cast<uint64_t>(k);
      return static_cast<size_t>(k);
    }
    return size_t{0};
  }

 private:
  Fd fd_;
  std::string path_;
  uint64_t pos_;
  uint64_t end_;
};

// A FIFO, socket or device where an object should be: never opened for
// reading (a FIFO would block), so ingest dead-letters it instead of hanging.
Status NotRegular(std::string_view key) {
  return FailedPrecondition("object " + std::string(key) +
                            " is not a regular file (a FIFO, socket or device): refused");
}

Status NotFoundKey(std::string_view key, const std::string& url) {
  return NotFound("object " + std::string(key) + " does not exist in " + url);
}

// The object's file, opened without following links and without blocking
// (a FIFO would), and its stat; only regular files are objects.
Result<std::pair<Fd, struct stat>> OpenObject(std::string_view key, const std::string& path,
                                              const std::string& url) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ELOOP) {
      return Err(FailedPrecondition("object " + std::string(key) +
                                    " is a symbolic link: never followed (it could point outside the bucket)"));
    }
    if (errno == ENOENT || errno == ENOTDIR) return Err(NotFoundKey(key, url));
    return Err(ErrnoError("open", path, errno));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Err(ErrnoError("stat", path, errno));
  if (S_ISDIR(st.st_mode)) return Err(NotFoundKey(key, url));
  if (!S_ISREG(st.st_mode)) return Err(NotRegular(key));
  return std::pair<Fd, struct stat>(std::move(fd), st);
}


Status NameTooLong(std::string_view key) {
  return InvalidArgument("object key " + std::string(key) +
                         " has a segment longer than a file name may be on this file system "
                         "(usually 255 bytes); shorten it to store it in a directory bucket");
}

}  // namespace

struct DirStore::ListState {
  std::string_view prefix;
  std::string_view start_after;
  size_t max_keys;
  ListResult result;
  bool done = false;
};

Result<std::unique_ptr<DirStore>> DirStore::Open(std::string_view path) {
  if (path.empty()) return Err(InvalidArgument("empty bucket directory path"));
  std::error_code ec;
  const std::filesystem::path p(path);
  std::filesystem::create_directories(p, ec);
  if (ec) {
    return Err(IoError("cannot create bucket directory " + std::string(path) + ": " + ec.message()));
  }
  const std::filesystem::path canon = std::filesystem::canonical(p, ec);
  if (ec) return Err(IoError("cannot resolve bucket directory " + std::string(path) + ": " + ec.message()));
  if (!std::filesystem::is_directory(canon)) {
    return Err(InvalidArgument("bucket path " + std::string(path) + " is not a directory"));
  }
  return std::unique_ptr<DirStore>(new DirStore(canon.string()));
}

std::string DirStore::Url() const { return "file://" + root_; }

std::string DirStore::Bucket() const {
  const std::string name = std::filesystem::path(root_).filename().string();
  return name.empty() ? "root" : name;
}

std::string DirStore::PathOf(std::string_view key) const {
  std::string path = root_;
  if (path != "/") path += '/';
  path += key;
  return path;
}

Status DirStore::CheckKey(std::string_view key) const {
  RETURN_IF_ERROR(ValidateKey(key));
  const std::string_view base = key.substr(key.rfind('/') + 1);
  if (base.starts_with(kTempPrefix)) {
    return InvalidArgument("bad object key \"" + std::string(key) + "\": names starting with \"" +
                           std::string(kTempPrefix) + "\" are reserved for temporary files of " + Url());
  }
  return Status::Ok();
}

Result<int> DirStore::OpenParentDir(std::string_view key, bool create) const {
  Fd dir(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return Err(ErrnoError("open bucket directory", root_, errno));
  size_t start = 0;
  for (size_t slash = key.find('/'); slash != std::string_view::npos;
       start = slash + 1, slash = key.find('/', start)) {
    const std::string seg(key.substr(start, slash - start));
    if (create && ::mkdirat(dir.get(), seg.c_str(), 0755) != 0 && errno != EEXIST) {
      if (errno == ENAMETOOLONG) return Err(NameTooLong(key));
      return Err(ErrnoError("create directory", PathOf(key.substr(0, slash)), errno));
    }
    Fd sub(::openat(dir.get(), seg.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (sub.get() < 0) {
      int err = errno;
      const std::string path = PathOf(key.substr(0, slash));
      struct stat st;
      // O_NOFOLLOW | O_DIRECTORY on a link fails with ENOTDIR, not ELOOP.
      if (err == ENOTDIR && ::fstatat(dir.get(), seg.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        err = ELOOP;
      }
      if (err == ENOENT && !create) return Err(NotFoundKey(key, Url()));
      if (err == ELOOP) {
        return Err(InvalidArgument("object key " + std::string(key) + " passes through the symbolic link " +
                                   path + "; a directory bucket does not follow links, so nothing is "
                                   "ever written outside " + root_));
      }
      if (err == ENOTDIR) {
        return Err(FailedPrecondition("object key " + std::string(key) + " needs " + path +
                                      " to be a directory, but it is an object (a directory bucket "
                                      "cannot hold both a key and keys below it)"));
      }
      return Err(ErrnoError("open directory", path, err));
    }
    dir = std::move(sub);
  }
  return dir.release();
}

std::optional<std::string> DirStore::CachedEtagOf(const std::string& path, const struct stat& st) {
  std::lock_guard lock(mu_);
  auto it = etags_.find(path);
  if (it != etags_.end() && it->second.ino == st.st_ino &&
      it->second.size == static_cast<uint64_t>(st.st_size) && it->second.mtime_ns == MtimeNs(st)) {
    return it->second.etag;
  }
  return std::nullopt;
}

Result<std::string> DirStore::Etag(int fd, const struct stat& st, const std::string& path) {
  if (auto cached = CachedEtagOf(path, st)) return *std::move(cached);
  std::string etag;
  char buf[128];
  const ssize_t n = ::fgetxattr(fd, kEtagXattr, buf, sizeof buf);
  const std::string prefix = XattrValue(st, "");
  if (n > 0 && std::string_view(buf, n).starts_with(prefix) &&
      static_cast<size_t>(n) == prefix.size() + 32) {
    etag.assign(buf + prefix.size(), 32);
  } else {
    Md5 md5;
    std::vector<char> chunk(1 << 20);
    uint64_t pos = 0;
    while (true) {
      const ssize_t k = ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(pos));
      if (k < 0) {
        if (errno == EINTR) continue;
        return Err(ErrnoError("read", path, errno));
      }
      if (k == 0) break;
      md5.Update({chunk.data(), static_cast<size_t>(k)});
      pos += static_cast<uint64_t>(k);
    }
    etag = md5.HexDigest();
    // Best effort: the file system may lack xattrs, or the file be read-only.
    const std::string value = XattrValue(st, etag);
    (void)::fsetxattr(fd, kEtagXattr, value.data(), value.size(), 0);
  }
  std::lock_guard lock(mu_);
  etags_[path] = CachedEtag{st.st_ino, static_cast<uint64_t>(st.st_size), MtimeNs(st), etag};
  return etag;
}

Result<ObjectInfo> DirStore::InfoOf(int fd, const struct stat& st, const std::string& path,
                                    std::string key) {
  ASSIGN_OR_RETURN(std::string etag, Etag(fd, st, path));
  return ObjectInfo{std::move(key), static_cast<uint64_t>(st.st_size), std::move(etag),
                    MtimeNs(st) / 1'000'000};
}

Result<PutResult> DirStore::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(CheckKey(key));
  const std::string path = PathOf(key);
  const std::string dir(ParentOf(path));
  std::string etag = Md5Hex(data);

  // Identical content already published: nothing to do.
  {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat st;
    if (fd.get() >= 0 && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<uint64_t>(st.st_size) == data.size()) {
      auto existing = Etag(fd.get(), st, path);
      if (existing && *existing == etag) return PutResult{std::move(etag), false};
    }
  }

  ASSIGN_OR_RETURN(const int dir_raw, OpenParentDir(key, /*create=*/true));
  Fd dir_fd(dir_raw);
  const std::string_view base = key.substr(key.rfind('/') + 1);
  const std::string tmp_name = std::string(kTempPrefix) + RandomHex();
  const std::string tmp = dir + "/" + tmp_name;
  Fd fd(::openat(dir_fd.get(), tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Err(ErrnoError("create temporary file", tmp, errno));
  Status s = WriteAll(fd.get(), data, tmp);
  struct stat st;
  if (s.ok() && ::fsync(fd.get()) != 0) s = ErrnoError("fsync", tmp, errno);
  if (s.ok() && ::fstat(fd.get(), &st) != 0) s = ErrnoError("stat", tmp, errno);
  if (s.ok()) {
    const std::string value = XattrValue(st, etag);
    (void)::fsetxattr(fd.get(), kEtagXattr, value.data(), value.size(), 0);  // best effort
    if (::renameat(dir_fd.get(), tmp_name.c_str(), dir_fd.get(), std::string(base).c_str()) != 0) {
      const int err = errno;
      s = err == EISDIR || err == ENOTEMPTY || err == EEXIST
              ? FailedPrecondition("cannot publish object " + std::string(key) + ": " + path +
                                   " is a directory (a directory bucket cannot hold both a key "
                                   "and keys below it)")
              : err == ENAMETOOLONG ? NameTooLong(key) : ErrnoError("rename to", path, err);
    }
  }
  if (!s.ok()) {
    ::unlinkat(dir_fd.get(), tmp_name.c_str(), 0);
    return Err(std::move(s));
  }
  {
    std::lock_guard lock(mu_);
    etags_[path] = CachedEtag{st.st_ino, static_cast<uint64_t>(st.st_size), MtimeNs(st), etag};
  }
  if (::fsync(dir_fd.get()) != 0) return Err(ErrnoError("fsync directory", dir, errno));
  return PutResult{std::move(etag), true};
}

Result<std::unique_ptr<ObjectReader>> DirStore::Get(std::string_view key, uint64_t offset,
                                                    std::optional<uint64_t> length) {
  RETURN_IF_ERROR(CheckKey(key));
  const std::string path = PathOf(key);
  ASSIGN_OR_RETURN(auto opened, OpenObject(key, path, Url()));
  auto& [fd, st] = opened;
  ASSIGN_OR_RETURN(ByteRange range, ResolveRange(key, static_cast<uint64_t>(st.st_size), offset, length));
  return std::make_unique<FileReader>(std::move(fd), path, range.begin, range.end);
}

Result<ObjectInfo> DirStore::Head(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  const std::string path = PathOf(key);
  ASSIGN_OR_RETURN(auto opened, OpenObject(key, path, Url()));
  return InfoOf(opened.first.get(), opened.second, path, std::string(key));
}

Status DirStore::Walk(int dir_fd, std::string& rel, ListState& state) {
  // Entries sorted as keys sort: a directory d holds keys "d/...".
  struct Entry {
    std::string sort_name;  // name, plus '/' for directories
    bool is_dir;
  };
  std::vector<Entry> entries;
  {
    DIR* d = ::fdopendir(::dup(dir_fd));
    if (d == nullptr) return ErrnoError("open directory", root_ + "/" + rel, errno);
    while (struct dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_DIR) {
        entries.push_back({std::string(name) + "/", true});
      } else if (type == DT_REG) {
        entries.push_back({std::string(name), false});
      } else {
        ReportSkip(rel + std::string(name), type == DT_LNK ? "a symbolic link (never followed)"
                                                            : "not a regular file (a FIFO, socket or "
                                                              "device is never opened)");
      }
    }
    ::closedir(d);
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.sort_name < b.sort_name; });

  const size_t rel_len = rel.size();
  for (const Entry& e : entries) {
    rel.resize(rel_len);
    rel += e.sort_name;
    if (e.is_dir) {
      // rel ends with '/': every key below starts with rel.
      const bool prefix_ok = rel.starts_with(state.prefix) || state.prefix.starts_with(rel);
      const bool after_ok = rel > state.start_after || state.start_after.starts_with(rel);
      if (!prefix_ok || !after_ok) continue;
      const std::string_view name = std::string_view(e.sort_name).substr(0, e.sort_name.size() - 1);
      Fd sub(::openat(dir_fd, std::string(name).c_str(),
                      O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
      if (sub.get() < 0) {
        if (errno == ENOENT) continue;  // deleted meanwhile
        return ErrnoError("open directory", root_ + "/" + rel, errno);
      }
      RETURN_IF_ERROR(Walk(sub.get(), rel, state));
      if (state.done) return Status::Ok();
      continue;
    }
    if (!rel.starts_with(state.prefix) || rel <= state.start_after) continue;
    if (Status valid = ValidateKey(rel); !valid.ok()) {  // a file no key can name
      ReportSkip(rel, valid.message());
      continue;
    }
    if (state.result.objects.size() == state.max_keys) {
      state.result.truncated = true;
      state.done = true;
      return Status::Ok();
    }
    struct stat st;
    if (::fstatat(dir_fd, e.sort_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
      continue;  // deleted or replaced meanwhile
    }
    const std::string path = PathOf(rel);
    std::optional<std::string> etag = CachedEtagOf(path, st);
    if (!etag) {  // read the xattr or the content
      Fd fd(::openat(dir_fd, e.sort_name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
      if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
        if (fd.get() < 0 && errno != ENOENT) return ErrnoError("open", path, errno);
        continue;
      }
      ASSIGN_OR_RETURN(etag, Etag(fd.get(), st, path));
    }
    ObjectInfo info{rel, static_cast<uint64_t>(st.st_size), *std::move(etag), MtimeNs(st) / 1'000'000};
    state.result.objects.push_back(std::move(info));
  }
  rel.resize(rel_len);
  return Status::Ok();
}

void DirStore::ReportSkip(const std::string& rel, std::string_view why) {
  std::lock_guard lock(mu_);
  ++skipped_;
  if (reported_skips_.size() >= kMaxReportedSkips || !reported_skips_.insert(rel).second) return;
  const std::string shown = Printable(rel, 300);  // untrusted: no control characters
  std::fprintf(stderr, "logstream: bucket %s: skipped %s: %s (skips so far: %llu)\n", root_.c_str(),
               shown.c_str(), std::string(why).c_str(), static_cast<unsigned long long>(skipped_));
}

Result<ListResult> DirStore::List(std::string_view prefix, std::string_view start_after,
                                  size_t max_keys) {
  Fd root(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return Err(ErrnoError("open bucket directory", root_, errno));
  ListState state{prefix, start_after, max_keys, {}, false};
  std::string rel;
  RETURN_IF_ERROR(Walk(root.get(), rel, state));
  return std::move(state.result);
}

Status DirStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(CheckKey(key));
  auto dir_fd = OpenParentDir(key, /*create=*/false);
  if (!dir_fd) {
    // No parent directory (or an object where one would be): no object.
    const StatusCode code = dir_fd.error().code();
    return code == StatusCode::kNotFound || code == StatusCode::kFailedPrecondition
               ? Status::Ok()
               : dir_fd.error();
  }
  Fd dir(*dir_fd);
  const std::string path = PathOf(key);
  const std::string base(key.substr(key.rfind('/') + 1));
  if (::unlinkat(dir.get(), base.c_str(), 0) != 0 && errno != ENOENT && errno != EISDIR) {
    return ErrnoError("delete", path, errno);
  }
  std::lock_guard lock(mu_);
  etags_.erase(path);
  return Status::Ok();
}

}  // namespace logstream
