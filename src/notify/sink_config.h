// Alert sinks as configured: the [[sinks]] tables of a TOML document.
//
//   [[sinks]]
//   name = "ops-mail"                 # unique; rules select sinks by name
//   type = "email"                    # stdout | file | email | webhook | kafka
//
// Keys per type (unknown keys are errors naming file and line):
//   every type: name, type, max_attempts (10), max_age ("10m"), backoff ("1s"),
//               max_backoff ("1m")  -- retries: exponential backoff with jitter;
//               an alert still failing after max_attempts or max_age is parked
//   file:    path (JSON lines, appended)
//   email:   url (smtp://host:port, or smtps:// for implicit TLS), tls
//            ("starttls" default for smtp://, "implicit", "none"), username_env,
//            password_env | password_file, from, to (list), timeout ("30s")
//   webhook: url (http[s]://...), secret_env | secret_file (HMAC-SHA256 key;
//            unset = unsigned), token_env | token_file (Authorization: Bearer),
//            timeout ("10s")
//   kafka:   topic, url (a broker URL; default: the notifier's own broker)
// Secrets are never in the file: *_env names an environment variable and
// *_file a file holding the secret. ReadSecret resolves them; no message ever
// contains a secret's value. Plain values; thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "src/base/options.h"
#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream {

enum class SinkType { kStdout, kFile, kEmail, kWebhook, kKafka };
std::string_view SinkTypeName(SinkType type);

enum class SmtpTls { kStartTls, kImplicit, kNone };

struct RetryPolicy {
  int max_attempts = 10;       // deliveries tried before the alert is parked
  TimeMs max_age = 600000;     // since the first attempt, then parked
  TimeMs backoff = 1000;       // delay after the first failure, doubled each time
  TimeMs max_backoff = 60000;  // cap of the delay
  bool operator==(const RetryPolicy&) const = default;
};

// Where a secret comes from: an environment variable or a file (at most one).
struct SecretRef {
  std::string env;
  std::string file;
  bool empty() const { return env.empty() && file.empty(); }
  bool operator==(const SecretRef&) const = default;
};

struct SinkConfig {
  std::string name;
  SinkType type = SinkType::kStdout;
  std::string url;   // email: smtp[s]://; webhook: http[s]://; kafka: broker ("" = own)
  std::string path;  // file
  SmtpTls tls = SmtpTls::kStartTls;
  std::string username_env;
  SecretRef password;  // email
  std::string from;
  std::vector<std::string> to;
  SecretRef secret;  // webhook HMAC key
  SecretRef token;   // webhook bearer token
  TimeMs timeout = 10000;
  std::string topic;  // kafka
  RetryPolicy retry;
  bool operator==(const SinkConfig&) const = default;
};

class Sink;
struct SinkContext;

// A kind of sink, registered once (sink.cc): its own keys beyond those every
// sink has, the keys it requires, its cross-field checks, and its factory.
struct SinkKind {
  SinkType type;
  std::string_view name;
  const opt::Table<SinkConfig>& (*table)();  // [[sinks]] keys of this type
  std::vector<std::string_view> required;
  // Checks across keys once they are read; problems point into the file.
  void (*check)(const SinkConfig& config, const toml::table& table, std::string_view file,
                opt::Problems* problems);
  // Builds the sink: reads its secrets (ReadSecret), opens its file or broker.
  Result<std::unique_ptr<Sink>> (*make)(const SinkConfig& config, const SinkContext& context);
};
// Every kind, in the order the reference lists them.
const std::vector<SinkKind>& SinkKinds();
// The keys every sink has: name, type and the retry policy.
const opt::Table<SinkConfig>& CommonSinkTable();
// The keys of each type (sink_config.cc).
const opt::Table<SinkConfig>& FileSinkTable();
const opt::Table<SinkConfig>& EmailSinkTable();
const opt::Table<SinkConfig>& WebhookSinkTable();
const opt::Table<SinkConfig>& KafkaSinkTable();
const opt::Table<SinkConfig>& NoSinkKeys();
void CheckEmailSink(const SinkConfig& config, const toml::table& table, std::string_view file,
                    opt::Problems* problems);
void CheckWebhookSink(const SinkConfig& config, const toml::table& table, std::string_view file,
                      opt::Problems* problems);

// Reads every [[sinks]] table of a parsed document into *sinks, every
// problem into *problems; also checks that the rules' `sinks` name sinks.
void ReadSinkConfigs(const toml::table& doc, std::string_view file, std::vector<SinkConfig>* sinks,
                     opt::Problems* problems);

// Reads every [[sinks]] table of a parsed document (none: empty). `file`
// names the document in errors. InvalidArgument on unknown keys, bad values,
// duplicate names.
Result<std::vector<SinkConfig>> LoadSinkConfigs(const toml::table& doc, std::string_view file);
// Reads and parses a file, then LoadSinkConfigs.
Result<std::vector<SinkConfig>> LoadSinkConfigFile(const std::string& path);

// The secret's value ("" when ref is empty). NotFound/InvalidArgument naming
// the variable or file, never the value; a trailing newline of a file is cut.
// `what` names the secret in errors, e.g. "sink 'ops-mail' password".
Result<std::string> ReadSecret(const SecretRef& ref, std::string_view what);

}  // namespace logstream
