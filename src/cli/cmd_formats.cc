// `logstream formats test --config F [--format NAME] FILE...`: parses local
// files as ingest would (the same Ingester, on an in-memory store and log),
// and prints per file the records, dead letters by reason and levels, the
// first records as JSON and every failing line with its reason. Exits 1 when
// a line fails: this is how a user writes a format.
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "src/cli/commands.h"
#include "src/cli/settings.h"
#include "src/format/line_parser.h"
#include "src/ingest/ingester.h"
#include "src/log/memory_log.h"
#include "src/record/json.h"
#include "src/store/memory_store.h"

namespace logstream::cli {
namespace {

struct FormatsTestArgs {
  std::string config;
  std::string format;
  std::vector<std::string> files;
  int show = 3;
};

}  // namespace

std::string LocalFileKey(const std::string& path, const std::vector<FormatConfig>& formats) {
  // Without "." and ".." segments, which object keys must not have.
  std::string p = std::filesystem::path(path).lexically_normal().generic_string();
  while (p.starts_with("/") || p.starts_with("./") || p.starts_with("../")) {
    p.erase(0, p[0] == '/' ? 1 : p[1] == '/' ? 2 : 3);
  }
  for (size_t at = 0; at != std::string::npos; at = p.find('/', at + 1)) {
    const std::string key = p.substr(at == 0 ? 0 : at + 1);
    if (key.empty()) break;
    for (const FormatConfig& f : formats) {
      if (f.match.empty() || GlobMatch(f.match, key)) return key;
    }
  }
  return p;
}

Status NarrowToFormat(const std::string& name, const std::string& config,
                      std::vector<FormatConfig>* formats) {
  std::vector<FormatConfig> chosen;
  for (const FormatConfig& f : *formats) {
    if (f.name == name) chosen.push_back(f);
  }
  if (chosen.empty()) {
    std::string names;
    for (const FormatConfig& f : *formats) names += (names.empty() ? "" : ", ") + f.name;
    return InvalidArgument("no format named '" + name + "' in " + config +
                           " (formats: " + (names.empty() ? "none" : names) + ")");
  }
  chosen[0].match.clear();  // every file
  *formats = {chosen[0]};
  return Status::Ok();
}

namespace {

std::string FormatOf(const std::string& key, const std::vector<FormatConfig>& formats) {
  for (const FormatConfig& f : formats) {
    if (f.match.empty() || GlobMatch(f.match, key)) {
      return "format '" + f.name + "' (" + std::string(FormatKindName(f.kind)) + ")";
    }
  }
  return "the built-in format (no [[formats]] entry matches)";
}

int TestFormats(const FormatsTestArgs& a, const GivenFlags& given) {
  Settings settings;
  if (Status s = ResolveFile(a.config, given, &settings); !s.ok()) return Fail(s.message(), 2);
  IngestOptions options = settings.ingest;
  if (!a.format.empty()) {
    if (Status s = NarrowToFormat(a.format, a.config, &options.formats); !s.ok()) {
      return Fail(s.message(), 2);
    }
  }
  options.partitions = 1;  // records come back in line order
  options.max_dead_letters = SIZE_MAX;
  bool failed = false;
  for (const std::string& path : a.files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail("cannot read " + path, 2);
    std::stringstream content;
    content << in.rdbuf();
    const std::string key = LocalFileKey(path, options.formats);
    MemoryStore store;
    MemoryLog log;
    if (auto put = store.Put(key, content.str()); !put) return Fail(put.error().message());
    Ingester ingester(store, log, options);
    if (Status s = ingester.Init(); !s.ok()) return Fail(s.message(), 2);
    ObjectEvent event;
    event.key = key;
    if (auto r = ingester.IngestObject(event); !r) return Fail(r.error().message());
    auto records = log.Read(options.logs_topic, 0, 0, SIZE_MAX);
    auto dead = log.Read(options.dead_letter_topic, 0, 0, SIZE_MAX);
    if (!records || !dead) return Fail("cannot read back the records");
    const IngestCounters& c = ingester.counters();
    std::cout << path << " (object key " << key << "): " << FormatOf(key, options.formats) << "\n"
              << "  " << c.lines << " lines, " << c.records << " records, " << c.dead_letters
              << " dead letters\n";
    RecordDecoder decoder;
    std::map<std::string, uint64_t> levels;
    for (const LogRecordEntry& e : *records) {
      auto r = decoder.DecodeView(e.value);
      if (r) ++levels[std::string(LevelName(r->level))];
    }
    std::cout << "  levels:";
    for (Level l : kAllLevels) {
      auto it = levels.find(std::string(LevelName(l)));
      if (it != levels.end()) std::cout << " " << LevelName(l) << " " << it->second;
    }
    std::cout << (levels.empty() ? " none\n" : "\n");
    std::map<std::string, uint64_t> reasons;
    simdjson::dom::parser parser;
    struct Failing {
      uint64_t offset;
      std::string reason, raw;
    };
    std::vector<Failing> failing;
    for (const LogRecordEntry& e : *dead) {
      simdjson::dom::element doc;
      if (parser.parse(e.value).get(doc)) continue;
      std::string_view reason, raw;
      uint64_t offset = 0;
      if (doc["reason"].get(reason) || doc["raw"].get(raw) || doc["offset"].get(offset)) continue;
      // By reason without the column, so that one cause counts once.
      std::string cause(reason);
      if (size_t col = cause.find("column "); col != std::string::npos) {
        size_t colon = cause.find(": ", col);
        if (colon != std::string::npos) cause.erase(col, colon + 2 - col);
      }
      ++reasons[cause];
      failing.push_back({offset, std::string(reason), std::string(raw)});
    }
    if (!reasons.empty()) {
      std::cout << "  dead letters by reason:\n";
      for (const auto& [reason, n] : reasons) std::cout << "    " << n << " x " << reason << "\n";
    }
    const size_t shown =
        std::min<size_t>(records->size(), static_cast<size_t>(std::max(0, a.show)));
    if (shown > 0)
      std::cout << "  first " << shown << " record" << (shown == 1 ? "" : "s") << ":\n";
    for (size_t i = 0; i < shown; ++i) std::cout << "    " << (*records)[i].value << "\n";
    if (!failing.empty()) {
      failed = true;
      // Line numbers from the offsets.
      const std::string& text = content.str();
      std::cout << "  failing lines:\n";
      size_t line_no = 1, pos = 0;
      for (const Failing& f : failing) {
        if (f.raw.empty()) {  // about the whole object
          std::cout << "    " << path << ": " << f.reason << "\n";
          continue;
        }
        while (pos < f.offset && pos < text.size()) {
          if (text[pos++] == '\n') ++line_no;
        }
        std::cout << "    " << path << ":" << line_no << ": " << f.reason << "\n      "
                  << f.raw.substr(0, 300) << (f.raw.size() > 300 ? "..." : "") << "\n";
      }
    }
  }
  return failed ? 1 : 0;
}

}  // namespace

void RegisterFormats(CLI::App& app, Context& ctx) {
  CLI::App* formats = app.add_subcommand("formats", "Line formats ([[formats]] in the configuration)");
  formats->require_subcommand(1);
  auto [test, args] = AddCommand<FormatsTestArgs>(*formats, "test", R"(
Parse local files as ingest would: each by the first [[formats]] entry whose match glob
matches its path (or a trailing part of it), or by --format. Prints per file the records,
dead letters by reason and levels, the first records as JSON and every failing line with
its reason; exits 1 when a line fails.
)");
  test->add_option("--config", args->config, "The configuration file with the [[formats]]")
      ->required()
      ->check(CLI::ExistingFile);
  test->add_option("--format", args->format, "Parse every file with this format (its name)");
  test->add_option("--show", args->show, "Records printed as JSON per file (default 3)");
  test->add_option("FILE", args->files, "The files")->required()->check(CLI::ExistingFile);
  test->callback([args = args, &ctx] { ctx.exit_code = TestFormats(*args, ctx.given); });
}

}  // namespace logstream::cli
