#include "src/metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>

namespace logstream::metrics {

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), value);
  counts_[static_cast<size_t>(it - bounds_->begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

const std::vector<double>& DurationBuckets() {
  static const std::vector<double> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10,   30, 60};
  return kBounds;
}

void Collection::Gauge(std::string_view name, std::string_view help,
                       std::vector<std::pair<std::string, std::string>> labels, double value) {
  Entry& e = entries[std::string(name)];
  e.help = help;
  e.type = Type::kGauge;
  e.samples.push_back({std::move(labels), value});
}

void Collection::Counter(std::string_view name, std::string_view help,
                         std::vector<std::pair<std::string, std::string>> labels, double value) {
  Gauge(name, help, std::move(labels), value);
  entries[std::string(name)].type = Type::kCounter;
}

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& o) noexcept {
  if (this != &o) {
    Reset();
    registry_ = o.registry_;
    id_ = o.id_;
    o.registry_ = nullptr;
  }
  return *this;
}

void CollectorHandle::Reset() {
  if (registry_) registry_->RemoveCollector(id_);
  registry_ = nullptr;
}

template <class M>
Family<M>& Registry::GetFamily(std::string_view name, std::string_view help, Type type,
                               std::vector<std::string> labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_
             .emplace(std::string(name), std::make_unique<Family<M>>(std::string(name), std::string(help),
                                                                    type, std::move(labels)))
             .first;
  }
  return static_cast<Family<M>&>(*it->second);
}

Family<Counter>& Registry::CounterFamily(std::string_view name, std::string_view help,
                                         std::vector<std::string> labels) {
  return GetFamily<Counter>(name, help, Type::kCounter, std::move(labels));
}

Family<Gauge>& Registry::GaugeFamily(std::string_view name, std::string_view help,
                                     std::vector<std::string> labels) {
  return GetFamily<Gauge>(name, help, Type::kGauge, std::move(labels));
}

Family<Histogram>& Registry::HistogramFamily(std::string_view name, std::string_view help,
                                             std::vector<std::string> labels,
                                             const std::vector<double>* bounds) {
  Family<Histogram>& f = GetFamily<Histogram>(name, help, Type::kHistogram, std::move(labels));
  f.SetBounds(bounds);
  return f;
}

CollectorHandle Registry::AddCollector(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  collectors_.emplace(id, std::move(collector));
  return CollectorHandle(this, id);
}

void Registry::RemoveCollector(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.erase(id);
}

Collection Registry::Collect() const {
  Collection c;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, f] : collectors_) f(c);
  return c;
}

namespace {

void AppendEscaped(std::string_view s, bool quote, std::string* out) {
  for (char ch : s) {
    if (ch == '\\') {
      *out += "\\\\";
    } else if (ch == '\n') {
      *out += "\\n";
    } else if (ch == '"' && quote) {
      *out += "\\\"";
    } else {
      *out += ch;
    }
  }
}

void AppendValue(double v, std::string* out) {
  if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else if (std::isnan(v)) {
    *out += "NaN";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    *out += std::to_string(static_cast<int64_t>(v));
  } else {
    char buf[32];  // the shortest text that reads back as v
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr);
  }
}

void AppendHeader(std::string_view name, std::string_view help, Type type, std::string* out) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  AppendEscaped(help, false, out);
  *out += "\n# TYPE ";
  *out += name;
  *out += type == Type::kCounter ? " counter\n" : type == Type::kGauge ? " gauge\n" : " histogram\n";
}

// name{k="v",...,extra} value
void AppendSample(std::string_view name, const std::vector<std::string>& keys,
                  const std::vector<std::string>& values, std::string_view extra, double v,
                  std::string* out) {
  *out += name;
  if (!keys.empty() || !extra.empty()) {
    *out += '{';
    for (size_t i = 0; i < keys.size() && i < values.size(); ++i) {
      if (i) *out += ',';
      *out += keys[i];
      *out += "=\"";
      AppendEscaped(values[i], true, out);
      *out += '"';
    }
    if (!extra.empty()) {
      if (!keys.empty()) *out += ',';
      *out += extra;
    }
    *out += '}';
  }
  *out += ' ';
  AppendValue(v, out);
  *out += '\n';
}

std::string BoundLabel(double bound) {
  std::string s = "le=\"";
  AppendValue(bound, &s);
  return s + "\"";
}

}  // namespace

std::string Registry::Text() const {
  Collection collected = Collect();
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  // Families and collected entries, merged in name order.
  auto fam = families_.begin();
  auto col = collected.entries.begin();
  while (fam != families_.end() || col != collected.entries.end()) {
    const bool take_family =
        col == collected.entries.end() || (fam != families_.end() && fam->first <= col->first);
    if (!take_family) {
      const auto& [name, e] = *col++;
      AppendHeader(name, e.help, e.type, &out);
      for (const Collection::Sample& s : e.samples) {
        std::vector<std::string> keys, values;
        for (const auto& [k, v] : s.labels) {
          keys.push_back(k);
          values.push_back(v);
        }
        AppendSample(name, keys, values, "", s.value, &out);
      }
      continue;
    }
    const FamilyBase& f = *fam++->second;
    AppendHeader(f.name(), f.help(), f.type(), &out);
    switch (f.type()) {
      case Type::kCounter:
        static_cast<const Family<Counter>&>(f).ForEach([&](const auto& values, const Counter& c) {
          AppendSample(f.name(), f.labels(), values, "", static_cast<double>(c.Value()), &out);
        });
        break;
      case Type::kGauge:
        static_cast<const Family<Gauge>&>(f).ForEach([&](const auto& values, const Gauge& g) {
          AppendSample(f.name(), f.labels(), values, "", g.Value(), &out);
        });
        break;
      case Type::kHistogram:
        static_cast<const Family<Histogram>&>(f).ForEach([&](const auto& values, const Histogram& h) {
          const Histogram::Snapshot s = h.Read();
          const std::string bucket = f.name() + "_bucket";
          for (size_t i = 0; i < h.bounds().size(); ++i) {
            AppendSample(bucket, f.labels(), values, BoundLabel(h.bounds()[i]),
                         static_cast<double>(s.cumulative[i]), &out);
          }
          AppendSample(bucket, f.labels(), values, "le=\"+Inf\"",
                       static_cast<double>(s.cumulative.back()), &out);
          AppendSample(f.name() + "_sum", f.labels(), values, "", s.sum, &out);
          AppendSample(f.name() + "_count", f.labels(), values, "",
                       static_cast<double>(s.cumulative.back()), &out);
        });
        break;
    }
  }
  return out;
}

std::map<std::string, double> Registry::Totals() const {
  std::map<std::string, double> totals;
  for (const auto& [name, e] : Collect().entries) {
    double sum = 0;
    for (const Collection::Sample& s : e.samples) sum += s.value;
    totals[name] = sum;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, f] : families_) {
    double sum = 0;
    switch (f->type()) {
      case Type::kCounter:
        static_cast<const Family<Counter>&>(*f).ForEach(
            [&](const auto&, const Counter& c) { sum += static_cast<double>(c.Value()); });
        break;
      case Type::kGauge:
        static_cast<const Family<Gauge>&>(*f).ForEach([&](const auto&, const Gauge& g) { sum += g.Value(); });
        break;
      case Type::kHistogram:
        static_cast<const Family<Histogram>&>(*f).ForEach(
            [&](const auto&, const Histogram& h) { sum += static_cast<double>(h.Read().cumulative.back()); });
        break;
    }
    totals[name] = sum;
  }
  return totals;
}

std::vector<std::pair<std::vector<std::string>, double>> Registry::Series(std::string_view name) const {
  std::vector<std::pair<std::vector<std::string>, double>> out;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return out;
  if (it->second->type() == Type::kCounter) {
    static_cast<const Family<Counter>&>(*it->second).ForEach(
        [&](const auto& values, const Counter& c) { out.emplace_back(values, static_cast<double>(c.Value())); });
  } else if (it->second->type() == Type::kGauge) {
    static_cast<const Family<Gauge>&>(*it->second).ForEach(
        [&](const auto& values, const Gauge& g) { out.emplace_back(values, g.Value()); });
  }
  return out;
}

Registry& Default() {
  static Registry* registry = new Registry();  // never destroyed: stages may update at exit
  return *registry;
}

Timer::Timer(Histogram& h)
    : h_(h),
      start_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count()) {}

Timer::~Timer() {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  h_.Observe(static_cast<double>(now - start_ns_) / 1e9);
}

}  // namespace logstream::metrics
