#include "src/metrics/process_metrics.h"

#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "src/base/time.h"
#include "src/metrics/metrics.h"

namespace logstream::metrics {
namespace {

// Fields 14, 15 (utime, stime in clock ticks) and 24 (rss in pages) of
// /proc/self/stat; false if it cannot be read.
bool ReadStat(double* cpu_seconds, double* rss_bytes) {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return false;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  double utime = 0, stime = 0, rss = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
    if (i == 24) {
      rss = std::stod(f);
      break;
    }
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  *cpu_seconds = (utime + stime) / ticks;
  *rss_bytes = rss * static_cast<double>(sysconf(_SC_PAGESIZE));
  return true;
}

}  // namespace

void AddProcessMetrics(std::string_view version) {
  static std::once_flag once;
  std::call_once(once, [v = std::string(version)] {
    const double start = static_cast<double>(NowMs()) / 1e3;
    static CollectorHandle handle = Default().AddCollector([v, start](Collection& c) {
      double cpu = 0, rss = 0;
      if (ReadStat(&cpu, &rss)) {
        c.Counter("process_cpu_seconds_total", "user and system CPU time of this process", {}, cpu);
        c.Gauge("process_resident_memory_bytes", "resident memory of this process", {}, rss);
      }
      c.Gauge("process_start_time_seconds", "when this process started, since the epoch", {}, start);
      c.Gauge("logstream_build_info", "the build of logstream that runs (value 1)", {{"version", v}}, 1);
    });
  });
}

}  // namespace logstream::metrics
