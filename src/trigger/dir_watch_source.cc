#include "src/trigger/dir_watch_source.h"

#include "src/base/redact.h"

#include <cstdio>

#include <dirent.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace logstream {
namespace {

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                IN_ONLYDIR | IN_DONT_FOLLOW;

std::string Child(const std::string& rel_dir, std::string_view name) {
  return rel_dir.empty() ? std::string(name) : rel_dir + "/" + std::string(name);
}

}  // namespace

bool IsWatchedKey(std::string_view key) {
  if (key.empty()) return false;
  size_t start = 0;
  while (true) {
    if (start < key.size() && key[start] == '.') return false;
    const size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

DirWatchSource::DirWatchSource(ObjectStore* store, DirWatchOptions options, std::string root)
    : store_(store), options_(std::move(options)), root_(std::move(root)), bucket_(store->Bucket()) {}

DirWatchSource::~DirWatchSource() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

Result<std::unique_ptr<DirWatchSource>> DirWatchSource::Open(ObjectStore* store,
                                                             DirWatchOptions options) {
  std::string root = options.dir;
  if (root.empty()) {
    const std::string url = store->Url();
    constexpr std::string_view kScheme = "file://";
    if (!url.starts_with(kScheme)) {
      return Err(InvalidArgument("the directory watcher needs a file:// bucket, not " + url +
                                 "; use an S3 event source (webhook, SQS, list polling) for it"));
    }
    root = url.substr(kScheme.size());
  }
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) {
    if (errno == ENOENT) return Err(NotFound("bucket directory " + root + " does not exist"));
    return Err(ErrnoError("stat bucket directory", root, errno));
  }
  if (!S_ISDIR(st.st_mode)) return Err(InvalidArgument("bucket path " + root + " is not a directory"));
  if (options.max_batch == 0) options.max_batch = 1;

  std::unique_ptr<DirWatchSource> source(new DirWatchSource(store, std::move(options), root));
  if (!source->options_.once) {
    source->inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (source->inotify_fd_ < 0) return Err(ErrnoError("inotify_init1 for", root, errno));
    RETURN_IF_ERROR(source->WatchTree(""));
  }
  RETURN_IF_ERROR(source->List(""));
  return source;
}

Status DirWatchSource::WatchTree(const std::string& rel_dir) {
  const std::string path = rel_dir.empty() ? root_ : root_ + "/" + rel_dir;
  const int wd = ::inotify_add_watch(inotify_fd_, path.c_str(), kWatchMask);
  if (wd < 0) {
    // Gone again, or replaced by a file/symlink: nothing to watch.
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    if (errno == ENOSPC) {
      return IoError("cannot watch " + path +
                     ": the inotify watch limit is reached; raise fs.inotify.max_user_watches "
                     "(sysctl) or use list polling");
    }
    return ErrnoError("inotify_add_watch", path, errno);
  }
  dirs_[wd] = rel_dir;  // a directory moved inside the tree keeps its wd: update its path

  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return ErrnoError("open directory", path, errno);
  }
  std::vector<std::string> subdirs;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;  // ".", ".." and hidden names
    bool is_dir = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st;
      const std::string child = path + "/" + entry->d_name;
      is_dir = ::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) subdirs.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  for (const std::string& name : subdirs) RETURN_IF_ERROR(WatchTree(Child(rel_dir, name)));
  return Status::Ok();
}

Status DirWatchSource::List(const std::string& prefix) {
  ++stats_.listings;
  std::string after;
  uint64_t hidden = 0;
  std::string first_hidden;
  while (true) {
    ASSIGN_OR_RETURN(ListResult page, store_->List(prefix, after));
    for (ObjectInfo& info : page.objects) {
      after = info.key;
      if (!IsWatchedKey(info.key)) {
        ++stats_.ignored_names;
        if (hidden++ == 0) first_hidden = info.key;
        continue;
      }
      std::string key = info.key;
      pending_.insert_or_assign(std::move(key), std::move(info));
    }
    if (!page.truncated || page.objects.empty()) break;
  }
  if (hidden > 0) {
    // Hidden names are uploaders' and editors' temporaries: never ingested, but said.
    std::fprintf(stderr,
                 "logstream: bucket %s: skipped %llu hidden object(s) (a name or directory starting "
                 "with '.', e.g. %s)\n",
                 root_.c_str(), static_cast<unsigned long long>(hidden), Printable(first_hidden).c_str());
  }
  return Status::Ok();
}

Status DirWatchSource::DrainInotify() {
  alignas(struct inotify_event) char buf[64 * 1024];
  bool relist_all = false;
  while (true) {
    const ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return ErrnoError("read inotify events of", root_, errno);
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        ++stats_.overflows;
        relist_all = true;
        continue;
      }
      if (ev->mask & IN_IGNORED) {  // the directory is gone
        const auto gone = dirs_.find(ev->wd);
        if (gone != dirs_.end() && gone->second.empty()) {
          dirs_.erase(gone);
          return FailedPrecondition("bucket directory " + root_ +
                                    " was removed or unmounted; recreate it and restart");
        }
        if (gone != dirs_.end()) dirs_.erase(gone);
        continue;
      }
      const auto dir = dirs_.find(ev->wd);
      if (dir == dirs_.end() || ev->len == 0 || ev->name[0] == '\0') continue;
      const std::string_view name(ev->name);
      if (name.front() == '.') {
        ++stats_.ignored_names;
        continue;
      }
      const std::string rel = Child(dir->second, name);
      if (ev->mask & IN_ISDIR) {
        if (ev->mask & IN_MOVED_FROM) {
          relist_all = true;  // paths under it changed: re-map every watch
        } else if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
          // Watch first, then list: whatever was created in the new directory
          // before the watch existed is found by the listing.
          RETURN_IF_ERROR(WatchTree(rel));
          RETURN_IF_ERROR(List(rel + "/"));
        }
      } else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
        pending_.insert_or_assign(rel, std::nullopt);
      }
    }
  }
  if (relist_all) {
    RETURN_IF_ERROR(WatchTree(""));
    RETURN_IF_ERROR(List(""));
  }
  return Status::Ok();
}

Result<std::vector<ObjectEvent>> DirWatchSource::TakeBatch() {
  std::vector<ObjectEvent> out;
  for (auto it = pending_.begin(); it != pending_.end() && out.size() < options_.max_batch;) {
    if (!it->second) {
      auto info = store_->Head(it->first);
      if (!info) {
        if (info.error().code() == StatusCode::kNotFound) {  // replaced or deleted since
          it = pending_.erase(it);
          continue;
        }
        if (!out.empty()) break;  // hand out what is ready; the error comes next time
        Status s = info.error().WithContext("new object " + it->first + " in " + root_);
        if (s.code() != StatusCode::kUnavailable) pending_.erase(it);
        return Err(std::move(s));
      }
      it->second = std::move(*info);
    }
    const ObjectInfo& info = *it->second;
    auto [seen, inserted] = handed_out_.try_emplace(it->first, info.etag);
    if (!inserted && seen->second == info.etag) {
      ++stats_.duplicates;
    } else {
      seen->second = info.etag;
      out.push_back(ObjectEvent{"ObjectCreated:Put", bucket_, it->first, info.size, info.etag,
                                info.mtime});
    }
    it = pending_.erase(it);
  }
  stats_.events += out.size();
  return out;
}

Result<std::vector<ObjectEvent>> DirWatchSource::Poll(TimeMs max_wait) {
  if (inotify_fd_ >= 0) {
    if (pending_.empty() && max_wait > 0) {
      pollfd pfd{inotify_fd_, POLLIN, 0};
      const int timeout = max_wait > INT32_MAX ? INT32_MAX : static_cast<int>(max_wait);
      if (::poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
        return Err(ErrnoError("poll inotify of", root_, errno));
      }
    }
    RETURN_IF_ERROR(DrainInotify());
  }
  return TakeBatch();
}

}  // namespace logstream
