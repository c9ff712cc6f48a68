// Parser throughput of the [[formats]] kinds on realistic lines: the LogHub
// samples of testdata/loghub repeated (json and logfmt lines made from
// the Hadoop sample's records), each beside an RE2 regex parse of the same
// lines (FullMatch with a capture per field, no time conversion: what a
// regex-based peer does at least). Part of parse_bench.
#include <benchmark/benchmark.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "src/base/json_string.h"
#include "src/format/line_parser.h"

#ifndef LOGSTREAM_SOURCE_DIR
#define LOGSTREAM_SOURCE_DIR "."
#endif

namespace logstream {
namespace {

constexpr size_t kTargetBytes = 8 << 20;  // each buffer: the sample repeated to ~8 MiB

std::string ReadSample(const std::string& system) {
  const char* env = std::getenv("LOGHUB_DIR");
  const std::string dir = env ? env : std::string(LOGSTREAM_SOURCE_DIR) + "/testdata/loghub";
  std::ifstream in(dir + "/" + system + "/" + system + "_2k.log", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return text;
}

std::string Repeat(const std::string& text) {
  if (text.empty()) return text;
  std::string out;
  out.reserve(kTargetBytes + text.size());
  while (out.size() < kTargetBytes) out += text;
  return out;
}

// The Hadoop sample's records as ECS JSON lines or logfmt lines.
std::string HadoopAs(bool json) {
  const std::string text = ReadSample("Hadoop");
  auto layout = MakeLineParser([] {
    FormatConfig c;
    c.name = "hadoop";
    c.pattern = "%d{ISO8601} %p [%t] %c: %m%n";
    return c;
  }());
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    LogLine l;
    bool starts;
    if (!(*layout)->Parse(line, &l, &starts).ok()) continue;
    std::string ts = std::string(line.substr(0, 10)) + "T" + std::string(line.substr(11, 8)) + "." +
                     std::string(line.substr(20, 3)) + "Z";
    if (json) {
      out += "{\"@timestamp\":\"" + ts + "\",\"log.level\":";
      AppendJsonString(std::string(LevelName(l.level)), &out);
      out += ",\"message\":";
      AppendJsonString(l.message, &out);
      out += ",\"process.thread.name\":";
      AppendJsonString(l.thread, &out);
      out += ",\"log.logger\":";
      AppendJsonString(l.logger, &out);
      out += ",\"service.name\":\"mapreduce\",\"ecs.version\":\"1.6.0\"}\n";
    } else {
      out += "time=" + ts + " level=" + std::string(LevelName(l.level)) + " logger=" + std::string(l.logger) +
             " thread=";
      AppendJsonString(l.thread, &out);  // a quoted logfmt value
      out += " msg=";
      AppendJsonString(l.message, &out);
      out += "\n";
    }
  }
  return out;
}

struct Sample {
  std::string name;
  FormatConfig config;
  std::string lines;
  std::string regex;  // the RE2 peer: a capture per field
};

const std::vector<Sample>& Samples() {
  static const std::vector<Sample> samples = [] {
    auto cfg = [](FormatKind kind, std::string text) {
      FormatConfig c;
      c.name = "bench";
      c.kind = kind;
      if (kind == FormatKind::kPattern) c.pattern = std::move(text);
      if (kind == FormatKind::kRegex) c.regex = std::move(text);
      return c;
    };
    std::vector<Sample> s;
    s.push_back({"Hadoop", cfg(FormatKind::kPattern, "%d{ISO8601} %p [%t] %c: %m%n"), Repeat(ReadSample("Hadoop")),
                 R"re((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\w+) \[(.*?)\] (\S+): (.*?)\r?)re"});
    s.push_back({"Zookeeper", cfg(FormatKind::kPattern, "%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n"),
                 Repeat(ReadSample("Zookeeper")),
                 R"re((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - (\w+) +\[(.*):([\w$.]+)@(\d+)\] - (.*?)\r?)re"});
    s.push_back({"HDFS", cfg(FormatKind::kPattern, "%d{yyMMdd HHmmss} %X{pid} %p %c: %m%n"),
                 Repeat(ReadSample("HDFS")), R"re((\d{6} \d{6}) (\d+) (\w+) (\S+): (.*?)\r?)re"});
    s.push_back({"Spark", cfg(FormatKind::kPattern, "%d{yy/MM/dd HH:mm:ss} %p %c: %m%n"),
                 Repeat(ReadSample("Spark")), R"re((\d\d/\d\d/\d\d \d\d:\d\d:\d\d) (\w+) (\S+): (.*?)\r?)re"});
    s.push_back({"Linux", cfg(FormatKind::kSyslog, ""), Repeat(ReadSample("Linux")),
                 R"re((\w{3} +\d+ \d\d:\d\d:\d\d) (\S+) (.*?)(?:\[(\d+)\])?: (.*?)\r?)re"});
    FormatConfig android = cfg(FormatKind::kRegex,
                               R"re(^(?P<time>\d\d-\d\d \d\d:\d\d:\d\d\.\d+) +(?P<pid>\d+) +(?P<thread>\d+) )re"
                               R"re((?P<level>[A-Z]) (?P<logger>.*?): (?P<message>.*?)\r?$)re");
    android.time_format = "%m-%d %H:%M:%S.%f";
    s.push_back({"Android", android, Repeat(ReadSample("Android")),
                 R"re((\d\d-\d\d \d\d:\d\d:\d\d\.\d+) +(\d+) +(\d+) ([A-Z]) (.*?): (.*?)\r?)re"});
    s.push_back({"HadoopEcsJson", cfg(FormatKind::kJson, ""), Repeat(HadoopAs(true)),
                 R"re(\{"@timestamp":"([^"]*)","log\.level":"([^"]*)","message":"((?:[^"\\]|\\.)*)",)re"
                 R"re("process\.thread\.name":"((?:[^"\\]|\\.)*)","log\.logger":"([^"]*)",)re"
                 R"re("service\.name":"([^"]*)","ecs\.version":"([^"]*)"\})re"});
    s.push_back({"HadoopLogfmt", cfg(FormatKind::kLogfmt, ""), Repeat(HadoopAs(false)),
                 R"re(time=(\S+) level=(\S+) logger=(\S+) thread="((?:[^"\\]|\\.)*)" msg="((?:[^"\\]|\\.)*)")re"});
    return s;
  }();
  return samples;
}

const Sample* Find(const std::string& name) {
  for (const Sample& s : Samples()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void Report(benchmark::State& state, size_t bytes, size_t lines) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}

void BM_Format(benchmark::State& state, const std::string& name) {
  const Sample* s = Find(name);
  if (s == nullptr || s->lines.empty()) {
    state.SkipWithError("no sample (set LOGHUB_DIR to testdata/loghub)");
    return;
  }
  auto parser = MakeLineParser(s->config);
  if (!parser) {
    state.SkipWithError(parser.error().message().c_str());
    return;
  }
  ObjectContext context;
  context.reference = context.key_date = 1514678400000;  // 2017-12-31
  context.source_from_key = true;
  (*parser)->StartObject(context);
  size_t lines = 0;
  LogLine l;
  bool starts;
  for (auto _ : state) {
    const char* p = s->lines.data();
    const char* end = p + s->lines.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      Status st = (*parser)->Parse(std::string_view(p, nl - p), &l, &starts);
      if (!st.ok()) {
        state.SkipWithError(st.message().c_str());
        return;
      }
      benchmark::DoNotOptimize(l.message.data());
      p = nl + 1;
      ++lines;
    }
  }
  Report(state, s->lines.size(), lines);
}

void BM_Re2(benchmark::State& state, const std::string& name) {
  const Sample* s = Find(name);
  if (s == nullptr || s->lines.empty()) {
    state.SkipWithError("no sample (set LOGHUB_DIR to testdata/loghub)");
    return;
  }
  RE2 re(s->regex);
  const int n = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> groups(static_cast<size_t>(n));
  std::vector<RE2::Arg> args(static_cast<size_t>(n));
  std::vector<const RE2::Arg*> argp(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) args[i] = RE2::Arg(&groups[i]), argp[i] = &args[i];
  size_t lines = 0;
  for (auto _ : state) {
    const char* p = s->lines.data();
    const char* end = p + s->lines.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (!RE2::FullMatchN(re2::StringPiece(p, nl - p), re, argp.data(), n)) {
        state.SkipWithError(("regex did not match: " + std::string(p, std::min<size_t>(nl - p, 200))).c_str());
        return;
      }
      benchmark::DoNotOptimize(groups[0].data());
      p = nl + 1;
      ++lines;
    }
  }
  Report(state, s->lines.size(), lines);
}

#define FORMAT_ROWS(kind, name)                                                     \
  BENCHMARK_CAPTURE(BM_Format, kind##_##name, std::string(#name));                \
  BENCHMARK_CAPTURE(BM_Re2, kind##_##name, std::string(#name))

FORMAT_ROWS(pattern, Hadoop);
FORMAT_ROWS(pattern, Zookeeper);
FORMAT_ROWS(pattern, HDFS);
FORMAT_ROWS(pattern, Spark);
FORMAT_ROWS(syslog, Linux);
FORMAT_ROWS(regex, Android);
FORMAT_ROWS(json, HadoopEcsJson);
FORMAT_ROWS(logfmt, HadoopLogfmt);

}  // namespace
}  // namespace logstream
