// The config file (src/cli/settings.h): toml++ parses the input as a config
// file would be (its parse errors caught, as ParseTomlFile does), then
// Resolve hands every table to the module that declares it: broker and
// [kafka] (librdkafka checks the properties, as main() arranges), [store],
// [events], [ingest], [processor] and [[rules]], [[sinks]], [generator].
// Input: the TOML text.
// Invariants: no exception leaves Resolve; every problem is InvalidArgument
// naming the file; a config that resolves shows (`config show`) as TOML that
// toml++ parses again, and resolving the same file twice shows the same.
#include <toml++/toml.h>

#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "src/cli/settings.h"
#include "src/kafka/kafka_properties.h"

namespace {

const bool kRegistered = [] {
  logstream::RegisterPropertyChecker(&logstream::CheckKafkaProperty);
  return true;
}();

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  using fuzz::Check;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  cli::ConfigFile file;
  file.path = "fuzz.toml";
  try {
    file.root = toml::parse(text, std::string_view("fuzz.toml"));
  } catch (const toml::parse_error&) {
    return 0;  // ParseTomlFile reports it as FILE:LINE:COLUMN
  }
  cli::Settings settings;
  Status s = cli::Resolve(file, {}, &settings);
  if (!s.ok()) {
    Check(s.code() == StatusCode::kInvalidArgument, "config problem that is not InvalidArgument",
          s.message());
    return 0;
  }
  const std::string shown = cli::ShowSettings(settings);
  try {
    (void)toml::parse(shown, std::string_view("shown.toml"));
  } catch (const toml::parse_error& e) {
    Check(false, "ShowSettings wrote TOML that does not parse", std::string(e.description()) + "\n" + shown);
  }
  cli::Settings again;
  Check(cli::Resolve(file, {}, &again).ok(), "second Resolve of the same file failed");
  Check(cli::ShowSettings(again) == shown, "second Resolve of the same file shows otherwise");
  return 0;
}
