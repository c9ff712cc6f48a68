#include "src/lambda/runtime.h"

#include <curl/curl.h>

#include <cctype>

#include "src/base/curl_global.h"
#include "src/record/json.h"

namespace logstream::lambda {
namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime";

size_t WriteBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct HeaderSink {
  std::string* request_id;
  std::string* deadline_ms;
};

// Matches "Name: value" case-insensitively and stores the trimmed value.
bool TakeHeader(std::string_view line, std::string_view name, std::string* out) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(name[i]))) {
      return false;
    }
  }
  std::string_view v = line.substr(name.size() + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  out->assign(v);
  return true;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<HeaderSink*>(out);
  std::string_view line(data, size * n);
  if (!TakeHeader(line, "Lambda-Runtime-Aws-Request-Id", sink->request_id)) {
    TakeHeader(line, "Lambda-Runtime-Deadline-Ms", sink->deadline_ms);
  }
  return size * n;
}

}  // namespace

std::string ErrorJson(const InvocationError& error) {
  std::string out = "{\"errorMessage\":";
  AppendJsonString(error.message, &out);
  out += ",\"errorType\":";
  AppendJsonString(error.type, &out);
  out += "}";
  return out;
}

RuntimeClient::RuntimeClient(std::string api) : api_(std::move(api)) {
  CurlGlobalInit();
  curl_ = curl_easy_init();
}

RuntimeClient::~RuntimeClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<RuntimeClient::Reply> RuntimeClient::Request(const std::string& path, const std::string* post_body,
                                                    std::string_view error_type) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return Err(Internal("curl_easy_init failed"));
  curl_easy_reset(curl);
  Reply reply;
  HeaderSink sink{&reply.request_id, &reply.deadline_ms};
  const std::string url = "http://" + api_ + std::string(kPrefix) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  curl_slist* headers = nullptr;
  if (post_body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (!error_type.empty()) {
      headers = curl_slist_append(headers, ("Lambda-Runtime-Function-Error-Type: " + std::string(error_type)).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Err(Unavailable("Lambda Runtime API " + url + ": " + curl_easy_strerror(rc) +
                           " (is AWS_LAMBDA_RUNTIME_API right?)"));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Result<Invocation> RuntimeClient::Next() {
  ASSIGN_OR_RETURN(Reply reply, Request("/invocation/next", nullptr, ""));
  if (reply.status != 200) {
    return Err(Unavailable("Lambda Runtime API: next invocation answered HTTP " + std::to_string(reply.status) +
                           ": " + reply.body.substr(0, 300)));
  }
  if (reply.request_id.empty()) {
    return Err(Internal("Lambda Runtime API: next invocation without Lambda-Runtime-Aws-Request-Id"));
  }
  return Invocation{std::move(reply.request_id), std::move(reply.deadline_ms), std::move(reply.body)};
}

Status RuntimeClient::Respond(std::string_view request_id, std::string_view body) {
  const std::string b(body);
  ASSIGN_OR_RETURN(Reply reply, Request("/invocation/" + std::string(request_id) + "/response", &b, ""));
  if (reply.status != 202) {
    return Unavailable("Lambda Runtime API: response for " + std::string(request_id) + " answered HTTP " +
                       std::to_string(reply.status) + ": " + reply.body.substr(0, 300));
  }
  return Status();
}

Status RuntimeClient::Fail(std::string_view request_id, const InvocationError& error) {
  const std::string b = ErrorJson(error);
  ASSIGN_OR_RETURN(Reply reply, Request("/invocation/" + std::string(request_id) + "/error", &b,
                                        "Runtime." + error.type));
  if (reply.status != 202) {
    return Unavailable("Lambda Runtime API: error for " + std::string(request_id) + " answered HTTP " +
                       std::to_string(reply.status) + ": " + reply.body.substr(0, 300));
  }
  return Status();
}

Status RuntimeClient::FailInit(const InvocationError& error) {
  const std::string b = ErrorJson(error);
  ASSIGN_OR_RETURN(Reply reply, Request("/init/error", &b, "Runtime." + error.type));
  if (reply.status != 202) {
    return Unavailable("Lambda Runtime API: init error answered HTTP " + std::to_string(reply.status));
  }
  return Status();
}

Status RunLoop(RuntimeClient& client, const Handler& handler, const std::atomic<bool>& stop,
               int64_t max_invocations) {
  for (int64_t n = 0; !stop.load() && (max_invocations <= 0 || n < max_invocations); ++n) {
    ASSIGN_OR_RETURN(Invocation inv, client.Next());
    auto result = handler(inv);
    if (result) {
      RETURN_IF_ERROR(client.Respond(inv.request_id, *result));
    } else {
      RETURN_IF_ERROR(client.Fail(inv.request_id, result.error()));
    }
  }
  return Status();
}

}  // namespace logstream::lambda
