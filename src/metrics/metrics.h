// Metrics: counters, gauges and histograms in one process-wide registry,
// written out in the Prometheus text exposition format 0.0.4 for /metrics.
//
// A metric family has a name (logstream_<stage>_<what>_<unit>, counters
// ending in _total), a help line and fixed label names; each set of label
// values is one series. Stages declare their families once (static locals)
// and keep references to the series they update: an update is one relaxed
// atomic add, cheap enough for per-batch use on the hot path. Label values
// must have bounded cardinality (stage, topic, partition, sink, reason,
// level, format, rule; never an object key or a host name); a family refuses
// to grow past kMaxSeries series and counts the rest in one series whose
// labels are all "_other", so no input can grow memory without bound.
//
// Values that exist elsewhere (a lag, RSS, open windows) are read at scrape
// time by collectors, added with AddCollector and removed when the returned
// handle is destroyed.
//
// Thread-safe throughout.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace logstream::metrics {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative buckets with fixed upper bounds (seconds for durations).
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);
  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bound, then +Inf
  std::atomic<double> sum_{0};
};

// Bounds for durations from 1 ms to about 1 min.
const std::vector<double>& DurationBuckets();

enum class Type { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  static constexpr size_t kMaxSeries = 1000;
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  Type type() const { return type_; }
  const std::vector<std::string>& labels() const { return labels_; }

 protected:
  std::string name_, help_;
  Type type_;
  std::vector<std::string> labels_;
};

template <class M>
class Family : public FamilyBase {
 public:
  using FamilyBase::FamilyBase;
  // The series of these label values (as many as the family has labels),
  // created at the first call. The reference stays valid for the process.
  M& With(std::initializer_list<std::string_view> values) {
    std::vector<std::string> key(values.begin(), values.end());
    std::lock_guard<std::mutex> lock(mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
    if (series_.size() >= kMaxSeries) key.assign(labels_.size(), "_other");
    auto& slot = series_[key];
    if (!slot) slot = Make();
    return *slot;
  }
  M& Get() { return With({}); }  // a family without labels
  // Calls f(label values, series) for each series, in label order.
  template <class F>
  void ForEach(F f) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, m] : series_) f(key, *m);
  }
  void SetBounds(const std::vector<double>* bounds) { bounds_ = bounds; }

 private:
  std::unique_ptr<M> Make() {
    if constexpr (std::is_same_v<M, Histogram>) {
      return std::make_unique<M>(bounds_);
    } else {
      return std::make_unique<M>();
    }
  }
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> series_;
  const std::vector<double>* bounds_ = &DurationBuckets();
};

// What a collector adds at scrape time: samples of gauge or counter families
// that it names here (one help text per name).
class Collection {
 public:
  void Gauge(std::string_view name, std::string_view help,
             std::vector<std::pair<std::string, std::string>> labels, double value);
  void Counter(std::string_view name, std::string_view help,
               std::vector<std::pair<std::string, std::string>> labels, double value);

  struct Sample {
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
  };
  struct Entry {
    std::string help;
    Type type = Type::kGauge;
    std::vector<Sample> samples;
  };
  std::map<std::string, Entry> entries;
};

using Collector = std::function<void(Collection&)>;

class Registry;

// Removes its collector when destroyed.
class CollectorHandle {
 public:
  CollectorHandle() = default;
  CollectorHandle(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}
  CollectorHandle(CollectorHandle&& o) noexcept { *this = std::move(o); }
  CollectorHandle& operator=(CollectorHandle&& o) noexcept;
  ~CollectorHandle() { Reset(); }
  void Reset();

 private:
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  // The family of this name, created at the first call; later calls with
  // the same name return it (their help and labels are not compared).
  Family<Counter>& CounterFamily(std::string_view name, std::string_view help,
                                 std::vector<std::string> labels = {});
  Family<Gauge>& GaugeFamily(std::string_view name, std::string_view help,
                             std::vector<std::string> labels = {});
  Family<Histogram>& HistogramFamily(std::string_view name, std::string_view help,
                                     std::vector<std::string> labels = {},
                                     const std::vector<double>* bounds = &DurationBuckets());

  [[nodiscard]] CollectorHandle AddCollector(Collector collector);
  void RemoveCollector(uint64_t id);

  // The Prometheus text exposition (format 0.0.4) of every family and
  // collector, sorted by name.
  std::string Text() const;
  // Per family name, the sum of its series (counters and gauges; for a
  // histogram its count), collectors included: what /api/v1/status reads.
  std::map<std::string, double> Totals() const;
  // Each series of a counter or gauge family: its label values and value.
  std::vector<std::pair<std::vector<std::string>, double>> Series(std::string_view name) const;

 private:
  template <class M>
  Family<M>& GetFamily(std::string_view name, std::string_view help, Type type,
                       std::vector<std::string> labels);
  Collection Collect() const;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>, std::less<>> families_;
  std::map<uint64_t, Collector> collectors_;
  uint64_t next_id_ = 1;
};

// The process-wide registry that /metrics exposes.
Registry& Default();

// Shorthands on Default() for a family without labels.
inline Counter& CounterOf(std::string_view name, std::string_view help) {
  return Default().CounterFamily(name, help).Get();
}
inline Gauge& GaugeOf(std::string_view name, std::string_view help) {
  return Default().GaugeFamily(name, help).Get();
}
inline Histogram& HistogramOf(std::string_view name, std::string_view help) {
  return Default().HistogramFamily(name, help).Get();
}

// Measures from construction to destruction into a histogram, in seconds.
class Timer {
 public:
  explicit Timer(Histogram& h);
  ~Timer();

 private:
  Histogram& h_;
  int64_t start_ns_;
};

}  // namespace logstream::metrics
