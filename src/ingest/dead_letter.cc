#include "src/ingest/dead_letter.h"

#include "src/base/json_string.h"

namespace logstream {

// A dead-letter entry: where the line was, why it failed, and its first
// 64 KiB.
std::string DeadLetterJson(std::string_view source, std::string_view object, uint64_t offset,
                           std::string_view reason, std::string_view raw) {
  std::string v = "{\"source\":";
  AppendJsonString(source, &v);
  v += ",\"object\":";
  AppendJsonString(object, &v);
  v += ",\"offset\":" + std::to_string(offset) + ",\"reason\":";
  AppendJsonString(reason, &v);
  v += ",\"raw\":";
  AppendJsonString(raw.substr(0, 64 * 1024), &v);
  v += "}";
  return v;
}

// What the dashboard's dead-letter feed keeps of one: its kind, reason and
// place, and the head of the line.
std::string FeedEntry(DeadKind kind, std::string_view source, std::string_view object, uint64_t offset,
                      std::string_view reason, std::string_view raw) {
  std::string v = "{\"kind\":\"" + std::string(kDeadKindNames[kind]) + "\",\"reason\":";
  AppendJsonString(reason.substr(0, 512), &v);
  v += ",\"source\":";
  AppendJsonString(source, &v);
  v += ",\"object\":";
  AppendJsonString(object, &v);
  v += ",\"offset\":" + std::to_string(offset) + ",\"line\":";
  AppendJsonString(raw.substr(0, 1024), &v);
  v += "}";
  return v;
}

IngestMetrics& IngestMetrics::Get() {
  static IngestMetrics m;
  return m;
}

}  // namespace logstream
