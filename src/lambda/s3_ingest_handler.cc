#include "src/lambda/s3_ingest_handler.h"

#include <random>

#include "src/ingest/fleet.h"
#include "src/record/json.h"

namespace logstream::lambda {
namespace {

std::string_view OutcomeName(IngestOutcome o) {
  switch (o) {
    case IngestOutcome::kIngested: return "ingested";
    case IngestOutcome::kDuplicate: return "duplicate";
    case IngestOutcome::kChanged: return "changed";
    case IngestOutcome::kFailed: return "failed";
  }
  return "unknown";
}

}  // namespace

S3IngestHandler::S3IngestHandler(Log& log, S3IngestOptions options) : log_(log), options_(std::move(options)) {}

Result<Ingester*> S3IngestHandler::IngesterFor(const std::string& bucket) {
  const std::string slot_key = options_.store_url.empty() ? bucket : "";
  auto it = slots_.find(slot_key);
  if (it != slots_.end()) return it->second.ingester.get();
  const std::string url = options_.store_url.empty() ? "s3://" + bucket : options_.store_url;
  ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, OpenStore(url));
  auto ingester = std::make_unique<Ingester>(*store, log_, options_.ingest);
  RETURN_IF_ERROR(ingester->Init());
  Slot& slot = slots_[slot_key];
  slot.store = std::move(store);
  slot.ingester = std::move(ingester);
  return slot.ingester.get();
}

// InvalidEvent for a payload that is no S3 or EventBridge event.
std::expected<S3EventMessage, InvocationError> ParseEvent(S3EventParser& parser, std::string_view payload) {
  auto message = parser.Parse(payload);
  if (!message) {
    return std::unexpected(InvocationError{
        "InvalidEvent", "not an S3 event notification ({\"Records\":[...]}): " + message.error().message()});
  }
  return std::move(*message);
}

std::expected<std::string, InvocationError> S3IngestHandler::Handle(std::string_view payload) {
  auto message = ParseEvent(parser_, payload);
  if (!message) return std::unexpected(message.error());
  size_t counts[4] = {0, 0, 0, 0};
  std::string results;
  // One host's objects in key order, whatever order the notification lists them in.
  OrderEachSourceByKey(&message->events);
  for (const ObjectEvent& event : message->events) {
    auto ingester = IngesterFor(event.bucket);
    if (!ingester) {
      return std::unexpected(InvocationError{
          "StoreError", "cannot open the store of bucket " + event.bucket + ": " + ingester.error().message()});
    }
    auto outcome = (*ingester)->IngestObject(event);
    if (!outcome) {
      return std::unexpected(InvocationError{
          "IngestError", "ingesting s3://" + event.bucket + "/" + event.key + " failed (a retry resumes it): " +
                             outcome.error().message()});
    }
    ++counts[static_cast<int>(*outcome)];
    results += results.empty() ? "{\"bucket\":" : ",{\"bucket\":";
    AppendJsonString(event.bucket, &results);
    results += ",\"key\":";
    AppendJsonString(event.key, &results);
    results += ",\"outcome\":\"";
    results += OutcomeName(*outcome);
    results += "\"}";
  }
  return "{\"objects\":" + std::to_string(message->events.size()) +
         ",\"ingested\":" + std::to_string(counts[0] + counts[2]) +
         ",\"duplicates\":" + std::to_string(counts[1]) + ",\"failed\":" + std::to_string(counts[3]) +
         ",\"skipped\":" + std::to_string(message->skipped) + ",\"results\":[" + results + "]}";
}

S3EnqueueHandler::S3EnqueueHandler(Log& log, IngestOptions ingest) : log_(log), ingest_(std::move(ingest)) {
  // One id per runtime process: concurrent invocations run in other
  // processes, and must not fence each other.
  std::random_device rd;
  char id[32];
  std::snprintf(id, sizeof id, "enqueue-lambda-%08x%08x", rd(), rd());
  transactional_id_ = id;
}

std::expected<std::string, InvocationError> S3EnqueueHandler::Handle(std::string_view payload) {
  auto message = ParseEvent(parser_, payload);
  if (!message) return std::unexpected(message.error());
  const FleetOptions fleet;
  const size_t n = message->events.size();
  Status s = EnsureObjectsTopic(log_, ingest_, fleet);
  if (s.ok()) s = Enqueue(log_, transactional_id_, ingest_, fleet, std::move(message->events));
  if (!s.ok()) {
    return std::unexpected(InvocationError{"EnqueueError", "enqueueing " + std::to_string(n) +
                                                               " events failed (a retry enqueues them): " + s.message()});
  }
  return "{\"objects\":" + std::to_string(n) + ",\"enqueued\":" + std::to_string(n) +
         ",\"skipped\":" + std::to_string(message->skipped) + "}";
}

}  // namespace logstream::lambda
