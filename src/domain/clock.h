// The source of "now" for all logic: code takes a Clock instead of reading the wall clock, so tests
// use a ManualClock and `talky run --speed` a faster one. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "domain/instant.h"

namespace talky {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
  // The real time to wait for `clock_span` of this clock to pass: the span itself for a clock that
  // follows real time; less for a faster one (ScaledClock). Whoever sleeps until a clock instant
  // sleeps for RealWaitFor(instant - Now()).
  virtual std::chrono::microseconds RealWaitFor(std::chrono::microseconds clock_span) const {
    return clock_span;
  }
};

// The real UTC wall clock.
class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(start) {}

  Instant Now() const override;
  void Set(Instant now);
  void Advance(std::chrono::microseconds by);

 private:
  mutable std::mutex mutex_;
  Instant now_;
};

}  // namespace talky
