// How the benchmarks print figures: rounded to three decimal places (ms to the microsecond), and
// percentiles of what they measured.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace talky {

inline double Round3(double value) { return std::round(value * 1000) / 1000; }

// The value below which `fraction` of `values` lie (nearest rank, rounded down); 0 for none.
inline double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::ranges::sort(values);
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
}

}  // namespace talky
