#include "domain/scaled_clock.h"

#include <cassert>
#include <cmath>

namespace talky {

ScaledClock::ScaledClock(Instant start, double speed, SteadyNow steady_now)
    : start_(start),
      speed_(speed),
      steady_now_(std::move(steady_now)),
      steady_start_(steady_now_()) {
  assert(speed_ > 0);
}

Instant ScaledClock::Now() const {
  const std::chrono::duration<double, std::micro> real = steady_now_() - steady_start_;
  return start_ +
         std::chrono::microseconds(static_cast<int64_t>(std::floor(real.count() * speed_)));
}

std::chrono::microseconds ScaledClock::RealWaitFor(std::chrono::microseconds clock_span) const {
  if (clock_span <= clock_span.zero()) return std::chrono::microseconds::zero();
  return std::chrono::microseconds(
      static_cast<int64_t>(std::ceil(static_cast<double>(clock_span.count()) / speed_)));
}

}  // namespace talky
