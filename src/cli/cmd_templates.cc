// `logstream templates --config F [--format NAME] FILE... [--assign]`: parses
// local files as ingest would (like `formats test`) and mines every record,
// whatever its level, for log templates with its format's template_* settings
// (src/template/miner.h). Prints each template with its count and one
// example; with --assign, one line per record in input order,
// TEMPLATE_ID<TAB>TEMPLATE (the template as it stands after the last record),
// which is what bench/templates_bench.py scores.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <unordered_map>

#include "src/cli/commands.h"
#include "src/cli/local_files.h"
#include "src/record/json.h"
#include "src/template/miner.h"

namespace logstream::cli {
namespace {

struct TemplatesArgs : LocalFilesArgs {
  bool assign = false;
  size_t max_templates = TemplateMinerOptions{}.max_templates;
};

// One miner per format, with what the command shows of its templates.
struct FormatMiner {
  std::string label;  // "format 'hdfs'"
  TemplateMiner miner;
  struct Seen {
    uint64_t count = 0;
    uint64_t first = 0;  // the number of the first record
    std::string text;    // the latest text
    std::string example;
  };
  std::unordered_map<uint64_t, Seen> seen = {};
  uint64_t records = 0;
};

// The first line of a message, at most 300 bytes.
std::string Example(std::string_view message) {
  std::string_view line = message.substr(0, message.find('\n'));
  const bool cut = line.size() < message.size() || line.size() > 300;
  return std::string(line.substr(0, 300)) + (cut ? "..." : "");
}

int MineTemplates(const TemplatesArgs& a, const GivenFlags& given) {
  IngestOptions options;
  if (Status s = LocalIngestOptions(a, given, &options); !s.ok()) {
    return Fail(s.message(), 2);
  }
  std::vector<std::unique_ptr<FormatMiner>> miners;
  std::map<std::string, size_t> miner_of;  // format name -> index
  struct Assigned {
    size_t miner;
    uint64_t id;
  };
  std::vector<Assigned> assigned;
  uint64_t dead_letters = 0;
  for (const std::string& path : a.files) {
    auto file = IngestLocalFile(path, options);
    if (!file) return Fail(file.error().message(), 2);
    const FormatConfig* format = file->format;
    const std::string name = format ? format->name : "";
    auto [it, added] = miner_of.emplace(name, miners.size());
    if (added) {
      TemplateMinerOptions mo = format ? format->templates.MinerOptions() : TemplateSettings{}.MinerOptions();
      mo.max_templates = a.max_templates;
      auto miner = TemplateMiner::Make(mo);
      if (!miner) return Fail("format '" + name + "': " + miner.error().message(), 2);
      miners.push_back(std::make_unique<FormatMiner>(FormatMiner{
          format ? "format '" + name + "'" : "the built-in format", std::move(*miner)}));
    }
    FormatMiner& fm = *miners[it->second];

    dead_letters += file->dead_letters.size();
    RecordDecoder decoder;
    for (const LogRecordEntry& e : file->records) {
      auto r = decoder.DecodeView(e.value);
      if (!r) return Fail("cannot decode a record: " + r.error().message());
      const TemplateMatch m = fm.miner.Add(r->message, r->time);
      FormatMiner::Seen& seen = fm.seen[m.id];
      if (m.created) {  // (again, after the cap made the miner forget it)
        seen.text = fm.miner.Text(m.id);
        if (seen.count == 0) {
          seen.first = fm.records;
          seen.example = Example(r->message);
        }
      } else if (m.changed) {
        seen.text = fm.miner.Text(m.id);
      }
      ++seen.count;
      ++fm.records;
      if (a.assign) assigned.push_back({it->second, m.id});
    }
  }
  if (dead_letters > 0) {
    std::cerr << "logstream: " << dead_letters
              << " lines were not parsed and are left out (`logstream formats test` shows why)\n";
  }
  if (a.assign) {
    std::string out;
    for (const Assigned& x : assigned) {
      out += TemplateIdHex(x.id);
      out += '\t';
      out += miners[x.miner]->seen[x.id].text;
      out += '\n';
      if (out.size() > (1 << 16)) {
        std::cout << out;
        out.clear();
      }
    }
    std::cout << out;
    return 0;
  }
  for (const auto& fm : miners) {
    std::vector<std::pair<uint64_t, const FormatMiner::Seen*>> list;
    for (const auto& [id, seen] : fm->seen) list.emplace_back(id, &seen);
    std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) {
      if (x.second->count != y.second->count) return x.second->count > y.second->count;
      return x.second->first < y.second->first;
    });
    std::cout << fm->label << ": " << fm->records << " records, " << list.size() << " templates";
    if (fm->miner.evicted() > 0) {
      std::cout << " (" << fm->miner.evicted() << " forgotten at the cap of " << a.max_templates
                << ")";
    }
    std::cout << "\n";
    for (const auto& [id, seen] : list) {
      std::cout << std::setw(8) << seen->count << "  " << TemplateIdHex(id) << "  " << seen->text
                << "\n          e.g. " << seen->example << "\n";
    }
  }
  return 0;
}

}  // namespace

void RegisterTemplates(CLI::App& app, Context& ctx) {
  auto [cmd, args] = AddCommand<TemplatesArgs>(app, "templates", R"(
Mine local files for log templates (Drain, with the built-in masks of numbers, hex, IPs,
UUIDs, URLs, paths and durations, then each format's template_masks). Each file is parsed
by the first [[formats]] entry whose match glob matches its path (or a trailing part of
it), or by --format, and every record is mined, whatever its level, with that format's
template_similarity, template_depth and template_masks. Prints each template with its
count, id and one example, most frequent first; --assign prints instead one line per
record, in input order: TEMPLATE_ID<TAB>TEMPLATE.
)");
  AddLocalFilesOptions(cmd, args.get(), "Parse and mine every file with this format");
  cmd->add_flag("--assign", args->assign, "One line per record: TEMPLATE_ID<TAB>TEMPLATE");
  cmd->add_option("--max-templates", args->max_templates,
                  "Templates kept per format; past it the least recently matched is forgotten "
                  "(default 10000)")
      ->check(CLI::PositiveNumber);
  cmd->callback([args = args, &ctx] { ctx.exit_code = MineTemplates(*args, ctx.given); });
}

}  // namespace logstream::cli
