// `logstream generate`: writes CS441-style log files of simulated hosts into a
// bucket (see src/generate/generator.h for what is written).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "src/cli/commands.h"
#include "src/cli/settings.h"
#include "src/generate/generator_options.h"
#include "src/cli/signals.h"
#include "src/generate/generator.h"
#include "src/store/object_store.h"

namespace logstream::cli {
namespace {

struct GenerateArgs {
  std::string out = "data/bucket";
  std::string config;
};

// s3://bucket/path/prefix names the bucket and a key prefix; a file:// URL or
// a plain path is the bucket directory as a whole.
void SplitOut(const std::string& out, std::string* store_url, std::string* prefix) {
  *store_url = out;
  prefix->clear();
  if (!out.starts_with("s3://")) return;
  const size_t slash = out.find('/', 5);
  if (slash == std::string::npos) return;
  *store_url = out.substr(0, slash);
  *prefix = out.substr(slash + 1);
  while (!prefix->empty() && prefix->back() == '/') prefix->pop_back();
}

void PrintProgress(const GenerateStats& s) {
  const double secs = static_cast<double>(s.elapsed_ms) / 1000;
  std::fprintf(stderr, "\r\033[Kgenerate: %llu lines, %llu objects, %.1f s, %.2f M lines/s",
               static_cast<unsigned long long>(s.TotalLines()),
               static_cast<unsigned long long>(s.ObjectsCreated() + s.ObjectsUnchanged()), secs,
               secs > 0 ? static_cast<double>(s.TotalLines()) / secs / 1e6 : 0.0);
  std::fflush(stderr);
}

void PrintSummary(const GenerateStats& s, const std::string& out) {
  const double secs = static_cast<double>(s.elapsed_ms) / 1000;
  uint64_t bytes = 0;
  for (const HostStats& h : s.hosts) bytes += h.bytes;
  std::printf("generated %llu lines from %zu host%s into %s in %.2f s (%.2f M lines/s)%s\n",
              static_cast<unsigned long long>(s.TotalLines()), s.hosts.size(),
              s.hosts.size() == 1 ? "" : "s", out.c_str(), secs,
              secs > 0 ? static_cast<double>(s.TotalLines()) / secs / 1e6 : 0.0,
              s.stopped ? ", stopped early" : "");
  std::printf("objects: %llu written, %llu unchanged (identical object already there); "
              "%.1f MB of lines, %.1f MB stored\n",
              static_cast<unsigned long long>(s.ObjectsCreated()),
              static_cast<unsigned long long>(s.ObjectsUnchanged()), static_cast<double>(bytes) / 1e6,
              static_cast<double>(s.stored_bytes) / 1e6);
  constexpr Level kShown[] = {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError};
  std::printf("%-12s %10s", "host", "lines");
  for (Level l : kShown) std::printf(" %9s", std::string(LevelName(l)).c_str());
  std::printf(" %8s %9s\n", "objects", "unchanged");
  HostStats total;
  total.host = "total";
  for (const HostStats& h : s.hosts) {
    for (size_t i = 0; i < h.lines.size(); ++i) total.lines[i] += h.lines[i];
    total.objects_created += h.objects_created;
    total.objects_unchanged += h.objects_unchanged;
  }
  auto row = [&](const HostStats& h) {
    std::printf("%-12s %10llu", h.host.c_str(), static_cast<unsigned long long>(h.TotalLines()));
    for (Level l : kShown) {
      std::printf(" %9llu", static_cast<unsigned long long>(h.lines[static_cast<size_t>(l)]));
    }
    std::printf(" %8llu %9llu\n", static_cast<unsigned long long>(h.objects_created),
                static_cast<unsigned long long>(h.objects_unchanged));
  };
  for (const HostStats& h : s.hosts) row(h);
  if (s.hosts.size() > 1) row(total);
}

int RunGenerate(GenerateArgs& args, const GivenFlags& given) {
  Settings settings;
  if (Status s = ResolveFile(args.config, given, &settings); !s.ok()) return Fail(s.message(), 2);
  GeneratorOptions& o = settings.generator;
  std::string store_url, url_prefix;
  SplitOut(args.out, &store_url, &url_prefix);
  if (!url_prefix.empty()) o.prefix = o.prefix.empty() ? url_prefix : url_prefix + "/" + o.prefix;
  if (Status s = ValidateGeneratorOptions(o); !s.ok()) return Fail(s.message(), 2);

  ApplyS3Endpoint(settings.store);
  OpenStoreOptions open_options;
  open_options.create_bucket = true;  // as the original generators' bucket setup did
  auto store = OpenStore(store_url, open_options);
  if (!store) return Fail("cannot open --out " + RedactUrl(args.out) + ": " + store.error().message());
  ObjectStore& bucket = **store;
  Publisher publish = [&bucket](std::string_view key, std::string_view data) -> Result<bool> {
    ASSIGN_OR_RETURN(PutResult r, bucket.Put(key, data));
    return r.created;
  };

  GenerateHooks hooks;
  hooks.stop = &InstallStopHandlers();
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (tty) hooks.progress = PrintProgress;
  auto stats = Generate(o, publish, hooks);
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!stats) return Fail("generate: " + stats.error().message());
  PrintSummary(*stats, bucket.Url());
  return 0;
}

}  // namespace

constexpr std::string_view kGenerateHelp = R"(
Write CS441 LogFileGenerator-style log files of simulated hosts into a bucket, as objects
[PREFIX/]HOST/YYYY-MM-DD/HOST-NNNNNN.log[.gz|.zst], rolled by lines, bytes or seconds and at
UTC midnight. With --start the run is simulated and reproducible: same seed and options,
byte-identical objects (re-publishing them is a no-op). Ctrl-C publishes what was written.
)";

void RegisterGenerate(CLI::App& app, Context& ctx) {
  auto [cmd, args] = AddCommand<GenerateArgs>(app, "generate", kGenerateHelp);
  AddFlags(cmd, GeneratorTable(), &ctx.given, GeneratorOptions{}, "Generator");
  AddFlags(cmd, GeneratorLevelsTable(), &ctx.given, GeneratorOptions{}, "Generator");
  cmd->add_option("--out", args->out,
                  "bucket: file:///abs/path or a directory path (whole directory is the bucket), "
                  "s3://bucket/prefix (a missing bucket is created)")
      ->capture_default_str()
      ->type_name("URL");
  AddFlags(cmd, StoreTable(), &ctx.given, StoreSettings{}, "Store", {"s3_endpoint"});
  AddConfigFlag(cmd, &args->config);
  cmd->callback([args, &ctx] { ctx.exit_code = RunGenerate(*args, ctx.given); });
}

}  // namespace logstream::cli
