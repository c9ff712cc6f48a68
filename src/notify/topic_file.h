// TopicFile: copies a topic into a JSON-lines file exactly once
// (aggregates.jsonl, alerts.jsonl). The file's committed length and the topic
// offset it corresponds to are kept together in a state topic; on start the
// file is cut back to the committed length and the records after the
// committed offset are appended again, so a crash at any moment neither
// loses nor doubles a line. Not thread-safe: one thread drives it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "src/base/status.h"
#include "src/log/log.h"

namespace logstream {

class TopicFile {
 public:
  // Called with each value appended to the file (e.g. to echo alerts).
  using OnLine = std::function<void(std::string_view value)>;

  // `name` identifies this sink in the state topic (e.g. "aggregates.jsonl").
  TopicFile(Log& log, std::string topic, std::string path, std::string name,
            OnLine on_line = nullptr);
  ~TopicFile();

  // Opens the file and restores its committed length.
  Status Init();
  // Appends the records committed since the last call (waiting up to max_wait
  // for some), fsyncs, then commits the new length and offsets. Returns the
  // number of records written.
  Result<size_t> Poll(TimeMs max_wait);

 private:
  Log& log_;
  std::string topic_;
  std::string path_;
  std::string name_;
  OnLine on_line_;
  int fd_ = -1;
  uint64_t length_ = 0;
  std::vector<int64_t> offsets_;  // next offset per partition
};

// The state topic where file sinks record their progress.
inline constexpr std::string_view kSinkStateTopic = "sink-state";

}  // namespace logstream
