#include "src/notify/sink_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "src/base/toml_errors.h"

namespace logstream {
namespace {

// Reads one [[sinks]] table; `c.name` names it in errors once known.
class SinkReader {
 public:
  SinkReader(const toml::table& t, std::string_view file) : t_(t), file_(file) {}

  Status Keys(std::vector<std::string_view> allowed) {
    for (auto k : {"name", "type", "max_attempts", "max_age", "backoff", "max_backoff"}) {
      allowed.push_back(k);
    }
    for (const auto& [key, node] : t_) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return InvalidArgument(TomlWhere(file_, key.source()) + ": unknown key '" +
                             std::string(key.str()) + "' in [[sinks]] of type " + type_ +
                             " (allowed: " + list + ")");
    }
    return Status::Ok();
  }

  Status String(std::string_view key, std::string* out) {
    const toml::node* n = t_.get(key);
    if (n == nullptr) return Status::Ok();
    if (!n->is_string()) return TomlError(file_, *n, "'" + std::string(key) + "' must be a string");
    *out = n->as_string()->get();
    return Status::Ok();
  }

  Status Required(std::string_view key, std::string* out) {
    if (!t_.contains(key)) {
      return InvalidArgument(TomlWhere(file_, t_.source()) + ": sink '" + name_ + "' (" + type_ +
                             ") needs '" + std::string(key) + "'");
    }
    RETURN_IF_ERROR(String(key, out));
    if (out->empty()) return TomlError(file_, *t_.get(key), "'" + std::string(key) + "' must not be empty");
    return Status::Ok();
  }

  Status Duration(std::string_view key, TimeMs* out) {
    std::string s;
    RETURN_IF_ERROR(String(key, &s));
    if (s.empty()) return Status::Ok();
    auto d = ParseDuration(s);
    if (!d) return TomlError(file_, *t_.get(key), "'" + std::string(key) + "': " + d.error().message());
    if (*d <= 0) return TomlError(file_, *t_.get(key), "'" + std::string(key) + "' must be positive");
    *out = *d;
    return Status::Ok();
  }

  Status Secret(std::string_view env_key, std::string_view file_key, SecretRef* out) {
    RETURN_IF_ERROR(String(env_key, &out->env));
    RETURN_IF_ERROR(String(file_key, &out->file));
    if (!out->env.empty() && !out->file.empty()) {
      return TomlError(file_, *t_.get(file_key), "give either '" + std::string(env_key) + "' or '" +
                                               std::string(file_key) + "', not both");
    }
    return Status::Ok();
  }

  Status Url(std::initializer_list<std::string_view> schemes, std::string* out, bool required) {
    if (required) {
      RETURN_IF_ERROR(Required("url", out));
    } else {
      RETURN_IF_ERROR(String("url", out));
    }
    if (out->empty()) return Status::Ok();
    for (auto s : schemes) {
      if (out->starts_with(std::string(s) + "://")) return Status::Ok();
    }
    std::string list;
    for (auto s : schemes) list += (list.empty() ? "" : " or ") + std::string(s) + "://";
    return TomlError(file_, *t_.get("url"), "sink '" + name_ + "': url must start with " + list);
  }

  const toml::table& t_;
  std::string_view file_;
  std::string name_;
  std::string type_;
};

Result<SinkConfig> LoadSink(const toml::table& t, std::string_view file) {
  SinkConfig c;
  SinkReader r(t, file);
  RETURN_IF_ERROR(r.Required("name", &c.name));
  r.name_ = c.name;
  if (c.name.find('/') != std::string::npos) {
    return Err(TomlError(file, *t.get("name"), "sink name '" + c.name + "' must not contain '/'"));
  }
  RETURN_IF_ERROR(r.Required("type", &r.type_));
  const std::string& type = r.type_;
  if (type == "stdout") {
    c.type = SinkType::kStdout;
    RETURN_IF_ERROR(r.Keys({}));
  } else if (type == "file") {
    c.type = SinkType::kFile;
    RETURN_IF_ERROR(r.Keys({"path"}));
    RETURN_IF_ERROR(r.Required("path", &c.path));
  } else if (type == "email") {
    c.type = SinkType::kEmail;
    c.timeout = 30000;
    RETURN_IF_ERROR(r.Keys({"url", "tls", "username_env", "password_env", "password_file", "from",
                            "to", "timeout"}));
    RETURN_IF_ERROR(r.Url({"smtp", "smtps"}, &c.url, true));
    const bool smtps = c.url.starts_with("smtps://");
    c.tls = smtps ? SmtpTls::kImplicit : SmtpTls::kStartTls;
    std::string tls;
    RETURN_IF_ERROR(r.String("tls", &tls));
    if (tls == "starttls") {
      c.tls = SmtpTls::kStartTls;
    } else if (tls == "implicit") {
      c.tls = SmtpTls::kImplicit;
    } else if (tls == "none") {
      c.tls = SmtpTls::kNone;
    } else if (!tls.empty()) {
      return Err(TomlError(file, *t.get("tls"),
                     "'tls' must be \"starttls\", \"implicit\" or \"none\", not '" + tls + "'"));
    }
    if ((c.tls == SmtpTls::kImplicit) != smtps) {
      return Err(TomlError(file, *t.get("url"), "sink '" + c.name +
                                              "': implicit TLS goes with an smtps:// url, "
                                              "starttls and none with smtp://"));
    }
    RETURN_IF_ERROR(r.String("username_env", &c.username_env));
    RETURN_IF_ERROR(r.Secret("password_env", "password_file", &c.password));
    RETURN_IF_ERROR(r.Required("from", &c.from));
    const toml::node* to = t.get("to");
    if (to == nullptr) return Err(InvalidArgument(TomlWhere(file, t.source()) + ": sink '" + c.name + "' (email) needs 'to'"));
    if (to->is_string()) {
      c.to.push_back(to->as_string()->get());
    } else if (to->is_array()) {
      for (const toml::node& e : *to->as_array()) {
        if (!e.is_string()) return Err(TomlError(file, e, "'to' must be a list of addresses"));
        c.to.push_back(e.as_string()->get());
      }
    }
    if (c.to.empty()) return Err(TomlError(file, *to, "'to' must be a non-empty list of addresses"));
    for (const std::string& addr : c.to) {
      if (addr.find_first_of("\r\n<>") != std::string::npos || addr.find('@') == std::string::npos) {
        return Err(TomlError(file, *to, "'to': not a plain address: '" + addr + "'"));
      }
    }
    if (c.from.find_first_of("\r\n<>") != std::string::npos || c.from.find('@') == std::string::npos) {
      return Err(TomlError(file, *t.get("from"), "'from': not a plain address: '" + c.from + "'"));
    }
    RETURN_IF_ERROR(r.Duration("timeout", &c.timeout));
  } else if (type == "webhook") {
    c.type = SinkType::kWebhook;
    RETURN_IF_ERROR(r.Keys({"url", "secret_env", "secret_file", "token_env", "token_file", "timeout"}));
    RETURN_IF_ERROR(r.Url({"http", "https"}, &c.url, true));
    RETURN_IF_ERROR(r.Secret("secret_env", "secret_file", &c.secret));
    RETURN_IF_ERROR(r.Secret("token_env", "token_file", &c.token));
    RETURN_IF_ERROR(r.Duration("timeout", &c.timeout));
  } else if (type == "kafka") {
    c.type = SinkType::kKafka;
    RETURN_IF_ERROR(r.Keys({"topic", "url"}));
    RETURN_IF_ERROR(r.Required("topic", &c.topic));
    RETURN_IF_ERROR(r.String("url", &c.url));
  } else {
    return Err(TomlError(file, *t.get("type"), "sink '" + c.name + "': unknown type '" + type +
                                             "' (want stdout, file, email, webhook or kafka)"));
  }
  if (const toml::node* n = t.get("max_attempts")) {
    if (!n->is_integer() || n->as_integer()->get() < 1) {
      return Err(TomlError(file, *n, "'max_attempts' must be an integer of at least 1"));
    }
    c.retry.max_attempts = static_cast<int>(n->as_integer()->get());
  }
  RETURN_IF_ERROR(r.Duration("max_age", &c.retry.max_age));
  RETURN_IF_ERROR(r.Duration("backoff", &c.retry.backoff));
  RETURN_IF_ERROR(r.Duration("max_backoff", &c.retry.max_backoff));
  if (c.retry.max_backoff < c.retry.backoff) c.retry.max_backoff = c.retry.backoff;
  return c;
}

}  // namespace

std::string_view SinkTypeName(SinkType type) {
  switch (type) {
    case SinkType::kStdout: return "stdout";
    case SinkType::kFile: return "file";
    case SinkType::kEmail: return "email";
    case SinkType::kWebhook: return "webhook";
    case SinkType::kKafka: return "kafka";
  }
  return "?";
}

Result<std::vector<SinkConfig>> LoadSinkConfigs(const toml::table& doc, std::string_view file) {
  std::vector<SinkConfig> sinks;
  const toml::node* n = doc.get("sinks");
  if (n == nullptr) return sinks;
  if (!n->is_array_of_tables()) return Err(TomlError(file, *n, "'sinks' must be an array of tables ([[sinks]])"));
  for (const toml::node& e : *n->as_array()) {
    ASSIGN_OR_RETURN(SinkConfig c, LoadSink(*e.as_table(), file));
    for (const SinkConfig& other : sinks) {
      if (other.name == c.name) {
        return Err(TomlError(file, *e.as_table()->get("name"),
                       "duplicate sink name '" + c.name + "': sink names must be unique"));
      }
    }
    sinks.push_back(std::move(c));
  }
  // Rules select sinks by name (`sinks = [...]` in [[rules]]): names must exist.
  if (const toml::array* rules = doc["rules"].as_array()) {
    for (const toml::node& rule : *rules) {
      const toml::table* t = rule.as_table();
      const toml::array* names = t ? (*t)["sinks"].as_array() : nullptr;
      if (names == nullptr) continue;
      for (const toml::node& e : *names) {
        const std::string* name = e.is_string() ? &e.as_string()->get() : nullptr;
        if (name == nullptr) continue;  // the processor's loader reports the type
        bool found = false;
        for (const SinkConfig& c : sinks) found = found || c.name == *name;
        if (!found) {
          std::string list;
          for (const SinkConfig& c : sinks) list += (list.empty() ? "" : ", ") + c.name;
          return Err(TomlError(file, e, "rule sink '" + *name + "' is not a [[sinks]] name (have: " +
                                      (list.empty() ? "none" : list) + ")"));
        }
      }
    }
  }
  return sinks;
}

Result<std::vector<SinkConfig>> LoadSinkConfigFile(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table doc, ParseTomlFile(path));
  return LoadSinkConfigs(doc, path);
}

Result<std::string> ReadSecret(const SecretRef& ref, std::string_view what) {
  if (!ref.env.empty()) {
    const char* v = std::getenv(ref.env.c_str());
    if (v == nullptr) {
      return Err(NotFound(std::string(what) + ": environment variable " + ref.env +
                          " is not set; export it (the configuration names it)"));
    }
    return std::string(v);
  }
  if (!ref.file.empty()) {
    std::ifstream in(ref.file, std::ios::binary);
    if (!in) return Err(ErrnoError("open " + std::string(what) + " file", ref.file, errno));
    std::ostringstream s;
    s << in.rdbuf();
    std::string v = s.str();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    return v;
  }
  return std::string();
}

}  // namespace logstream
