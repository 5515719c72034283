#include "scheduling/local_time_sets.h"

#include <algorithm>
#include <vector>

namespace talky {
namespace {

using LocalInstant = date::local_time<std::chrono::microseconds>;
using std::chrono::days;

struct LocalInterval {
  LocalInstant begin;
  LocalInstant end;
};

// Offsets never exceed a day, so local dates one day either side of the horizon cover it.
std::pair<date::local_days, date::local_days> LocalDaysAround(const date::time_zone& zone,
                                                              Instant from, Instant to) {
  const auto first = date::floor<days>(zone.to_local(from)) - days(1);
  const auto last = date::floor<days>(zone.to_local(to)) + days(1);
  return {first, last};
}

// Within one offset period local time is UTC plus a constant, so the preimage of a local
// interval is that interval shifted back, clipped to the period. The union over all periods is
// exact across transitions, including skipped and repeated hours.
IntervalSet ToUtc(const date::time_zone& zone, const std::vector<LocalInterval>& local,
                  Instant from, Instant to) {
  std::vector<TimeInterval> result;
  const date::sys_seconds stop = date::ceil<std::chrono::seconds>(to);
  date::sys_seconds cursor = date::floor<std::chrono::seconds>(from);
  while (cursor < stop) {
    const date::sys_info info = zone.get_info(cursor);
    const Instant period_begin = std::max<Instant>(info.begin, from);
    const Instant period_end = info.end >= stop ? to : std::min<Instant>(info.end, to);
    for (const LocalInterval& interval : local) {
      const Instant begin{interval.begin.time_since_epoch() - info.offset};
      const Instant end{interval.end.time_since_epoch() - info.offset};
      const Instant clipped_begin = std::max(begin, period_begin);
      const Instant clipped_end = std::min(end, period_end);
      if (clipped_begin < clipped_end) result.push_back({clipped_begin, clipped_end});
    }
    if (info.end >= stop) break;
    cursor = info.end;
  }
  return IntervalSet(std::move(result));
}

}  // namespace

std::optional<date::local_days> ParseLocalDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int value[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lengths[3] = {4, 2, 2};
  for (int part = 0; part < 3; ++part) {
    for (int i = starts[part]; i < starts[part] + lengths[part]; ++i) {
      const char c = text[static_cast<size_t>(i)];
      if (c < '0' || c > '9') return std::nullopt;
      value[part] = value[part] * 10 + (c - '0');
    }
  }
  const date::year_month_day day{date::year(value[0]), date::month(static_cast<unsigned>(value[1])),
                                 date::day(static_cast<unsigned>(value[2]))};
  if (!day.ok()) return std::nullopt;
  return date::local_days(day);
}

int MondayBasedWeekday(date::local_days day) {
  return static_cast<int>(date::weekday(day).iso_encoding()) - 1;
}

IntervalSet DailyWindowInstants(const date::time_zone& zone, DailyWindow window,
                                const std::set<int>& allowed_days, Instant from, Instant to) {
  std::vector<LocalInterval> local;
  const auto [first, last] = LocalDaysAround(zone, from, to);
  for (date::local_days day = first; day <= last; day += days(1)) {
    if (!allowed_days.contains(MondayBasedWeekday(day))) continue;
    const LocalInstant begin = day + window.start;
    const LocalInstant end =
        window.end > window.start ? day + window.end : day + days(1) + window.end;
    local.push_back({begin, end});
  }
  return ToUtc(zone, local, from, to);
}

IntervalSet NonHolidayInstants(const date::time_zone& zone,
                               const std::set<date::local_days>& holidays, Instant from,
                               Instant to) {
  std::vector<LocalInterval> local;
  const auto [first, last] = LocalDaysAround(zone, from, to);
  for (date::local_days day = first; day <= last; day += days(1)) {
    if (holidays.contains(day)) continue;
    local.push_back({LocalInstant(day), LocalInstant(day + days(1))});
  }
  return ToUtc(zone, local, from, to);
}

}  // namespace talky
