// Ingest's dead letters: why a line or an object became one (as the
// metrics label it), the entry written to the dead-letter topic and the one
// the dashboard's feed keeps; and ingest's metrics, declared once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/metrics/metrics.h"

namespace logstream {

// Why a line or an object became a dead letter, as the metrics label it
// (a bounded set; the dead letter itself says more).
enum DeadKind : size_t {
  kDeadUnparsable,      // a line that starts no record the format can parse
  kDeadNoRecordAbove,   // a continuation line with no record above it
  kDeadMultilineBound,  // a line past [ingest] multiline_max_lines/bytes
  kDeadLineTooLong,     // longer than [ingest] max_line_bytes
  kDeadObjectUnreadable,
  kDeadObjectMissing,
  kDeadObjectChanged,
  kDeadSummary,  // the entry that counts what max_dead_letters held back
  kDeadKinds
};
inline constexpr std::string_view kDeadKindNames[kDeadKinds] = {
    "unparsable",        "no_record_above", "multiline_bound", "line_too_long",
    "object_unreadable", "object_missing",  "object_changed",  "summary"};

// A dead-letter entry: where the line was, why it failed, and its first
// 64 KiB.
std::string DeadLetterJson(std::string_view source, std::string_view object, uint64_t offset,
                           std::string_view reason, std::string_view raw);

// What the dashboard's dead-letter feed keeps of one: its kind, reason and
// place, and the head of the line.
std::string FeedEntry(DeadKind kind, std::string_view source, std::string_view object, uint64_t offset,
                      std::string_view reason, std::string_view raw);

// Ingest's metrics (metrics.h), declared once.
struct IngestMetrics {
  metrics::Registry& r = metrics::Default();
  metrics::Counter& objects = r.CounterFamily("logstream_ingest_objects_total", "objects fully ingested").Get();
  metrics::Counter& duplicates = r.CounterFamily("logstream_ingest_duplicate_events_total",
                                                 "events for objects already ingested (skipped)")
                                     .Get();
  metrics::Counter& failed =
      r.CounterFamily("logstream_ingest_failed_objects_total", "objects that could not be read").Get();
  metrics::Counter& lines = r.CounterFamily("logstream_ingest_lines_total",
                                            "lines read from objects, dead-lettered or not")
                                .Get();
  metrics::Counter& records =
      r.CounterFamily("logstream_ingest_records_total", "records appended to `logs`").Get();
  metrics::Counter& bytes =
      r.CounterFamily("logstream_ingest_read_bytes_total", "bytes of objects read, decompressed").Get();
  metrics::Counter& object_bytes = r.CounterFamily("logstream_ingest_object_bytes_total",
                                                   "bytes of objects ingested as stored (compressed)")
                                       .Get();
  metrics::Family<metrics::Counter>& dead =
      r.CounterFamily("logstream_ingest_dead_letters_total", "lines and objects dead-lettered, by reason",
                      {"reason"});
  metrics::Counter& commits = r.CounterFamily("logstream_ingest_commits_total", "transactions committed").Get();
  metrics::Histogram& commit_seconds =
      r.HistogramFamily("logstream_ingest_commit_duration_seconds", "time to commit a transaction").Get();
  metrics::Histogram& object_seconds = r.HistogramFamily("logstream_ingest_object_duration_seconds",
                                                         "time to read, parse and append one object")
                                           .Get();
  metrics::Histogram& object_latency =
      r.HistogramFamily("logstream_ingest_object_latency_seconds",
                        "from an object's event time (its publication) to the commit of its records")
          .Get();

  static IngestMetrics& Get();
};

}  // namespace logstream
