#include "src/metrics/metrics.h"

#include <gtest/gtest.h>

#include <thread>

#include "src/metrics/feed.h"

namespace logstream::metrics {
namespace {

TEST(MetricsTest, CountersGaugesAndHistogramsInTextFormat) {
  Registry r;
  r.CounterFamily("x_lines_total", "lines read").Get().Add(3);
  auto& by = r.CounterFamily("x_dead_total", "dead letters by reason", {"reason"});
  by.With({"unparsable"}).Add(2);
  by.With({"a \"quoted\"\nreason\\"}).Add();
  r.GaugeFamily("x_lag_records", "lag").Get().Set(1.5);
  auto& h = r.HistogramFamily("x_commit_duration_seconds", "commits").Get();
  h.Observe(0.003);
  h.Observe(2);
  const std::string text = r.Text();
  EXPECT_NE(text.find("# HELP x_lines_total lines read\n# TYPE x_lines_total counter\nx_lines_total 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("x_dead_total{reason=\"unparsable\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("x_dead_total{reason=\"a \\\"quoted\\\"\\nreason\\\\\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_lag_records 1.5\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE x_commit_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("x_commit_duration_seconds_bucket{le=\"0.0025\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_commit_duration_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("x_commit_duration_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("x_commit_duration_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("x_commit_duration_seconds_sum 2.003"), std::string::npos);
  // Families come out sorted by name.
  EXPECT_LT(text.find("x_commit_duration"), text.find("x_dead_total"));
  EXPECT_LT(text.find("x_dead_total"), text.find("x_lag_records"));
}

TEST(MetricsTest, SameNameSameFamily) {
  Registry r;
  r.CounterFamily("a_total", "a").Get().Add();
  r.CounterFamily("a_total", "a").Get().Add();
  EXPECT_EQ(r.Totals()["a_total"], 2);
}

TEST(MetricsTest, SeriesAreBoundedPerFamily) {
  Registry r;
  auto& f = r.CounterFamily("b_total", "b", {"rule"});
  for (size_t i = 0; i < FamilyBase::kMaxSeries + 500; ++i) f.With({std::to_string(i)}).Add();
  size_t series = 0;
  f.ForEach([&](const auto&, const Counter&) { ++series; });
  EXPECT_EQ(series, FamilyBase::kMaxSeries + 1);  // the last one is "_other"
  EXPECT_EQ(f.With({"_other"}).Value(), 500u);
  EXPECT_EQ(r.Totals()["b_total"], FamilyBase::kMaxSeries + 500);
}

TEST(MetricsTest, CollectorsAddSamplesUntilTheirHandleGoes) {
  Registry r;
  {
    CollectorHandle h = r.AddCollector([](Collection& c) { c.Gauge("c_open", "open", {{"partition", "0"}}, 7); });
    EXPECT_NE(r.Text().find("# TYPE c_open gauge\nc_open{partition=\"0\"} 7\n"), std::string::npos);
    EXPECT_EQ(r.Totals()["c_open"], 7);
  }
  EXPECT_EQ(r.Text().find("c_open"), std::string::npos);
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Registry r;
  auto& c = r.CounterFamily("d_total", "d").Get();
  auto& h = r.HistogramFamily("d_seconds", "d").Get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Add();
        h.Observe(0.01);
      }
    });
  }
  std::thread reader([&] {
    for (int i = 0; i < 50; ++i) (void)r.Text();
  });
  for (auto& t : threads) t.join();
  reader.join();
  EXPECT_EQ(c.Value(), 40000u);
  EXPECT_EQ(h.Read().cumulative.back(), 40000u);
}

TEST(FeedTest, KeepsTheNewestWithinBounds) {
  Feed feed(3, 10);
  for (std::string s : {"a", "b", "c", "d"}) feed.Push(s);
  feed.Push("far too long an item");
  EXPECT_EQ(feed.Newest(10), (std::vector<std::string>{"d", "c", "b"}));
  EXPECT_EQ(feed.Newest(1), (std::vector<std::string>{"d"}));
  EXPECT_EQ(feed.Newest(10, [](std::string_view s) { return s != "c"; }), (std::vector<std::string>{"d", "b"}));
  EXPECT_EQ(feed.pushed(), 4u);
}

}  // namespace
}  // namespace logstream::metrics
