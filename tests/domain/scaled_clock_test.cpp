#include "domain/scaled_clock.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;

// A steady source the test moves by hand, so no test sleeps for time to pass.
struct FakeSteady {
  steady_clock::time_point now{};
  ScaledClock::SteadyNow Source() {
    return [this] { return now; };
  }
};

TEST(ScaledClock, StartsAtTheGivenInstant) {
  FakeSteady steady;
  const Instant start = sys_days{2026y / 11 / 21} + 10h;
  ScaledClock clock(start, 2000, steady.Source());
  EXPECT_EQ(clock.Now(), start);
}

TEST(ScaledClock, RunsSpeedTimesFasterThanTheSteadySource) {
  FakeSteady steady;
  const Instant start = sys_days{2026y / 11 / 21};
  // A row per case: speed, real time elapsed, clock time elapsed.
  struct Case {
    double speed;
    microseconds real;
    microseconds expected;
  };
  const Case cases[] = {
      {1, 1s, 1s},          {2000, 1s, 2000s}, {3600, 1s, 1h},
      {3600, 500ms, 30min}, {0.5, 10s, 5s},    {60, 250us, 15ms},
  };
  for (const Case& c : cases) {
    steady.now = {};
    ScaledClock clock(start, c.speed, steady.Source());
    steady.now += c.real;
    EXPECT_EQ(clock.Now() - start, c.expected) << "speed " << c.speed;
  }
}

TEST(ScaledClock, NeverGoesBackward) {
  FakeSteady steady;
  ScaledClock clock(sys_days{2026y / 1 / 1}, 7.3, steady.Source());
  Instant last = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    steady.now += microseconds(i % 7);
    const Instant now = clock.Now();
    EXPECT_GE(now, last);
    last = now;
  }
}

TEST(ScaledClock, RealWaitIsTheClockSpanDividedBySpeedRoundedUp) {
  FakeSteady steady;
  ScaledClock fast(sys_days{2026y / 1 / 1}, 2000, steady.Source());
  EXPECT_EQ(fast.RealWaitFor(2h), microseconds(3'600'000));
  EXPECT_EQ(fast.RealWaitFor(microseconds(1)), microseconds(1));  // never zero for a future instant
  EXPECT_EQ(fast.RealWaitFor(microseconds(2001)), microseconds(2));
  EXPECT_EQ(fast.RealWaitFor(microseconds::zero()), microseconds::zero());
  EXPECT_EQ(fast.RealWaitFor(-5s), microseconds::zero());
}

TEST(ScaledClock, WaitingTheRealWaitReachesTheInstant) {
  FakeSteady steady;
  const Instant start = sys_days{2026y / 1 / 1};
  ScaledClock clock(start, 3.7, steady.Source());
  const Instant target = start + 17s + 3ms;
  steady.now += clock.RealWaitFor(target - clock.Now());
  EXPECT_GE(clock.Now(), target);
}

TEST(ScaledClock, OtherClocksWaitInRealTime) {
  ManualClock manual(sys_days{2026y / 1 / 1});
  SystemClock system;
  EXPECT_EQ(manual.RealWaitFor(90s), microseconds(90s));
  EXPECT_EQ(system.RealWaitFor(90s), microseconds(90s));
}

}  // namespace
}  // namespace talky
