#include "src/aws/credentials.h"

#include <curl/curl.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "src/base/ascii.h"
#include "src/base/curl_global.h"

namespace logstream::aws {
namespace {

std::optional<std::string> NonEmpty(const EnvGetter& env, const char* name) {
  std::optional<std::string> v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

size_t AppendToString(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One small IMDS request; nullopt on any failure (not on EC2, timeout, ...).
std::optional<std::string> ImdsRequest(const std::string& url, const char* method,
                                       const std::string& header, long timeout_ms) {
  CurlGlobalInit();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return std::nullopt;
  std::string body;
  curl_slist* headers = curl_slist_append(nullptr, header.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK || status != 200) return std::nullopt;
  return body;
}

std::optional<Credentials> FromInstanceMetadata(const CredentialOptions& options) {
  std::string endpoint = NonEmpty(options.env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(options.imds_endpoint);
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  const long t = options.imds_timeout_ms;
  auto token = ImdsRequest(endpoint + "/latest/api/token", "PUT",
                           "X-aws-ec2-metadata-token-ttl-seconds: 21600", t);
  if (!token) return std::nullopt;
  const std::string auth = "X-aws-ec2-metadata-token: " + *token;
  const std::string base = endpoint + "/latest/meta-data/iam/security-credentials/";
  auto role = ImdsRequest(base, "GET", auth, t);
  if (!role) return std::nullopt;
  std::string_view name = TrimAsciiSpace(*role);
  name = name.substr(0, name.find('\n'));
  if (name.empty()) return std::nullopt;
  auto doc = ImdsRequest(base + std::string(name), "GET", auth, t);
  if (!doc) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*doc).get(root) != simdjson::SUCCESS) return std::nullopt;
  std::string_view id, secret, session;
  if (root["AccessKeyId"].get(id) != simdjson::SUCCESS ||
      root["SecretAccessKey"].get(secret) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  if (root["Token"].get(session) != simdjson::SUCCESS) session = {};
  Credentials c{std::string(id), std::string(secret), std::string(session),
                "instance metadata (role " + std::string(name) + ")"};
  std::string_view expiration;
  if (root["Expiration"].get(expiration) == simdjson::SUCCESS) {
    if (auto t = ParseRfc3339(expiration)) c.expiration = *t;
  }
  return c;
}

}  // namespace

std::string Credentials::Describe() const {
  return "access key id " + access_key_id + " (from " + source +
         (expiration > 0 ? ", expires " + FormatRfc3339Ms(expiration) : std::string()) + ")";
}

// ---- CredentialProvider ----

CredentialProvider::CredentialProvider(CredentialOptions options, Credentials first, bool refreshable)
    : options_(std::move(options)),
      refreshable_(refreshable),
      current_(std::make_shared<const Credentials>(std::move(first))) {}

Result<std::shared_ptr<CredentialProvider>> CredentialProvider::Create(CredentialOptions options) {
  if (!options.now) options.now = NowMs;
  ASSIGN_OR_RETURN(Credentials first, ResolveCredentials(options));
  return std::shared_ptr<CredentialProvider>(new CredentialProvider(std::move(options), std::move(first), true));
}

std::shared_ptr<CredentialProvider> CredentialProvider::Fixed(Credentials credentials) {
  return std::shared_ptr<CredentialProvider>(new CredentialProvider({}, std::move(credentials), false));
}

bool CredentialProvider::Resolve(TimeMs now, Status* error) {
  ++resolves_;
  auto fresh = ResolveCredentials(options_);
  if (!fresh) {
    next_try_ = now + options_.retry_after_ms;
    *error = fresh.error();
    return false;
  }
  *error = Status::Ok();
  // Not fresher than the refresh window (the source has not rotated them
  // yet): ask again later rather than at every request.
  next_try_ = fresh->expiration > 0 && fresh->expiration - options_.refresh_before_ms <= now
                  ? now + options_.retry_after_ms
                  : 0;
  current_ = std::make_shared<const Credentials>(std::move(*fresh));
  return true;
}

Result<std::shared_ptr<const Credentials>> CredentialProvider::Get() {
  std::lock_guard lock(mu_);
  if (!refreshable_ || current_->expiration == 0) return current_;
  const TimeMs now = options_.now();
  if (now < current_->expiration - options_.refresh_before_ms) return current_;
  if (now >= next_try_ && Resolve(now, &last_error_) && now >= current_->expiration) {
    last_error_ = Unavailable("the credentials fetched were already expired");
  }
  if (now < current_->expiration) return current_;
  return Err(Unavailable("AWS " + current_->Describe() + " expired and fetching new ones failed (" +
                         last_error_.message() + "); will try again"));
}

bool CredentialProvider::Refresh(const Credentials& rejected) {
  std::lock_guard lock(mu_);
  const bool same = current_->access_key_id == rejected.access_key_id &&
                    current_->session_token == rejected.session_token;
  if (!same) return true;  // another caller refreshed them already
  if (!refreshable_) return false;
  if (!Resolve(options_.now(), &last_error_)) return false;
  return current_->access_key_id != rejected.access_key_id || current_->session_token != rejected.session_token;
}

std::string CredentialProvider::Describe() const {
  std::lock_guard lock(mu_);
  return current_->Describe();
}

int CredentialProvider::resolves() const {
  std::lock_guard lock(mu_);
  return resolves_;
}

std::optional<std::string> SystemEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<std::optional<Credentials>> ParseSharedCredentials(std::string_view text,
                                                          std::string_view profile,
                                                          std::string_view file_name) {
  Credentials c;
  bool in_profile = false, found = false;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = TrimAsciiSpace(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return Err(InvalidArgument(std::string(file_name) + ":" + std::to_string(line_no) +
                                   ": a section header must end with ']'"));
      }
      std::string_view name = TrimAsciiSpace(line.substr(1, line.size() - 2));
      if (name.starts_with("profile ")) name = TrimAsciiSpace(name.substr(8));
      in_profile = name == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = TrimAsciiSpace(line.substr(0, eq));
    const std::string value(TrimAsciiSpace(line.substr(eq + 1)));
    if (key == "aws_access_key_id") c.access_key_id = value;
    else if (key == "aws_secret_access_key") c.secret_access_key = value;
    else if (key == "aws_session_token") c.session_token = value;
  }
  if (!found) return std::nullopt;
  const std::string where = std::string(file_name) + " [" + std::string(profile) + "]";
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Err(InvalidArgument("profile " + where +
                               " needs both aws_access_key_id and aws_secret_access_key"));
  }
  c.source = "shared credentials file " + where;
  return c;
}

Result<Credentials> ResolveCredentials(const CredentialOptions& options) {
  const EnvGetter& env = options.env;
  // 1. Environment.
  auto id = NonEmpty(env, "AWS_ACCESS_KEY_ID");
  auto secret = NonEmpty(env, "AWS_SECRET_ACCESS_KEY");
  if (id && secret) {
    return Credentials{*id, *secret, NonEmpty(env, "AWS_SESSION_TOKEN").value_or(""), "environment"};
  }
  if (id || secret) {
    return Err(InvalidArgument(std::string("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (only ") +
                               (id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is set)"));
  }
  // 2. Shared credentials file.
  const auto profile_env = NonEmpty(env, "AWS_PROFILE");
  const std::string profile = profile_env.value_or("default");
  std::string file;
  if (auto f = NonEmpty(env, "AWS_SHARED_CREDENTIALS_FILE")) {
    file = *f;
  } else if (auto home = NonEmpty(env, "HOME")) {
    file = *home + "/.aws/credentials";
  }
  if (!file.empty()) {
    std::ifstream in(file);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      ASSIGN_OR_RETURN(std::optional<Credentials> c, ParseSharedCredentials(text.str(), profile, file));
      if (c) return *c;
    }
    if (profile_env) {
      return Err(NotFound("AWS_PROFILE=" + profile + " but " + file + " has no [" + profile +
                          "] section; add it or unset AWS_PROFILE"));
    }
  }
  // 3. Instance metadata (IMDSv2), only when nothing else is configured.
  const bool imds_disabled = NonEmpty(env, "AWS_EC2_METADATA_DISABLED").value_or("") == "true";
  if (!imds_disabled) {
    if (auto c = FromInstanceMetadata(options)) return *c;
  }
  return Err(NotFound(
      "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in "
      "the shared credentials file (" + (file.empty() ? std::string("~/.aws/credentials") : file) +
      ", AWS_PROFILE), or run on EC2 with an instance role"));
}

}  // namespace logstream::aws
