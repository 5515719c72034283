// How the benchmarks print figures: rounded to three decimal places (ms to the microsecond).
#pragma once

#include <cmath>

namespace talky {

inline double Round3(double value) { return std::round(value * 1000) / 1000; }

}  // namespace talky
