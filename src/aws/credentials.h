// AWS credentials from the standard provider chain: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials,
// profile AWS_PROFILE or "default"), then EC2 instance metadata (IMDSv2, short
// timeout, only when nothing else is configured and AWS_EC2_METADATA_DISABLED
// is not "true").
//
// Temporary credentials (instance metadata) carry their expiration; a
// CredentialProvider fetches them again shortly before it, or when a request
// is answered ExpiredToken.
//
// Secrets never appear in messages: errors and Describe() name the access key
// id and where it came from, never the secret or the session token.
// All functions are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "src/base/status.h"
#include "src/base/time.h"

namespace logstream::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never print
  std::string session_token;      // empty unless temporary credentials; never print
  std::string source;             // e.g. "environment", "instance metadata"
  TimeMs expiration = 0;          // temporary credentials: when they expire (ms since epoch); 0: never

  // "access key id AKIA... (from SOURCE[, expires TIME])": safe to print.
  std::string Describe() const;
};

// Reads an environment variable (nullopt if unset). Injectable for tests.
using EnvGetter = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> SystemEnv(const char* name);

struct CredentialOptions {
  EnvGetter env = SystemEnv;
  // Instance metadata endpoint; AWS_EC2_METADATA_SERVICE_ENDPOINT overrides.
  std::string imds_endpoint = "http://169.254.169.254";
  long imds_timeout_ms = 1000;  // per request
  // CredentialProvider: expiring credentials are fetched again this long
  // before they expire; after a failed fetch, no sooner than retry_after_ms
  // (the old ones stay in use while they are valid).
  TimeMs refresh_before_ms = 5 * 60 * 1000;
  TimeMs retry_after_ms = 10'000;
  std::function<TimeMs()> now = NowMs;  // clock; injectable for tests
};

// Walks the chain; NotFound (saying what to set) when no provider has credentials,
// InvalidArgument for a half-configured provider (e.g. a key id without secret).
Result<Credentials> ResolveCredentials(const CredentialOptions& options = {});

// The credentials requests are signed with: the chain's, resolved again
// shortly before they expire, or fixed ones. Thread-safe; a refresh holds
// other callers until it is done (IMDS answers within imds_timeout_ms).
class CredentialProvider {
 public:
  // Resolves the chain now (errors as ResolveCredentials).
  static Result<std::shared_ptr<CredentialProvider>> Create(CredentialOptions options = {});
  // Always `credentials` (no expiry, never refreshed).
  static std::shared_ptr<CredentialProvider> Fixed(Credentials credentials);

  // The credentials to sign with now. Within refresh_before_ms of their
  // expiration the chain is resolved again; if that fails they are still
  // returned until they expire, then the error (Unavailable).
  Result<std::shared_ptr<const Credentials>> Get();
  // A request signed with `rejected` was answered ExpiredToken: resolves the
  // chain again unless that already happened. True if the credentials are
  // now different (a retry can succeed).
  bool Refresh(const Credentials& rejected);
  // The current credentials, safe to print.
  std::string Describe() const;
  // How often the chain was resolved (1 after Create).
  int resolves() const;

 private:
  CredentialProvider(CredentialOptions options, Credentials first, bool refreshable);
  bool Resolve(TimeMs now, Status* error);  // holding mu_

  const CredentialOptions options_;
  const bool refreshable_;
  mutable std::mutex mu_;
  std::shared_ptr<const Credentials> current_;
  TimeMs next_try_ = 0;  // after a failed (or not fresher) resolve
  Status last_error_;    // of the last resolve
  int resolves_ = 1;
};

// Credentials of `profile` in the text of a shared credentials file (INI);
// nullopt if the profile is absent. Exposed for tests.
Result<std::optional<Credentials>> ParseSharedCredentials(std::string_view text,
                                                          std::string_view profile,
                                                          std::string_view file_name);

}  // namespace logstream::aws
