#include "src/notify/sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "src/notify/alert_text.h"

namespace logstream {
namespace {

class StdoutSink : public Sink {
 public:
  Delivery Deliver(std::string_view alert_json) override {
    std::string line = AlertToText(alert_json) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
      return Delivery::Retry(std::string("write to stdout: ") + std::strerror(errno));
    }
    return Delivery::Ok();
  }
};

// JSON lines, appended and fsynced (at least once: a retry may repeat a line).
class FileSink : public Sink {
 public:
  FileSink(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~FileSink() override { ::close(fd_); }

  Delivery Deliver(std::string_view alert_json) override {
    std::string line(alert_json);
    line += '\n';
    // O_APPEND and one write: a line is never interleaved with another writer's.
    ssize_t w = ::write(fd_, line.data(), line.size());
    if (w != static_cast<ssize_t>(line.size()) || ::fdatasync(fd_) != 0) {
      return Delivery::Retry("write " + path_ + ": " + std::strerror(errno));
    }
    return Delivery::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

// Appends the alert JSON (key = alert id) to a topic, one transaction each.
class KafkaSink : public Sink {
 public:
  KafkaSink(std::string name, std::string topic, Log* log, std::unique_ptr<Log> owned)
      : name_(std::move(name)), topic_(std::move(topic)), log_(log), owned_(std::move(owned)) {}

  Delivery Deliver(std::string_view alert_json) override {
    std::string id = "?";
    if (auto a = ParseAlert(alert_json)) id = a->id;
    Status s = Append(id, alert_json);
    if (s.ok()) return Delivery::Ok();
    if (s.code() == StatusCode::kInvalidArgument) return Delivery::Error(s.message());
    return Delivery::Retry(s.message());
  }

 private:
  Status Append(std::string_view key, std::string_view value) {
    if (!ensured_) {
      auto info = log_->DescribeTopic(topic_);
      if (!info) {
        if (info.error().code() != StatusCode::kNotFound) return info.error();
        RETURN_IF_ERROR(log_->EnsureTopic(topic_, TopicOptions{}));
      }
      ensured_ = true;
    }
    ASSIGN_OR_RETURN(auto txn, log_->Begin("notify-sink-" + name_));
    RETURN_IF_ERROR(txn->Append(topic_, key, value));
    return txn->Commit();
  }

  std::string name_;
  std::string topic_;
  Log* log_;
  std::unique_ptr<Log> owned_;
  bool ensured_ = false;
};

}  // namespace

std::string_view DeliveryCodeName(Delivery::Code code) {
  switch (code) {
    case Delivery::Code::kOk: return "OK";
    case Delivery::Code::kRetry: return "RETRY";
    case Delivery::Code::kError: return "ERROR";
  }
  return "?";
}

namespace {

Result<std::unique_ptr<Sink>> MakeStdout(const SinkConfig&, const SinkContext&) {
  return std::make_unique<StdoutSink>();
}

Result<std::unique_ptr<Sink>> MakeFile(const SinkConfig& c, const SinkContext&) {
  int fd = ::open(c.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Err(ErrnoError("open sink '" + c.name + "' file", c.path, errno));
  return std::make_unique<FileSink>(c.path, fd);
}

Result<std::unique_ptr<Sink>> MakeEmail(const SinkConfig& c, const SinkContext&) {
  const std::string what = "sink '" + c.name + "'";
  std::string user;
  if (!c.username_env.empty()) {
    ASSIGN_OR_RETURN(user, ReadSecret(SecretRef{c.username_env, ""}, what + " username"));
  }
  ASSIGN_OR_RETURN(std::string password, ReadSecret(c.password, what + " password"));
  return MakeEmailSink(c, std::move(user), std::move(password));
}

Result<std::unique_ptr<Sink>> MakeWebhook(const SinkConfig& c, const SinkContext&) {
  const std::string what = "sink '" + c.name + "'";
  ASSIGN_OR_RETURN(std::string secret, ReadSecret(c.secret, what + " secret"));
  ASSIGN_OR_RETURN(std::string token, ReadSecret(c.token, what + " token"));
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Err(InvalidArgument(what + ": the bearer token contains a line break"));
  }
  return MakeWebhookSink(c, std::move(secret), std::move(token));
}

Result<std::unique_ptr<Sink>> MakeKafka(const SinkConfig& c, const SinkContext& context) {
  if (c.url.empty() || (context.log != nullptr && c.url == context.log->Url())) {
    if (context.log == nullptr) {
      return Err(InvalidArgument("sink '" + c.name + "': no broker; give the sink a url"));
    }
    return std::make_unique<KafkaSink>(c.name, c.topic, context.log, nullptr);
  }
  auto log = OpenLog(c.url);
  if (!log) return Err(log.error().WithContext("sink '" + c.name + "': broker " + c.url));
  Log* raw = log->get();
  return std::make_unique<KafkaSink>(c.name, c.topic, raw, std::move(*log));
}

}  // namespace

const std::vector<SinkKind>& SinkKinds() {
  // Every kind of sink; adding one adds one line here.
  static const std::vector<SinkKind> kinds = {
      {SinkType::kStdout, "stdout", &NoSinkKeys, {}, nullptr, &MakeStdout},
      {SinkType::kFile, "file", &FileSinkTable, {"path"}, nullptr, &MakeFile},
      {SinkType::kEmail, "email", &EmailSinkTable, {"url", "from", "to"}, &CheckEmailSink, &MakeEmail},
      {SinkType::kWebhook, "webhook", &WebhookSinkTable, {"url"}, &CheckWebhookSink, &MakeWebhook},
      {SinkType::kKafka, "kafka", &KafkaSinkTable, {"topic"}, nullptr, &MakeKafka},
  };
  return kinds;
}

Result<std::unique_ptr<Sink>> MakeSink(const SinkConfig& c, const SinkContext& context) {
  for (const SinkKind& k : SinkKinds()) {
    if (k.type == c.type) return k.make(c, context);
  }
  return Err(Internal("sink '" + c.name + "': unknown type"));
}

}  // namespace logstream
