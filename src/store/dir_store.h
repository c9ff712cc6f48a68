// DirStore: the directory bucket. Object KEY is the file ROOT/KEY; the bucket
// name is ROOT's base name. Opened by OpenStore for "file:///abs/path" URLs and
// plain paths.
//
// - Put is atomic: the data goes to a hidden temporary file in the target
//   directory (".tmp-<random>", never ending in .log/.gz/.zst), is fsynced, and
//   is renamed over KEY; the directory is fsynced. Readers see the old or the
//   new object, never a part. Identical content over an existing object is a
//   no-op (created = false).
// - The etag is the content's MD5 (hex). It is cached in the xattr
//   "user.logstream.md5" (valid while size and mtime match) and in memory, and
//   computed from the file when neither cache is valid.
// - List walks the tree in byte-wise key order, skipping subtrees that cannot
//   hold keys with the prefix or after start_after. Hidden temporary files and
//   symbolic links are not objects.
// - Nothing is written outside ROOT: keys are validated, and Put and Delete
//   walk the key's directories without following symbolic links (a key that
//   passes through one is refused with InvalidArgument).
// - A directory cannot hold both KEY and KEY/...: such a Put fails with
//   FailedPrecondition. Keys whose last segment starts with ".tmp-" are
//   reserved for temporary files and refused.
//
// Thread-safe; several processes may share one bucket directory.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <string>

#include <sys/stat.h>

#include "src/store/object_store.h"

namespace logstream {

class DirStore : public ObjectStore {
 public:
  // Opens (creating it and its parents if missing) the bucket directory at
  // path, absolute or relative to the working directory.
  static Result<std::unique_ptr<DirStore>> Open(std::string_view path);

  std::string Url() const override;
  std::string Bucket() const override;
  Result<PutResult> Put(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectReader>> Get(std::string_view key, uint64_t offset = 0,
                                            std::optional<uint64_t> length = std::nullopt) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListResult> List(std::string_view prefix, std::string_view start_after = {},
                          size_t max_keys = 1000) override;
  Status Delete(std::string_view key) override;

  // The bucket directory (absolute, symlinks resolved).
  const std::string& root() const { return root_; }

  // Prefix of temporary file names; such files are never listed.
  static constexpr std::string_view kTempPrefix = ".tmp-";

 private:
  explicit DirStore(std::string root) : root_(std::move(root)) {}

  struct CachedEtag {
    uint64_t ino = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    std::string etag;
  };
  struct ListState;

  std::string PathOf(std::string_view key) const;
  Status CheckKey(std::string_view key) const;
  // Opens the directory that holds key (creating missing ones if create),
  // never following a symbolic link; returns a descriptor the caller closes.
  Result<int> OpenParentDir(std::string_view key, bool create) const;
  // The etag cached in memory for path if it is still valid for *st.
  std::optional<std::string> CachedEtagOf(const std::string& path, const struct stat& st);
  // The MD5 hex of the open regular file fd (whose stat is *st) at path.
  Result<std::string> Etag(int fd, const struct stat& st, const std::string& path);
  Result<ObjectInfo> InfoOf(int fd, const struct stat& st, const std::string& path,
                            std::string key);
  Status Walk(int dir_fd, std::string& rel, ListState& state);
  // Counts an entry a listing leaves out and says why on stderr, once per
  // entry (up to kMaxReportedSkips entries).
  void ReportSkip(const std::string& rel, std::string_view why);

  const std::string root_;
  std::mutex mu_;
  std::map<std::string, CachedEtag, std::less<>> etags_;  // by path, guarded by mu_
  static constexpr size_t kMaxReportedSkips = 10000;
  std::set<std::string> reported_skips_;  // guarded by mu_
  uint64_t skipped_ = 0;                  // guarded by mu_
};

}  // namespace logstream
