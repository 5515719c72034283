#include "scheduling/interval_set.h"

#include <algorithm>

namespace talky {

IntervalSet::IntervalSet(std::vector<TimeInterval> intervals) {
  std::erase_if(intervals, [](const TimeInterval& i) { return !(i.begin < i.end); });
  std::sort(intervals.begin(), intervals.end(),
            [](const TimeInterval& a, const TimeInterval& b) { return a.begin < b.begin; });
  for (const TimeInterval& interval : intervals) {
    if (!intervals_.empty() && interval.begin <= intervals_.back().end) {
      intervals_.back().end = std::max(intervals_.back().end, interval.end);
    } else {
      intervals_.push_back(interval);
    }
  }
}

IntervalSet IntervalSet::From(Instant begin) { return IntervalSet({{begin, Instant::max()}}); }

bool IntervalSet::Contains(Instant instant) const {
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), instant,
                             [](Instant t, const TimeInterval& i) { return t < i.end; });
  return it != intervals_.end() && it->begin <= instant;
}

std::optional<Instant> IntervalSet::FirstAtOrAfter(Instant from) const {
  auto it = std::upper_bound(intervals_.begin(), intervals_.end(), from,
                             [](Instant t, const TimeInterval& i) { return t < i.end; });
  if (it == intervals_.end()) return std::nullopt;
  return std::max(it->begin, from);
}

IntervalSet IntervalSet::Intersect(const IntervalSet& other) const {
  std::vector<TimeInterval> result;
  auto a = intervals_.begin();
  auto b = other.intervals_.begin();
  while (a != intervals_.end() && b != other.intervals_.end()) {
    const Instant begin = std::max(a->begin, b->begin);
    const Instant end = std::min(a->end, b->end);
    if (begin < end) result.push_back({begin, end});
    if (a->end < b->end) {
      ++a;
    } else {
      ++b;
    }
  }
  IntervalSet set;
  set.intervals_ = std::move(result);
  return set;
}

}  // namespace talky
