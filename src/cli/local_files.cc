#include "src/cli/local_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/cli/settings.h"
#include "src/format/line_parser.h"
#include "src/log/memory_log.h"
#include "src/store/memory_store.h"

namespace logstream::cli {
namespace {

const FormatConfig* FormatFor(const std::string& key, const std::vector<FormatConfig>& formats) {
  for (const FormatConfig& f : formats) {
    if (f.match.empty() || GlobMatch(f.match, key)) return &f;
  }
  return nullptr;
}

std::string LocalFileKey(const std::string& path, const std::vector<FormatConfig>& formats) {
  // Without "." and ".." segments, which object keys must not have.
  std::string p = std::filesystem::path(path).lexically_normal().generic_string();
  while (p.starts_with("/") || p.starts_with("./") || p.starts_with("../")) {
    p.erase(0, p[0] == '/' ? 1 : p[1] == '/' ? 2 : 3);
  }
  for (size_t at = 0; at != std::string::npos; at = p.find('/', at + 1)) {
    const std::string key = p.substr(at == 0 ? 0 : at + 1);
    if (key.empty()) break;
    if (FormatFor(key, formats) != nullptr) return key;
  }
  return p;
}

}  // namespace

void AddLocalFilesOptions(CLI::App* cmd, LocalFilesArgs* args, const std::string& with_format) {
  cmd->add_option("--config", args->config, "The configuration file with the [[formats]]")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", args->format, with_format + " (its name)");
  cmd->add_option("FILE", args->files, "The files")->required()->check(CLI::ExistingFile);
}

Status LocalIngestOptions(const LocalFilesArgs& args, const GivenFlags& given,
                          IngestOptions* out) {
  const std::string& config = args.config;
  const std::string& format = args.format;
  Settings settings;
  RETURN_IF_ERROR(ResolveFile(config, given, &settings));
  *out = settings.ingest;
  out->partitions = 1;  // records come back in line order
  out->max_dead_letters = SIZE_MAX;
  if (format.empty()) return Status::Ok();
  std::vector<FormatConfig> chosen;
  for (const FormatConfig& f : out->formats) {
    if (f.name == format) chosen.push_back(f);
  }
  if (chosen.empty()) {
    std::string names;
    for (const FormatConfig& f : out->formats) names += (names.empty() ? "" : ", ") + f.name;
    return InvalidArgument("no format named '" + format + "' in " + config +
                           " (formats: " + (names.empty() ? "none" : names) + ")");
  }
  chosen[0].match.clear();  // every file
  out->formats = {chosen[0]};
  return Status::Ok();
}

Result<LocalFile> IngestLocalFile(const std::string& path, const IngestOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(InvalidArgument("cannot read " + path));
  std::stringstream content;
  content << in.rdbuf();
  LocalFile file;
  file.content = content.str();
  file.key = LocalFileKey(path, options.formats);
  file.format = FormatFor(file.key, options.formats);
  MemoryStore store;
  MemoryLog log;
  if (auto put = store.Put(file.key, file.content); !put) return Err(put.error());
  Ingester ingester(store, log, options);
  RETURN_IF_ERROR(ingester.Init());
  ObjectEvent event;
  event.key = file.key;
  if (auto r = ingester.IngestObject(event); !r) return Err(r.error());
  auto records = log.Read(options.logs_topic, 0, 0, SIZE_MAX);
  if (!records) return Err(records.error());
  auto dead = log.Read(options.dead_letter_topic, 0, 0, SIZE_MAX);
  if (!dead) return Err(dead.error());
  file.records = std::move(*records);
  file.dead_letters = std::move(*dead);
  file.lines = ingester.counters().lines;
  return file;
}

}  // namespace logstream::cli
