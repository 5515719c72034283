#include "domain/clock.h"

namespace talky {

Instant SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

Instant ManualClock::Now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void ManualClock::Set(Instant now) {
  std::lock_guard lock(mutex_);
  now_ = now;
}

void ManualClock::Advance(std::chrono::microseconds by) {
  std::lock_guard lock(mutex_);
  now_ += by;
}

}  // namespace talky
