// A small metrics registry rendered in the Prometheus text format 0.0.4 (what GET /metrics
// answers): counters, gauges and histograms, each a family of children told apart by labels.
//
// Any code may count something of its own:
//
//   Metrics::Counter& received = metrics.GetCounter(
//       "talky_webhook_events_total", "Vonage events by result", {{"result", "applied"}});
//   received.Increment();
//
// A family is named once with one type, one help text and (for histograms) one set of bucket
// bounds; asking again with the same name and labels returns the same child, so a hot path may
// keep the reference (children live as long as the registry) or look it up each time.
// Values that are cheaper to read when scraped (queue sizes, jobs by status) come from collectors:
// functions that the registry calls at every Render and whose samples are rendered as they are.
//
// Thread-safe: every method may be called from any thread at once. Incrementing and observing are
// lock-free; looking a child up takes a shared lock (an exclusive one the first time).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "domain/error.h"

namespace talky {

// Label names and values in the order given; names must match [a-zA-Z_][a-zA-Z0-9_]*.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// The default latency buckets, in seconds: 100 us to 10 s.
std::vector<double> DefaultLatencyBuckets();

// One sample a collector reports at scrape time.
struct MetricSample {
  MetricLabels labels;
  double value = 0;
};

// A gauge family computed at scrape time.
struct CollectedGauge {
  std::string name;
  std::string help;
  std::vector<MetricSample> samples;
};

class Metrics {
 public:
  class Counter {
   public:
    void Increment(double amount = 1);  // amount >= 0
    double Value() const { return value_.load(std::memory_order_relaxed); }

   private:
    std::atomic<double> value_{0};
  };

  class Gauge {
   public:
    void Set(double value) { value_.store(value, std::memory_order_relaxed); }
    void Add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
    double Value() const { return value_.load(std::memory_order_relaxed); }

   private:
    std::atomic<double> value_{0};
  };

  class Histogram {
   public:
    explicit Histogram(const std::vector<double>& bounds);
    void Observe(double value);
    std::uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
    double Sum() const { return sum_.load(std::memory_order_relaxed); }
    // Observations at or below each bound (not cumulative), then those above the last bound.
    std::vector<std::uint64_t> BucketCounts() const;

   private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
  };

  // Returns a collector's gauges, or an error (logged; the scrape goes on without them and
  // talky_metrics_collector_up{collector=name} reads 0).
  using Collector = std::function<Expected<std::vector<CollectedGauge>>()>;

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The child of the family `name` with these labels, created on first use. Throws
  // std::invalid_argument when the name or a label name is not a valid Prometheus name, or the
  // family exists with another type or other buckets: a programming mistake, found at start-up.
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const MetricLabels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help,
                  const MetricLabels& labels = {});
  // `bounds` strictly increasing; +Inf is implied.
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const std::vector<double>& bounds, const MetricLabels& labels = {});

  // `name` labels the collector in talky_metrics_collector_up. Add collectors before serving.
  void AddCollector(std::string name, Collector collector);

  // Every family in the text format 0.0.4 (Content-Type kPrometheusContentType), families sorted
  // by name, children by labels; then the collectors' gauges.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::map<MetricLabels, std::unique_ptr<Counter>> counters;
    std::map<MetricLabels, std::unique_ptr<Gauge>> gauges;
    std::map<MetricLabels, std::unique_ptr<Histogram>> histograms;
  };

  Family& FamilyFor(const std::string& name, Type type, const std::string& help,
                    const std::vector<double>& bounds, const MetricLabels& labels);
  template <typename Child, typename Make>
  Child& Find(const std::string& name, Type type, const std::string& help,
              const std::vector<double>& bounds, const MetricLabels& labels,
              std::map<MetricLabels, std::unique_ptr<Child>> Family::*children, Make make);

  mutable std::shared_mutex mutex_;
  std::map<std::string, Family> families_;
  std::vector<std::pair<std::string, Collector>> collectors_;
};

inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Helpers for the text format, exposed for tests and for collectors' own checks.
bool IsValidMetricName(std::string_view name);
std::string EscapeLabelValue(std::string_view value);
std::string FormatMetricValue(double value);

}  // namespace talky
