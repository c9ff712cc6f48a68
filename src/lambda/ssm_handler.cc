#include "src/lambda/ssm_handler.h"

#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "src/aws/json_protocol.h"
#include "src/record/json.h"

namespace logstream::lambda {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string SsmCommand(const SsmOptions& options, std::string_view bucket, std::string_view key) {
  return "sh " + ShellQuote(options.script_dir + "/" + options.script) + " " + ShellQuote(bucket) + " " +
         ShellQuote(key);
}

Status LoadSsmOptions(std::string_view path, const SsmOverrides& overrides, SsmOptions* options) {
  std::ifstream in{std::string(path)};
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(text.str()).get(root) != simdjson::SUCCESS || !root.is_object()) {
      return InvalidArgument(std::string(path) + ": not a JSON object; want {\"aws-instance-id\":..., \"shellscript\":...}");
    }
    simdjson::dom::element ids;
    if (root["aws-instance-id"].get(ids) == simdjson::SUCCESS) {
      options->instance_ids.clear();
      std::string_view one;
      simdjson::dom::array list;
      if (ids.get_string().get(one) == simdjson::SUCCESS) {
        options->instance_ids.emplace_back(one);
      } else if (ids.get_array().get(list) == simdjson::SUCCESS) {
        for (simdjson::dom::element id : list) {
          if (id.get_string().get(one) != simdjson::SUCCESS) {
            return InvalidArgument(std::string(path) + ": aws-instance-id must hold strings");
          }
          options->instance_ids.emplace_back(one);
        }
      } else {
        return InvalidArgument(std::string(path) + ": aws-instance-id must be a string or a list of strings");
      }
    }
    std::string_view script;
    if (root["shellscript"].get_string().get(script) == simdjson::SUCCESS) options->script = script;
  }
  if (!overrides.instance_ids.empty()) options->instance_ids = overrides.instance_ids;
  if (!overrides.script.empty()) options->script = overrides.script;
  if (options->endpoint.empty()) options->endpoint = Env("AWS_ENDPOINT_URL_SSM");
  if (options->endpoint.empty()) options->endpoint = Env("AWS_ENDPOINT_URL");
  if (options->region.empty()) options->region = Env("AWS_REGION");
  if (options->region.empty()) options->region = "us-east-1";
  if (options->endpoint.empty()) options->endpoint = "https://ssm." + options->region + ".amazonaws.com";
  if (options->instance_ids.empty()) {
    return InvalidArgument("no instance ids for the ssm action: set aws-instance-id in application.json "
                           "or LOGSTREAM_SSM_INSTANCE_IDS");
  }
  if (options->script.empty() || options->script.find('/') != std::string::npos) {
    return InvalidArgument("the ssm action needs a script file name (no '/'): set shellscript in "
                           "application.json or LOGSTREAM_SSM_SCRIPT");
  }
  return Status();
}

SsmHandler::SsmHandler(SsmOptions options) : options_(std::move(options)) {}

Result<std::string> SsmHandler::Call(std::string_view action, const std::string& json) {
  ASSIGN_OR_RETURN(aws::Credentials creds, aws::ResolveCredentials());
  aws::JsonRequest request{options_.endpoint, "ssm", options_.region,
                           "AmazonSSM." + std::string(action), "1.1", 30'000};
  ASSIGN_OR_RETURN(aws::JsonReply reply, aws::PostJson(request, creds, json));
  if (reply.status < 200 || reply.status >= 300) {
    return Err(Unavailable("SSM " + std::string(action) + " at " + options_.endpoint +
                           " failed (HTTP " + std::to_string(reply.status) +
                           "): " + reply.body.substr(0, 300) + "; signed with " +
                           creds.Describe() + " for region " + options_.region));
  }
  return std::move(reply.body);
}

std::expected<std::string, InvocationError> SsmHandler::Handle(std::string_view payload) {
  auto message = parser_.Parse(payload);
  if (!message) {
    return std::unexpected(InvocationError{
        "InvalidEvent", "not an S3 event notification ({\"Records\":[...]}): " + message.error().message()});
  }
  auto fail = [](std::string type, std::string msg) { return std::unexpected(InvocationError{type, msg}); };
  std::string ids;
  for (const std::string& id : options_.instance_ids) ids += (ids.empty() ? "" : ",") + Quote(id);
  std::string out = "{\"commands\":[";
  bool all_ok = true;
  simdjson::dom::parser json;
  for (size_t i = 0; i < message->events.size(); ++i) {
    const ObjectEvent& event = message->events[i];
    const std::string request = "{\"DocumentName\":\"AWS-RunShellScript\",\"InstanceIds\":[" + ids +
                                "],\"Comment\":\"logstream lambda\",\"Parameters\":{\"commands\":[" +
                                Quote(SsmCommand(options_, event.bucket, event.key)) + "]}}";
    auto sent = Call("SendCommand", request);
    if (!sent) return fail("SsmError", sent.error().message());
    std::string_view command_id;
    simdjson::dom::element root;
    if (json.parse(*sent).get(root) != simdjson::SUCCESS ||
        root["Command"]["CommandId"].get_string().get(command_id) != simdjson::SUCCESS) {
      return fail("SsmError", "SSM SendCommand answered without Command.CommandId: " + sent->substr(0, 300));
    }
    const std::string cid(command_id);
    out += std::string(i ? "," : "") + "{\"bucket\":" + Quote(event.bucket) + ",\"key\":" + Quote(event.key) +
           ",\"commandId\":" + Quote(cid) + ",\"invocations\":[";
    for (size_t j = 0; j < options_.instance_ids.size(); ++j) {
      const std::string& instance = options_.instance_ids[j];
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.poll_timeout_ms);
      std::string status = "Pending", stdout_text, stderr_text;
      for (;;) {
        auto got = Call("GetCommandInvocation",
                        "{\"CommandId\":" + Quote(cid) + ",\"InstanceId\":" + Quote(instance) + "}");
        // Right after SendCommand the invocation may not exist yet.
        if (got) {
          simdjson::dom::element inv;
          std::string_view v;
          if (json.parse(*got).get(inv) == simdjson::SUCCESS) {
            if (inv["Status"].get_string().get(v) == simdjson::SUCCESS) status = v;
            if (inv["StandardOutputContent"].get_string().get(v) == simdjson::SUCCESS) stdout_text = v;
            if (inv["StandardErrorContent"].get_string().get(v) == simdjson::SUCCESS) stderr_text = v;
          }
        } else if (got.error().message().find("InvocationDoesNotExist") == std::string::npos) {
          return fail("SsmError", got.error().message());
        }
        if (status != "Pending" && status != "InProgress" && status != "Delayed" && status != "Cancelling") break;
        if (std::chrono::steady_clock::now() >= deadline) {
          status = "TimedOutWaiting";
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
      }
      all_ok = all_ok && status == "Success";
      out += std::string(j ? "," : "") + "{\"instanceId\":" + Quote(instance) + ",\"status\":" + Quote(status) +
             ",\"stdout\":" + Quote(stdout_text) + ",\"stderr\":" + Quote(stderr_text) + "}";
    }
    out += "]}";
  }
  out += "]}";
  if (!all_ok) return fail("SsmCommandFailed", "an SSM command did not succeed: " + out);
  return out;
}

}  // namespace logstream::lambda
