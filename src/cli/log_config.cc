#include "src/cli/log_config.h"

#include <string>

#include <toml++/toml.h>

#include "src/base/toml_errors.h"

namespace logstream::cli {

Status LoadLogToml(std::string_view path, LogOptions* options) {
  ASSIGN_OR_RETURN(toml::table doc, ParseTomlFile(path));
  if (const toml::node* ns = doc.get("namespace")) {
    auto s = ns->value<std::string>();
    if (!s || s->empty()) return TomlError(path, *ns, "namespace must be a non-empty string");
    if (options->name_space.empty()) options->name_space = *s;
  }
  const toml::node* kafka = doc.get("kafka");
  if (kafka == nullptr) return Status::Ok();
  const toml::table* t = kafka->as_table();
  if (t == nullptr) return TomlError(path, *kafka, "[kafka] must be a table of librdkafka properties");
  for (const auto& [k, v] : *t) {
    std::string value;
    if (auto s = v.value_exact<std::string>()) {
      value = *s;
    } else if (auto b = v.value_exact<bool>()) {
      value = *b ? "true" : "false";
    } else if (auto i = v.value_exact<int64_t>()) {
      value = std::to_string(*i);
    } else if (auto f = v.value_exact<double>()) {
      value = std::to_string(*f);
    } else {
      return TomlError(path, v, "[kafka] " + std::string(k.str()) + " must be a string, number or boolean");
    }
    options->properties.try_emplace(std::string(k.str()), std::move(value));
  }
  return Status::Ok();
}

}  // namespace logstream::cli
