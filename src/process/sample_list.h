// SampleList: the first record of each template of a window cell (object,
// offset, time, level and message), kept for the alerts of that window.
// Most cells never alert, yet every template of every cell needs its sample,
// so the fields live in two buffers per cell (entries, and the text of
// objects and messages back to back) instead of two strings per sample: a
// recycled cell adds samples without an allocation, and an object repeated
// from the sample before (one source's records share their object) is not
// copied again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/time.h"
#include "src/process/window_engine.h"
#include "src/record/log_record.h"

namespace logstream {

// A sample's fields where they are kept (an AlertSample, a SampleList).
struct SampleView {
  std::string_view object;
  uint64_t offset = 0;
  TimeMs time = 0;
  Level level = Level::kInfo;
  std::string_view message;

  static SampleView Of(const AlertSample& s) { return {s.object, s.offset, s.time, s.level, s.message}; }
  static SampleView Of(const LogRecordView& v) { return {v.object, v.offset, v.time, v.level, v.message}; }
  AlertSample Copy() const { return {std::string(object), offset, time, level, std::string(message)}; }
};

class SampleList {
 public:
  void Add(const SampleView& s) {
    Entry e{s.offset, s.time, 0, s.object.size(), 0, s.message.size(), s.level};
    if (!entries_.empty() && ObjectOf(entries_.back()) == s.object) {
      e.object_at = entries_.back().object_at;
    } else {
      e.object_at = text_.size();
      text_.append(s.object);
    }
    e.message_at = text_.size();
    text_.append(s.message);
    entries_.push_back(e);
  }

  // Valid until the next Add or clear.
  SampleView operator[](size_t i) const {
    const Entry& e = entries_[i];
    return {ObjectOf(e), e.offset, e.time, e.level, std::string_view(text_).substr(e.message_at, e.message_size)};
  }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Keeps the buffers for the next cell.
  void clear() {
    entries_.clear();
    text_.clear();
  }

 private:
  struct Entry {
    uint64_t offset;
    TimeMs time;
    size_t object_at, object_size;
    size_t message_at, message_size;
    Level level;
  };
  std::string_view ObjectOf(const Entry& e) const {
    return std::string_view(text_).substr(e.object_at, e.object_size);
  }

  std::vector<Entry> entries_;
  std::string text_;
};

}  // namespace logstream
