// The registry renders what was counted, in the Prometheus text format 0.0.4.
#include "http/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace talky {
namespace {

TEST(Metrics, CounterFamilyWithLabelsRendersEachChildSorted) {
  Metrics metrics;
  metrics.GetCounter("talky_webhook_events_total", "Events by result", {{"result", "duplicate"}})
      .Increment();
  Metrics::Counter& applied =
      metrics.GetCounter("talky_webhook_events_total", "Events by result", {{"result", "applied"}});
  applied.Increment();
  applied.Increment(2);
  EXPECT_EQ(&applied, &metrics.GetCounter("talky_webhook_events_total", "Events by result",
                                          {{"result", "applied"}}));
  EXPECT_EQ(metrics.Render(),
            "# HELP talky_webhook_events_total Events by result\n"
            "# TYPE talky_webhook_events_total counter\n"
            "talky_webhook_events_total{result=\"applied\"} 3\n"
            "talky_webhook_events_total{result=\"duplicate\"} 1\n");
}

TEST(Metrics, GaugeGoesBothWaysAndUnlabelledHasNoBraces) {
  Metrics metrics;
  Metrics::Gauge& open = metrics.GetGauge("talky_open", "Open things");
  open.Add(3);
  open.Add(-1);
  EXPECT_EQ(metrics.Render(),
            "# HELP talky_open Open things\n# TYPE talky_open gauge\ntalky_open 2\n");
  open.Set(0.25);
  EXPECT_NE(metrics.Render().find("talky_open 0.25\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  Metrics metrics;
  Metrics::Histogram& latency =
      metrics.GetHistogram("talky_latency_seconds", "Latency", {0.125, 1}, {{"route", "/x"}});
  latency.Observe(0.0625);
  latency.Observe(0.125);  // on the bound: counts in le="0.125"
  latency.Observe(0.5);
  latency.Observe(7);
  EXPECT_EQ(metrics.Render(),
            "# HELP talky_latency_seconds Latency\n"
            "# TYPE talky_latency_seconds histogram\n"
            "talky_latency_seconds_bucket{route=\"/x\",le=\"0.125\"} 2\n"
            "talky_latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "talky_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "talky_latency_seconds_sum{route=\"/x\"} 7.6875\n"
            "talky_latency_seconds_count{route=\"/x\"} 4\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics metrics;
  metrics.GetCounter("talky_x_total", "a \\ b\nc", {{"lane", "t\"1\\\n"}}).Increment();
  EXPECT_EQ(metrics.Render(),
            "# HELP talky_x_total a \\\\ b\\nc\n"
            "# TYPE talky_x_total counter\n"
            "talky_x_total{lane=\"t\\\"1\\\\\\n\"} 1\n");
}

TEST(Metrics, MisuseIsRefusedAtOnce) {
  Metrics metrics;
  metrics.GetCounter("talky_a_total", "A");
  EXPECT_THROW(metrics.GetGauge("talky_a_total", "A"), std::invalid_argument);
  EXPECT_THROW(metrics.GetCounter("bad-name", "B"), std::invalid_argument);
  EXPECT_THROW(metrics.GetCounter("talky_b_total", "B", {{"0bad", "v"}}), std::invalid_argument);
  EXPECT_THROW(metrics.GetHistogram("talky_h", "H", {1, 1}), std::invalid_argument);
  metrics.GetHistogram("talky_h2", "H", {1, 2});
  EXPECT_THROW(metrics.GetHistogram("talky_h2", "H", {1, 3}), std::invalid_argument);
}

TEST(Metrics, CollectorsAddGaugesAtScrapeTimeAndAFailingOneIsReported) {
  Metrics metrics;
  int scrapes = 0;
  metrics.AddCollector("queue", [&scrapes]() -> Expected<std::vector<CollectedGauge>> {
    ++scrapes;
    return std::vector<CollectedGauge>{
        {.name = "talky_queue_waiting",
         .help = "Waiting",
         .samples = {{{{"lane", "priority"}}, 2}, {{{"lane", "t1"}}, 5}}}};
  });
  metrics.AddCollector("store", []() -> Expected<std::vector<CollectedGauge>> {
    return std::unexpected(Error::Unavailable("database down"));
  });
  const std::string text = metrics.Render();
  EXPECT_EQ(scrapes, 1);
  EXPECT_EQ(text,
            "# HELP talky_metrics_collector_up 1 when the collector's last scrape succeeded\n"
            "# TYPE talky_metrics_collector_up gauge\n"
            "talky_metrics_collector_up{collector=\"queue\"} 1\n"
            "talky_metrics_collector_up{collector=\"store\"} 0\n"
            "# HELP talky_queue_waiting Waiting\n"
            "# TYPE talky_queue_waiting gauge\n"
            "talky_queue_waiting{lane=\"priority\"} 2\n"
            "talky_queue_waiting{lane=\"t1\"} 5\n");
}

TEST(Metrics, CountsFromManyThreadsAddUp) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 10'000; ++i) {
        metrics.GetCounter("talky_n_total", "N", {{"parity", i % 2 ? "odd" : "even"}}).Increment();
        metrics.GetHistogram("talky_d", "D", {1.0}, {{"t", std::to_string(t)}}).Observe(0.5);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(metrics.GetCounter("talky_n_total", "N", {{"parity", "odd"}}).Value(), 20'000);
  EXPECT_EQ(metrics.GetCounter("talky_n_total", "N", {{"parity", "even"}}).Value(), 20'000);
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(metrics.GetHistogram("talky_d", "D", {1.0}, {{"t", std::to_string(t)}}).Count(),
              10'000u);
  }
}

}  // namespace
}  // namespace talky
