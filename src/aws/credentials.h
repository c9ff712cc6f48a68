// AWS credentials from the standard provider chain: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials,
// profile AWS_PROFILE or "default"), then EC2 instance metadata (IMDSv2, short
// timeout, only when nothing else is configured and AWS_EC2_METADATA_DISABLED
// is not "true").
//
// Secrets never appear in messages: errors and Describe() name the access key
// id and where it came from, never the secret or the session token.
// All functions are thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "src/base/status.h"

namespace logstream::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never print
  std::string session_token;      // empty unless temporary credentials; never print
  std::string source;             // e.g. "environment", "instance metadata"

  // "access key id AKIA... (from SOURCE)": safe to print.
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
};

// Walks the chain; NotFound (saying what to set) when no provider has credentials,
// InvalidArgument for a half-configured provider (e.g. a key id without secret).
Result<Credentials> ResolveCredentials(const CredentialOptions& options = {});

// Credentials of `profile` in the text of a shared credentials file (INI);
// nullopt if the profile is absent. Exposed for tests.
Result<std::optional<Credentials>> ParseSharedCredentials(std::string_view text,
                                                          std::string_view profile,
                                                          std::string_view file_name);

}  // namespace logstream::aws
