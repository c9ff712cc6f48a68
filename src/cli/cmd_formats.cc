// `logstream formats test --config F [--format NAME] FILE...`: parses local
// files as ingest would (the same Ingester, on an in-memory store and log),
// and prints per file the records, dead letters by reason and levels, the
// first records as JSON and every failing line with its reason. Exits 1 when
// a line fails: this is how a user writes a format.
#include <simdjson.h>

#include <iostream>
#include <map>

#include "src/cli/commands.h"
#include "src/cli/local_files.h"
#include "src/format/line_parser.h"
#include "src/record/json.h"

namespace logstream::cli {
namespace {

struct FormatsTestArgs : LocalFilesArgs {
  int show = 3;
};

std::string FormatOf(const FormatConfig* f) {
  if (f == nullptr) return "the built-in format (no [[formats]] entry matches)";
  return "format '" + f->name + "' (" + std::string(FormatKindName(f->kind)) + ")";
}

int TestFormats(const FormatsTestArgs& a, const GivenFlags& given) {
  IngestOptions options;
  if (Status s = LocalIngestOptions(a, given, &options); !s.ok()) {
    return Fail(s.message(), 2);
  }
  bool failed = false;
  for (const std::string& path : a.files) {
    auto file = IngestLocalFile(path, options);
    if (!file) return Fail(file.error().message(), 2);
    const std::vector<LogRecordEntry>& records = file->records;
    const std::vector<LogRecordEntry>& dead = file->dead_letters;
    std::cout << path << " (object key " << file->key << "): " << FormatOf(file->format) << "\n"
              << "  " << file->lines << " lines, " << records.size() << " records, " << dead.size()
              << " dead letters\n";
    RecordDecoder decoder;
    std::map<std::string, uint64_t> levels;
    for (const LogRecordEntry& e : records) {
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
    for (const LogRecordEntry& e : dead) {
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
        std::min<size_t>(records.size(), static_cast<size_t>(std::max(0, a.show)));
    if (shown > 0)
      std::cout << "  first " << shown << " record" << (shown == 1 ? "" : "s") << ":\n";
    for (size_t i = 0; i < shown; ++i) std::cout << "    " << records[i].value << "\n";
    if (!failing.empty()) {
      failed = true;
      // Line numbers from the offsets.
      const std::string& text = file->content;
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
  AddLocalFilesOptions(test, args.get(), "Parse every file with this format");
  test->add_option("--show", args->show, "Records printed as JSON per file (default 3)");
  test->callback([args = args, &ctx] { ctx.exit_code = TestFormats(*args, ctx.given); });
}

}  // namespace logstream::cli
