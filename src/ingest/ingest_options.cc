// The [ingest] table: every option of IngestOptions, declared once.
#include <cstdint>

#include "src/ingest/ingester.h"

namespace logstream {

const opt::Table<IngestOptions>& IngestTable() {
  using O = IngestOptions;
  static const opt::Table<O> table = [] {
    opt::Table<O> t("ingest", "How `ingest` (and `run`) turn objects into records.");
    t.Enum("format", &O::format, "line format (auto: each line's own shape decides)",
           std::vector<std::pair<std::string, LineFormat>>{{"auto", LineFormat::kAuto},
                                                           {"iso", LineFormat::kIso},
                                                           {"classic", LineFormat::kClassic}},
           {.flag = "--format"});
    t.Enum("multiline", &O::multiline,
           "auto: lines without a leading timestamp continue the record above; off: every line alone",
           std::vector<std::pair<std::string, bool>>{{"auto", true}, {"off", false}},
           {.flag = "--multiline"});
    t.Int("multiline_max_lines", &O::multiline_max_lines, "lines per record at most, the first included",
          1);
    t.Int("multiline_max_bytes", &O::multiline_max_bytes, "bytes per record at most", 1, INT64_MAX,
          {.unit = "bytes"});
    t.Int("max_line_bytes", &O::max_line_bytes, "longer lines go to dead-letter", 1, INT64_MAX,
          {.unit = "bytes"});
    t.Int("max_dead_letters", &O::max_dead_letters,
          "dead letters written per object at most; the lines beyond are counted by reason in one "
          "summary dead letter",
          0);
    t.Int("partitions", &O::partitions, "partitions of topic logs when ingest creates it", 1, 100000);
    t.Int("chunk_records", &O::chunk_records,
          "commit a large object at least every this many records (0: the broker's preference)", 0);
    t.Int("chunk_bytes", &O::chunk_bytes,
          "... or every this many record bytes (0: the broker's preference)", 0, INT64_MAX,
          {.unit = "bytes"});
    t.Duration("commit_interval", &O::commit_interval_ms,
               "commit several objects' records together, at most this long");
    t.Custom(
        "default_source", opt::Type::kString,
        "source of objects whose key has no HOST/YYYY-MM-DD/ part",
        [](O& o, const opt::Value& v) -> Status {
          if (v.text.empty()) return InvalidArgument("must be a non-empty string");
          o.default_source = v.text;
          return Status::Ok();
        },
        [](const O& o) { return opt::Value{o.default_source, {}}; });
    t.Int("prefetch_objects", &O::prefetch_objects,
          "objects read ahead of the one being parsed (their HEAD and first bytes; 0: none)", 0, 64);
    t.Int("prefetch_bytes", &O::prefetch_bytes,
          "bytes of objects read ahead, in all (each at most prefetch_bytes / prefetch_objects)", 1,
          INT64_MAX, {.unit = "bytes"});
    t.Int("threads", &O::threads,
          "ingest threads (0: one per core); each ingests its share of the hosts, a host's objects "
          "in key order. On Kafka ingest uses one",
          0, 256);
    t.Bool("reingest_changed", &O::reingest_changed,
           "an object re-published with other content (new etag) is ingested again; default: "
           "dead-lettered as changed after ingest");
    return t;
  }();
  return table;
}

}  // namespace logstream
