// Sink: delivers one alert to one destination (Fluent Bit style outputs that
// answer OK / RETRY / ERROR, so the notifier owns retries and parking).
//
// A sink is used by one thread at a time (the notifier gives each sink its
// own worker thread); it is not thread-safe. Sinks own their connections.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "src/base/status.h"
#include "src/log/log.h"
#include "src/notify/sink_config.h"

namespace logstream {

struct Delivery {
  enum class Code { kOk, kRetry, kError };
  Code code = Code::kOk;
  std::string reason;  // why it failed; never contains a secret

  static Delivery Ok() { return {}; }
  static Delivery Retry(std::string why) { return {Code::kRetry, std::move(why)}; }
  static Delivery Error(std::string why) { return {Code::kError, std::move(why)}; }
  bool ok() const { return code == Code::kOk; }
};
// "OK", "RETRY", "ERROR".
std::string_view DeliveryCodeName(Delivery::Code code);

class Sink {
 public:
  virtual ~Sink() = default;
  // Delivers the alert (its JSON). kOk once the destination confirmed it,
  // kRetry for transient failures, kError when retrying cannot help.
  virtual Delivery Deliver(std::string_view alert_json) = 0;
};

struct SinkContext {
  Log* log = nullptr;  // the notifier's broker: kafka sinks without url; not owned
};

// Builds the sink of a configuration: reads its secrets (ReadSecret), opens
// its file or broker. The context must outlive the sink.
Result<std::unique_ptr<Sink>> MakeSink(const SinkConfig& config, const SinkContext& context);

// Email and webhook sinks (email_sink.cc, webhook_sink.cc), with secrets resolved.
std::unique_ptr<Sink> MakeEmailSink(const SinkConfig& config, std::string username,
                                    std::string password);
std::unique_ptr<Sink> MakeWebhookSink(const SinkConfig& config, std::string secret,
                                      std::string token);

}  // namespace logstream
