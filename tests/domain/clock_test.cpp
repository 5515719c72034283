#include "domain/clock.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  const Instant start = sys_days{2026y / 11 / 21};
  ManualClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(90min);
  EXPECT_EQ(clock.Now(), start + 90min);
  clock.Set(start - 1s);
  EXPECT_EQ(clock.Now(), start - 1s);
}

TEST(Clock, SystemClockFollowsTheWallClock) {
  SystemClock clock;
  const auto before = time_point_cast<microseconds>(system_clock::now());
  const Instant now = clock.Now();
  const auto after = time_point_cast<microseconds>(system_clock::now());
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace talky
