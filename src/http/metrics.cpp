#include "http/metrics.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace talky {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="1",b="2"}, with `extra` (a histogram's le) last; "" when there are no labels at all.
std::string RenderLabels(const MetricLabels& labels, std::string_view extra_name = {},
                         std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void RenderHeader(std::string& out, const std::string& name, std::string_view help,
                  std::string_view type) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, EscapeHelp(help), name, type);
}

void CheckLabels(const std::string& name, const MetricLabels& labels) {
  for (const auto& [label, value] : labels) {
    if (!IsValidLabelName(label) || label == "le") {
      throw std::invalid_argument("metric " + name + ": bad label name '" + label + "'");
    }
  }
}

}  // namespace

std::vector<double> DefaultLatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c) || c == ':'; });
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Whole numbers (every counter) print without an exponent or a fraction.
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  return fmt::format("{}", value);
}

void Metrics::Counter::Increment(double amount) {
  if (amount < 0) return;  // a counter only goes up
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Metrics::Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Metrics::Histogram::Observe(double value) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Metrics::Histogram::BucketCounts() const {
  std::vector<std::uint64_t> counts(bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

Metrics::Family& Metrics::FamilyFor(const std::string& name, Type type, const std::string& help,
                                    const std::vector<double>& bounds, const MetricLabels& labels) {
  auto found = families_.find(name);
  if (found == families_.end()) {
    if (!IsValidMetricName(name)) throw std::invalid_argument("bad metric name '" + name + "'");
    if (type == Type::kHistogram &&
        (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end(), std::less_equal<>()))) {
      throw std::invalid_argument("histogram " + name + ": bounds must increase strictly");
    }
    found = families_.emplace(name, Family{.type = type, .help = help, .bounds = bounds}).first;
  } else if (found->second.type != type || found->second.bounds != bounds) {
    throw std::invalid_argument("metric " + name + " already exists with another type or buckets");
  }
  CheckLabels(name, labels);
  return found->second;
}

template <typename Child, typename Make>
Child& Metrics::Find(const std::string& name, Type type, const std::string& help,
                     const std::vector<double>& bounds, const MetricLabels& labels,
                     std::map<MetricLabels, std::unique_ptr<Child>> Family::*children, Make make) {
  {
    std::shared_lock lock(mutex_);
    auto family = families_.find(name);
    if (family != families_.end() && family->second.type == type &&
        family->second.bounds == bounds) {
      auto& by_labels = family->second.*children;
      auto child = by_labels.find(labels);
      if (child != by_labels.end()) return *child->second;
    }
  }
  std::unique_lock lock(mutex_);
  Family& family = FamilyFor(name, type, help, bounds, labels);
  auto& by_labels = family.*children;
  auto [child, inserted] = by_labels.try_emplace(labels);
  if (inserted) child->second = make(family);
  return *child->second;
}

Metrics::Counter& Metrics::GetCounter(const std::string& name, const std::string& help,
                                      const MetricLabels& labels) {
  return Find(name, Type::kCounter, help, {}, labels, &Family::counters,
              [](const Family&) { return std::make_unique<Counter>(); });
}

Metrics::Gauge& Metrics::GetGauge(const std::string& name, const std::string& help,
                                  const MetricLabels& labels) {
  return Find(name, Type::kGauge, help, {}, labels, &Family::gauges,
              [](const Family&) { return std::make_unique<Gauge>(); });
}

Metrics::Histogram& Metrics::GetHistogram(const std::string& name, const std::string& help,
                                          const std::vector<double>& bounds,
                                          const MetricLabels& labels) {
  return Find(name, Type::kHistogram, help, bounds, labels, &Family::histograms,
              [](const Family& family) { return std::make_unique<Histogram>(family.bounds); });
}

void Metrics::AddCollector(std::string name, Collector collector) {
  std::unique_lock lock(mutex_);
  collectors_.emplace_back(std::move(name), std::move(collector));
}

std::string Metrics::Render() const {
  std::vector<std::pair<std::string, Collector>> collectors;
  {
    std::shared_lock lock(mutex_);
    collectors = collectors_;
  }
  // Collectors may call a store or Redis: run them without holding the registry's lock.
  std::map<std::string, CollectedGauge> collected;
  std::vector<MetricSample> collector_up;
  for (const auto& [collector_name, collector] : collectors) {
    Expected<std::vector<CollectedGauge>> gauges = collector();
    if (!gauges) {
      spdlog::warn("metrics: collector {} failed: {}", collector_name, gauges.error().Describe());
    } else {
      for (CollectedGauge& gauge : *gauges) {
        if (!IsValidMetricName(gauge.name)) {
          spdlog::error("metrics: collector {} reported a bad metric name '{}'", collector_name,
                        gauge.name);
          continue;
        }
        CollectedGauge& into = collected[gauge.name];
        into.name = gauge.name;
        into.help = gauge.help;
        for (MetricSample& sample : gauge.samples) into.samples.push_back(std::move(sample));
      }
    }
    collector_up.push_back({{{"collector", collector_name}}, gauges ? 1.0 : 0.0});
  }
  if (!collectors.empty()) {
    collected["talky_metrics_collector_up"] = {"talky_metrics_collector_up",
                                               "1 when the collector's last scrape succeeded",
                                               std::move(collector_up)};
  }

  std::string out;
  std::shared_lock lock(mutex_);
  for (const auto& [name, family] : families_) {
    if (collected.contains(name)) continue;  // one family per name
    switch (family.type) {
      case Type::kCounter:
        RenderHeader(out, name, family.help, "counter");
        for (const auto& [labels, counter] : family.counters) {
          out += name + RenderLabels(labels) + " " + FormatMetricValue(counter->Value()) + "\n";
        }
        break;
      case Type::kGauge:
        RenderHeader(out, name, family.help, "gauge");
        for (const auto& [labels, gauge] : family.gauges) {
          out += name + RenderLabels(labels) + " " + FormatMetricValue(gauge->Value()) + "\n";
        }
        break;
      case Type::kHistogram:
        RenderHeader(out, name, family.help, "histogram");
        for (const auto& [labels, histogram] : family.histograms) {
          // Read the count first: buckets observed since then only make the +Inf line larger.
          const std::uint64_t count = histogram->Count();
          const double sum = histogram->Sum();
          const std::vector<std::uint64_t> buckets = histogram->BucketCounts();
          std::uint64_t cumulative = 0;
          for (size_t i = 0; i < family.bounds.size(); ++i) {
            cumulative += buckets[i];
            out += name + "_bucket" +
                   RenderLabels(labels, "le", FormatMetricValue(family.bounds[i])) + " " +
                   std::to_string(cumulative) + "\n";
          }
          cumulative += buckets.back();
          out += name + "_bucket" + RenderLabels(labels, "le", "+Inf") + " " +
                 std::to_string(std::max(cumulative, count)) + "\n";
          out += name + "_sum" + RenderLabels(labels) + " " + FormatMetricValue(sum) + "\n";
          out += name + "_count" + RenderLabels(labels) + " " +
                 std::to_string(std::max(cumulative, count)) + "\n";
        }
        break;
    }
  }
  for (const auto& [name, gauge] : collected) {
    RenderHeader(out, name, gauge.help, "gauge");
    for (const MetricSample& sample : gauge.samples) {
      out += name + RenderLabels(sample.labels) + " " + FormatMetricValue(sample.value) + "\n";
    }
  }
  return out;
}

}  // namespace talky
