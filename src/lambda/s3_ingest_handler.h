// The `ingest` action of `logstream lambda`: every ObjectCreated record of an
// S3 event notification is ingested into the log exactly once (as `logstream
// ingest` does), in record order; the invocation answers only after all its
// objects are committed, so a Lambda retry of the same event appends nothing.
//
// Not thread-safe (the runtime loop is single-threaded). The log must outlive
// the handler; the handler owns its stores and ingesters (one per bucket,
// kept across warm invocations).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "src/ingest/ingester.h"
#include "src/lambda/runtime.h"
#include "src/log/log.h"
#include "src/store/object_store.h"
#include "src/trigger/s3_event.h"

namespace logstream::lambda {

struct S3IngestOptions {
  // Store URL for every record (e.g. s3://BUCKET or a directory); empty: the
  // record's own bucket as s3://BUCKET (endpoint from AWS_ENDPOINT_URL_S3).
  std::string store_url;
  IngestOptions ingest;
};

class S3IngestHandler {
 public:
  S3IngestHandler(Log& log, S3IngestOptions options);

  // The response JSON: {"objects":N,"ingested":N,"duplicates":N,"failed":N,
  // "skipped":N,"results":[{"bucket":..,"key":..,"outcome":..},...]}.
  // Errors: InvalidEvent (not an S3 event; retrying cannot help),
  // StoreError (a store could not be opened), IngestError (the log failed;
  // a retry resumes where this left off).
  std::expected<std::string, InvocationError> Handle(std::string_view payload);

 private:
  Result<Ingester*> IngesterFor(const std::string& bucket);

  Log& log_;
  S3IngestOptions options_;
  S3EventParser parser_;
  struct Slot {
    std::unique_ptr<ObjectStore> store;
    std::unique_ptr<Ingester> ingester;
  };
  std::map<std::string, Slot> slots_;  // by bucket ("" when store_url is set)
};

// The `enqueue` action: the invocation's ObjectCreated events go to topic
// `objects` for the ingest fleet (src/ingest/fleet.h) in one transaction;
// concurrent invocations (each runtime process its own transactional id) do
// not fence each other, and a retry only enqueues duplicates, which the
// fleet skips. Not thread-safe.
class S3EnqueueHandler {
 public:
  S3EnqueueHandler(Log& log, IngestOptions ingest);
  // {"objects":N,"enqueued":N,"skipped":N}. Errors: InvalidEvent,
  // EnqueueError (the log failed; a retry enqueues them again).
  std::expected<std::string, InvocationError> Handle(std::string_view payload);

 private:
  Log& log_;
  IngestOptions ingest_;
  std::string transactional_id_;
  S3EventParser parser_;
};

}  // namespace logstream::lambda
