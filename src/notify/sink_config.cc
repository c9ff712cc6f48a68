#include "src/notify/sink_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "src/base/toml_errors.h"

namespace logstream {
namespace {

using C = SinkConfig;

// A URL whose scheme is one of `schemes` (a string option's setter).
opt::Table<C>::Setter UrlSetter(std::vector<std::string> schemes) {
  return [schemes](C& c, const opt::Value& v) -> Status {
    if (v.text.empty()) return InvalidArgument("must not be empty");
    std::string list;
    for (const std::string& s : schemes) {
      if (v.text.starts_with(s + "://")) {
        c.url = v.text;
        return Status::Ok();
      }
      list += (list.empty() ? "" : " or ") + s + "://";
    }
    return InvalidArgument("must start with " + list);
  };
}

opt::Value ShowUrl(const C& c) { return {c.url, {}}; }

Status PlainAddress(const std::string& addr) {
  if (addr.find_first_of("\r\n<>") != std::string::npos || addr.find('@') == std::string::npos) {
    return InvalidArgument("not a plain address: '" + addr + "'");
  }
  return Status::Ok();
}

void SecretPair(opt::Table<C>& t, const std::string& env_key, const std::string& file_key,
                SecretRef C::*member, const std::string& what) {
  t.String(env_key, [member](C& c) -> std::string& { return (c.*member).env; },
           "environment variable holding the " + what);
  t.String(file_key, [member](C& c) -> std::string& { return (c.*member).file; },
           "file holding the " + what + " (a trailing newline is cut)");
}

void CheckSecretPair(const toml::table& t, std::string_view file, const char* env_key,
                     const char* file_key, opt::Problems* problems) {
  if (t.contains(env_key) && t.contains(file_key)) {
    problems->Add(TomlError(file, *t.get(file_key), "give either '" + std::string(env_key) + "' or '" +
                                                        file_key + "', not both"));
  }
}

}  // namespace

void CheckWebhookSink(const C&, const toml::table& t, std::string_view file, opt::Problems* problems) {
  CheckSecretPair(t, file, "secret_env", "secret_file", problems);
  CheckSecretPair(t, file, "token_env", "token_file", problems);
}

std::string_view SinkTypeName(SinkType type) {
  for (const SinkKind& k : SinkKinds()) {
    if (k.type == type) return k.name;
  }
  return "?";
}

const opt::Table<C>& CommonSinkTable() {
  static const opt::Table<C> table = [] {
    opt::Table<C> t("sinks",
                    "Where alerts are delivered (`notify`, `run`). Keys of every sink; each type adds "
                    "its own below. Secrets are never in the file: *_env names an environment "
                    "variable and *_file a file holding the secret.",
                    /*array=*/true);
    t.CheckedString("name", &C::name, "unique; rules select sinks by name",
                    [](const std::string& name) -> Status {
                      if (!name.empty() && name.find('/') == std::string::npos) return Status::Ok();
                      return InvalidArgument("sink name '" + name +
                                             "' must be non-empty and contain no '/'");
                    });
    std::vector<std::pair<std::string, SinkType>> types;
    for (const SinkKind& k : SinkKinds()) types.emplace_back(std::string(k.name), k.type);
    t.Enum("type", &C::type, "the kind of sink", types);
    t.Int("max_attempts", [](C& c) -> int& { return c.retry.max_attempts; },
          "deliveries tried before the alert is parked in alerts-undelivered", 1, 1000000);
    t.Duration("max_age", [](C& c) -> TimeMs& { return c.retry.max_age; },
               "since the first attempt, then the alert is parked", 1);
    t.Duration("backoff", [](C& c) -> TimeMs& { return c.retry.backoff; },
               "delay after the first failure, doubled each time (with jitter)", 1);
    t.Duration("max_backoff", [](C& c) -> TimeMs& { return c.retry.max_backoff; },
               "cap of the delay", 1);
    return t;
  }();
  return table;
}

const opt::Table<C>& NoSinkKeys() {
  static const opt::Table<C> table("sinks", "", true);
  return table;
}

const opt::Table<C>& FileSinkTable() {
  static const opt::Table<C> table = [] {
    opt::Table<C> t("sinks", "type = \"file\": JSON lines, appended and fsynced.", true);
    t.String("path", &C::path, "the file");
    return t;
  }();
  return table;
}

const opt::Table<C>& EmailSinkTable() {
  static const opt::Table<C> table = [] {
    opt::Table<C> t("sinks", "type = \"email\": one mail per alert over SMTP.", true);
    t.Custom("url", opt::Type::kString, "smtp://HOST:PORT, or smtps:// for implicit TLS",
             UrlSetter({"smtp", "smtps"}), ShowUrl);
    t.Enum("tls", &C::tls, "TLS: starttls (default for smtp://), implicit (smtps://) or none",
           std::vector<std::pair<std::string, SmtpTls>>{{"starttls", SmtpTls::kStartTls},
                                                        {"implicit", SmtpTls::kImplicit},
                                                        {"none", SmtpTls::kNone}});
    t.String("username_env", &C::username_env, "environment variable holding the SMTP user name");
    SecretPair(t, "password_env", "password_file", &C::password, "SMTP password");
    t.CheckedString("from", &C::from, "sender address", PlainAddress);
    t.Custom(
        "to", opt::Type::kList, "recipient addresses",
        [](C& c, const opt::Value& v) -> Status {
          if (v.items.empty()) return InvalidArgument("must be a non-empty list of addresses");
          for (const std::string& a : v.items) RETURN_IF_ERROR(PlainAddress(a));
          c.to = v.items;
          return Status::Ok();
        },
        [](const C& c) { return opt::Value{{}, c.to}; });
    t.Duration("timeout", &C::timeout, "per delivery (default 30s)", 1);
    return t;
  }();
  return table;
}

const opt::Table<C>& WebhookSinkTable() {
  static const opt::Table<C> table = [] {
    opt::Table<C> t("sinks", "type = \"webhook\": the alert JSON POSTed to a URL.", true);
    t.Custom("url", opt::Type::kString, "http[s]://...", UrlSetter({"http", "https"}), ShowUrl);
    SecretPair(t, "secret_env", "secret_file", &C::secret,
               "HMAC-SHA256 key (X-Logstream-Signature; unset = unsigned)");
    SecretPair(t, "token_env", "token_file", &C::token, "bearer token (Authorization: Bearer)");
    t.Duration("timeout", &C::timeout, "per delivery", 1);
    return t;
  }();
  return table;
}

const opt::Table<C>& KafkaSinkTable() {
  static const opt::Table<C> table = [] {
    opt::Table<C> t("sinks", "type = \"kafka\": the alert JSON appended to a topic (key = alert id).",
                    true);
    t.String("topic", &C::topic, "the topic");
    t.String("url", &C::url, "a broker URL (default: the notifier's own broker)");
    return t;
  }();
  return table;
}

void CheckEmailSink(const C& c, const toml::table& t, std::string_view file, opt::Problems* problems) {
  CheckSecretPair(t, file, "password_env", "password_file", problems);
  const bool smtps = c.url.starts_with("smtps://");
  if (t.contains("tls") && (c.tls == SmtpTls::kImplicit) != smtps) {
    problems->Add(TomlError(file, *t.get("url"), "sink '" + c.name +
                                                     "': implicit TLS goes with an smtps:// url, "
                                                     "starttls and none with smtp://"));
  }
}

namespace {

// Reads one [[sinks]] table: the common keys, then the keys of its type.
SinkConfig ReadSink(const toml::table& t, std::string_view file, opt::Problems* problems) {
  SinkConfig c;
  const size_t before = problems->list().size();
  opt::Problems common;
  CommonSinkTable().Read(t, file, &c, &common, nullptr,
                         [](std::string_view key) { return !CommonSinkTable().Find(key); });
  for (const Status& s : common.list()) problems->Add(s);
  for (const char* key : {"name", "type"}) {
    if (!t.contains(key)) {
      problems->Add(InvalidArgument(TomlWhere(file, t.source()) + ": sink '" + c.name + "' needs '" +
                                    key + "' (" + CommonSinkTable().Find(key)->info.help + ")"));
    }
  }
  if (problems->list().size() != before) return c;
  const SinkKind* kind = nullptr;
  for (const SinkKind& k : SinkKinds()) {
    if (k.type == c.type) kind = &k;
  }
  if (c.type == SinkType::kEmail) {
    c.timeout = 30000;
    c.tls = SmtpTls::kStartTls;
  }
  opt::Table<C> keys = kind->table();
  keys.Include(CommonSinkTable());
  opt::Table<C> own("sinks", "", true);
  own.Include(kind->table());
  // Unknown keys are named against every key this type allows.
  for (const auto& [k, node] : t) {
    if (keys.Find(k.str()) == nullptr) {
      problems->Add(InvalidArgument(TomlWhere(file, k.source()) + ": unknown key '" + std::string(k.str()) +
                                    "' in [[sinks]] of type " + std::string(kind->name) +
                                    " (allowed: " + keys.AllowedKeys() + ")"));
    }
  }
  own.Read(t, file, &c, problems, nullptr, [&](std::string_view key) { return !own.Find(key); });
  if (c.type == SinkType::kEmail && !t.contains("tls") && c.url.starts_with("smtps://")) {
    c.tls = SmtpTls::kImplicit;
  }
  for (std::string_view key : kind->required) {
    if (!t.contains(key)) {
      problems->Add(InvalidArgument(TomlWhere(file, t.source()) + ": sink '" + c.name + "' (" +
                                    std::string(kind->name) + ") needs '" + std::string(key) + "'"));
    }
  }
  if (kind->check != nullptr) kind->check(c, t, file, problems);
  if (c.retry.max_backoff < c.retry.backoff) c.retry.max_backoff = c.retry.backoff;
  return c;
}

}  // namespace

void ReadSinkConfigs(const toml::table& doc, std::string_view file, std::vector<SinkConfig>* sinks,
                     opt::Problems* problems) {
  const toml::node* n = doc.get("sinks");
  if (n == nullptr) return;
  if (!n->is_array_of_tables()) {
    problems->Add(TomlError(file, *n, "'sinks' must be an array of tables ([[sinks]])"));
    return;
  }
  for (const toml::node& e : *n->as_array()) {
    SinkConfig c = ReadSink(*e.as_table(), file, problems);
    for (const SinkConfig& other : *sinks) {
      if (other.name == c.name && !c.name.empty()) {
        problems->Add(TomlError(file, *e.as_table()->get("name"),
                                "duplicate sink name '" + c.name + "': sink names must be unique"));
      }
    }
    sinks->push_back(std::move(c));
  }
  // Rules select sinks by name (`sinks = [...]` in [[rules]]): names must exist.
  if (const toml::array* rules = doc["rules"].as_array()) {
    for (const toml::node& rule : *rules) {
      const toml::table* t = rule.as_table();
      const toml::array* names = t ? (*t)["sinks"].as_array() : nullptr;
      if (names == nullptr) continue;
      for (const toml::node& e : *names) {
        const std::string* name = e.is_string() ? &e.as_string()->get() : nullptr;
        if (name == nullptr) continue;  // the processor's reader reports the type
        bool found = false;
        for (const SinkConfig& c : *sinks) found = found || c.name == *name;
        if (!found) {
          std::string list;
          for (const SinkConfig& c : *sinks) list += (list.empty() ? "" : ", ") + c.name;
          problems->Add(TomlError(file, e, "rule sink '" + *name + "' is not a [[sinks]] name (have: " +
                                               (list.empty() ? "none" : list) + ")"));
        }
      }
    }
  }
}

Result<std::vector<SinkConfig>> LoadSinkConfigs(const toml::table& doc, std::string_view file) {
  std::vector<SinkConfig> sinks;
  opt::Problems problems;
  ReadSinkConfigs(doc, file, &sinks, &problems);
  if (!problems.ok()) return Err(problems.list().front());
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
