#include "scheduling/interval_set.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using std::chrono::seconds;

Instant T(int s) { return Instant(seconds(s)); }
IntervalSet Set(std::vector<std::pair<int, int>> spans) {
  std::vector<TimeInterval> intervals;
  for (auto [b, e] : spans) intervals.push_back({T(b), T(e)});
  return IntervalSet(std::move(intervals));
}

TEST(IntervalSet, MergesOverlappingAndTouchingAndDropsEmpty) {
  EXPECT_EQ(Set({{5, 7}, {0, 2}, {2, 3}, {6, 9}, {4, 4}}).intervals(),
            (std::vector<TimeInterval>{{T(0), T(3)}, {T(5), T(9)}}));
}

TEST(IntervalSet, ContainsIsHalfOpen) {
  const IntervalSet set = Set({{10, 20}});
  EXPECT_FALSE(set.Contains(T(9)));
  EXPECT_TRUE(set.Contains(T(10)));
  EXPECT_TRUE(set.Contains(T(19)));
  EXPECT_FALSE(set.Contains(T(20)));
}

TEST(IntervalSet, FirstAtOrAfter) {
  const IntervalSet set = Set({{10, 20}, {30, 40}});
  EXPECT_EQ(set.FirstAtOrAfter(T(0)), T(10));
  EXPECT_EQ(set.FirstAtOrAfter(T(15)), T(15));
  EXPECT_EQ(set.FirstAtOrAfter(T(20)), T(30));
  EXPECT_EQ(set.FirstAtOrAfter(T(40)), std::nullopt);
}

TEST(IntervalSet, Intersect) {
  const IntervalSet a = Set({{0, 10}, {20, 30}, {40, 50}});
  const IntervalSet b = Set({{5, 25}, {29, 41}});
  EXPECT_EQ(a.Intersect(b), Set({{5, 10}, {20, 25}, {29, 30}, {40, 41}}));
  EXPECT_TRUE(a.Intersect(Set({{10, 20}})).empty());
  EXPECT_EQ(a.Intersect(IntervalSet::From(T(45))), Set({{45, 50}}));
}

}  // namespace
}  // namespace talky
