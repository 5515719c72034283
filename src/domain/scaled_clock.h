// A clock that runs `speed` times faster than real time, from a given start: `talky run --speed`
// plays retry delays of hours and calling windows in seconds. Now() = start + speed * (real time
// elapsed since construction), measured on a steady source (injectable, so tests move it by hand).
// RealWaitFor turns a span of this clock into the real time to wait for it: everything that sleeps
// until a clock instant (the embedded queue, the dialer's lease keeper) asks it.
//
// Only for one process: other processes cannot share its time, so the distributed mode (Redis)
// refuses it. Thread-safe: the state is fixed at construction.
#pragma once

#include <chrono>
#include <functional>

#include "domain/clock.h"

namespace talky {

class ScaledClock final : public Clock {
 public:
  using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

  // `speed` must be > 0 (checked with assert; the command line validates it first).
  ScaledClock(Instant start, double speed, SteadyNow steady_now = &std::chrono::steady_clock::now);

  Instant Now() const override;
  // clock_span / speed, rounded up, so a waiter never wakes before the instant it waits for.
  std::chrono::microseconds RealWaitFor(std::chrono::microseconds clock_span) const override;

  double speed() const { return speed_; }

 private:
  Instant start_;
  double speed_;
  SteadyNow steady_now_;
  std::chrono::steady_clock::time_point steady_start_;
};

}  // namespace talky
