#include "src/generate/service_messages.h"

#include <span>
#include <string_view>

namespace logstream {
namespace {

// {n}: 1-99, {N}: 1-999999, {ms}: a duration in ms, {ip}, {port}, {id}: 12
// hex digits, {user}, {path}.
constexpr std::string_view kInfo[] = {
    "Received request GET /api/v1/items/{N} from {ip} in {ms} ms",
    "Served {path} to {ip}:{port} with status 200 in {ms} ms",
    "Login succeeded for {user} from {ip}",
    "Checkpoint written: {N} bytes in {n} segments",
    "Worker pool size adjusted from {n} to {n} threads",
    "Scheduled job {id} finished in {ms} ms",
    "Opened connection {id} to db-{n}.internal:{port}",
    "Order {N} placed by {user} with {n} items",
};
constexpr std::string_view kDebug[] = {
    "Cache miss for key user:{N}:profile, loading from database",
    "Parsed {n} headers from request {id}",
    "Session {id} of {user} renewed, expires in {n} s",
    "Query plan for orders by customer {N} uses index idx_customer",
};
constexpr std::string_view kWarn[] = {
    "Connection to db-{n}.internal:{port} timed out after {ms} ms, retrying",
    "Slow query on table orders took {ms} ms",
    "Heap usage at {n}% of {N} MB",
    "Request {id} retried {n} times before success",
    "Certificate for {user}.example.com expires in {n} days",
};
constexpr std::string_view kError[] = {
    "connection refused by upstream payments-service:{port}",
    "Failed to write {path}: disk quota exceeded",
    "Request {id} failed with status 503 after {ms} ms",
    "Timeout waiting for lock on {path} after {ms} ms",
    "java.lang.NullPointerException in OrderService.process for order {N}",
};
constexpr std::string_view kUsers[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
constexpr std::string_view kDirs[] = {"/var/lib/app/", "/srv/data/", "/tmp/upload/", "/opt/app/cache/"};

void AppendNumber(uint64_t v, std::string* out) { out->append(std::to_string(v)); }

void AppendVariable(Rng& rng, std::string_view name, std::string* out) {
  if (name == "n") {
    AppendNumber(1 + rng.Below(99), out);
  } else if (name == "N") {
    AppendNumber(1 + rng.Below(999999), out);
  } else if (name == "ms") {
    AppendNumber(rng.Below(8) == 0 ? 1000 + rng.Below(30000) : 1 + rng.Below(500), out);
  } else if (name == "ip") {
    out->append("10.");
    for (int i = 0; i < 3; ++i) {
      AppendNumber(rng.Below(256), out);
      if (i < 2) out->push_back('.');
    }
  } else if (name == "port") {
    AppendNumber(1024 + rng.Below(64000), out);
  } else if (name == "id") {
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t x = rng.Next();
    for (int i = 0; i < 12; ++i, x >>= 4) out->push_back(kHex[x & 15]);
  } else if (name == "user") {
    out->append(kUsers[rng.Below(std::size(kUsers))]);
  } else if (name == "path") {
    out->append(kDirs[rng.Below(std::size(kDirs))]);
    AppendNumber(rng.Below(100000), out);
    out->append(".dat");
  }
}

}  // namespace

void AppendServiceMessage(Rng& rng, Level level, std::string* out) {
  std::span<const std::string_view> shapes = kInfo;
  if (level == Level::kDebug || level == Level::kTrace) shapes = kDebug;
  if (level == Level::kWarn) shapes = kWarn;
  if (level >= Level::kError) shapes = kError;
  const std::string_view shape = shapes[rng.Below(shapes.size())];
  size_t i = 0;
  while (i < shape.size()) {
    const size_t open = shape.find('{', i);
    if (open == std::string_view::npos) break;
    const size_t close = shape.find('}', open);
    out->append(shape.substr(i, open - i));
    AppendVariable(rng, shape.substr(open + 1, close - open - 1), out);
    i = close + 1;
  }
  out->append(shape.substr(i));
}

}  // namespace logstream
