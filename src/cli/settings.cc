#include "src/cli/settings.h"

#include <cstdlib>

#include "src/generate/generator_options.h"

namespace logstream::cli {
namespace {

// The top-level tables, each owned by the module that declares it.
constexpr std::string_view kTables[] = {"store", "events",    "ingest", "formats", "processor", "rules",
                                        "sinks", "kafka",     "generator", "lambda", "http"};

bool IsTable(std::string_view key) {
  for (std::string_view t : kTables) {
    if (t == key) return true;
  }
  return false;
}

}  // namespace

Status Resolve(const ConfigFile& file, const GivenFlags& given, Settings* s) {
  opt::Problems problems;
  opt::Provenance* prov = &s->provenance;
  auto add = [&](Status st) {
    if (st.ok()) return;
    // Resolve returns every problem joined by newlines; keep them apart.
    std::string_view all = st.message();
    while (!all.empty()) {
      const size_t nl = all.find('\n');
      problems.Add(InvalidArgument(std::string(all.substr(0, nl))));
      if (nl == std::string_view::npos) break;
      all.remove_prefix(nl + 1);
    }
  };
  // The top level: its own keys and the tables; anything else is unknown.
  if (!file.empty()) {
    for (const auto& [k, node] : file.root) {
      if (IsTable(k.str()) || BrokerTable().Find(k.str()) != nullptr) continue;
      std::string allowed = BrokerTable().AllowedKeys();
      for (std::string_view t : kTables) allowed += ", " + std::string(t);
      problems.Add(InvalidArgument(TomlWhere(file.path, k.source()) + ": unknown key '" +
                                   std::string(k.str()) + "' (allowed at the top level: " + allowed + ")"));
    }
  }
  add(cli::Resolve(BrokerTable(), file, given, &s->broker, prov,
                   [](std::string_view key) { return IsTable(key) || !BrokerTable().Find(key); }));
  add(cli::Resolve(KafkaTable(), file, given, &s->broker, prov));
  add(cli::Resolve(StoreTable(), file, given, &s->store, prov));
  add(cli::Resolve(EventsTable(), file, given, &s->events, prov));
  add(cli::Resolve(IngestTable(), file, given, &s->ingest, prov));
  add(cli::Resolve(GeneratorTable(), file, given, &s->generator, prov,
                   [](std::string_view key) { return key == "levels"; }));
  add(cli::Resolve(GeneratorLevelsTable(), file, given, &s->generator, prov));
  ApplyBurstImplied(*prov, &s->generator);
  add(cli::Resolve(lambda::LambdaTable(), file, given, &s->lambda, prov));
  add(cli::Resolve(HttpTable(), file, given, &s->http, prov));
  if (!file.empty()) {
    ReadFormats(file.root, file.path, &s->ingest.formats, &problems);
    ReadProcessorConfig(file.root, file.path, &s->processor, &problems, prov);
    ReadSinkConfigs(file.root, file.path, &s->sinks, &problems);
  }
  return problems.ToStatus();
}

Status ResolveFile(const std::string& path, const GivenFlags& given, Settings* settings) {
  ASSIGN_OR_RETURN(ConfigFile file, LoadConfigFile(path));
  return Resolve(file, given, settings);
}

std::vector<opt::TableInfo> AllTables() {
  std::vector<opt::TableInfo> tables = {
      BrokerTable().Describe(),   KafkaTable().Describe(),     StoreTable().Describe(),
      EventsTable().Describe(),   IngestTable().Describe(),    FormatsTable().Describe(),
      ProcessorTable().Describe(),
      RulesTable().Describe(),    CommonSinkTable().Describe()};
  for (const SinkKind& k : SinkKinds()) {
    opt::TableInfo info = k.table().Describe();
    if (info.options.empty()) continue;
    tables.push_back(std::move(info));
  }
  tables.push_back(GeneratorTable().Describe());
  tables.push_back(GeneratorLevelsTable().Describe());
  tables.push_back(lambda::LambdaTable().Describe());
  tables.push_back(HttpTable().Describe());
  return tables;
}

std::string ShowSettings(const Settings& s) {
  std::string out = BrokerTable().Show(s.broker, &s.provenance);
  auto table = [&](const std::string& header, const std::string& body) {
    if (!body.empty()) out += "\n[" + header + "]\n" + body;
  };
  table("kafka", KafkaTable().Show(s.broker, &s.provenance));
  table("store", StoreTable().Show(s.store, &s.provenance));
  table("events", EventsTable().Show(s.events, &s.provenance));
  table("ingest", IngestTable().Show(s.ingest, &s.provenance));
  out += FormatsToToml(s.ingest.formats);
  out += "\n" + ProcessorConfigToToml(s.processor, &s.provenance);
  for (const SinkConfig& c : s.sinks) {
    out += "\n[[sinks]]\nname = \"" + c.name + "\"\ntype = \"" + std::string(SinkTypeName(c.type)) + "\"\n";
  }
  table("generator", GeneratorTable().Show(s.generator, &s.provenance));
  table("generator.levels", GeneratorLevelsTable().Show(s.generator, &s.provenance));
  table("lambda", lambda::LambdaTable().Show(s.lambda, &s.provenance));
  table("http", HttpTable().Show(s.http, &s.provenance));
  return out;
}

void ApplyS3Endpoint(const StoreSettings& store) {
  if (!store.s3_endpoint.empty()) setenv("AWS_ENDPOINT_URL_S3", store.s3_endpoint.c_str(), 1);
}

}  // namespace logstream::cli
