// Sets of UTC instants as sorted, disjoint, half-open intervals [begin, end). Each calling
// constraint (window, legal hours, holidays, cooldown, cap) becomes one set over a horizon; their
// intersection is when a call may go out, and its first point at or after now is the exact next
// allowed instant. Plain values; no shared state.
#pragma once

#include <optional>
#include <vector>

#include "domain/instant.h"

namespace talky {

struct TimeInterval {
  Instant begin;
  Instant end;  // exclusive

  bool operator==(const TimeInterval&) const = default;
};

class IntervalSet {
 public:
  IntervalSet() = default;
  // Sorts and merges; empty intervals are dropped.
  explicit IntervalSet(std::vector<TimeInterval> intervals);

  static IntervalSet From(Instant begin);  // [begin, the end of time)

  const std::vector<TimeInterval>& intervals() const { return intervals_; }
  bool empty() const { return intervals_.empty(); }
  bool Contains(Instant instant) const;
  // The first instant at or after `from` that lies in the set.
  std::optional<Instant> FirstAtOrAfter(Instant from) const;

  IntervalSet Intersect(const IntervalSet& other) const;

  bool operator==(const IntervalSet&) const = default;

 private:
  std::vector<TimeInterval> intervals_;
};

}  // namespace talky
