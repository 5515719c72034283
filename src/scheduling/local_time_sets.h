// Turns rules stated in a zone's local time ("09:00-19:00 on weekdays", "not on 2026-12-25") into
// the UTC instants where they hold, over a horizon [from, to). The conversion goes through the
// zone's offset periods (date::sys_info), so daylight-saving days are exact: a window that starts
// inside the skipped hour opens at the transition; during a repeated hour every instant whose
// wall-clock time is inside the window counts. Pure functions over the OS tz database (date/tz);
// any thread may call them.
#pragma once

#include <date/tz.h>

#include <chrono>
#include <optional>
#include <set>
#include <string_view>

#include "scheduling/interval_set.h"

namespace talky {

// A window [start, end) of minutes after local midnight; end <= start crosses midnight, and then
// the window belongs to the day it starts on (22:00-02:00 on Friday runs into Saturday).
struct DailyWindow {
  std::chrono::minutes start;
  std::chrono::minutes end;
};

// Instants in [from, to) whose local time in `zone` lies in `window` on one of `allowed_days`
// (0 = Monday ... 6 = Sunday; the day the window starts on).
IntervalSet DailyWindowInstants(const date::time_zone& zone, DailyWindow window,
                                const std::set<int>& allowed_days, Instant from, Instant to);

// Instants in [from, to) whose local date in `zone` is not one of `holidays`.
IntervalSet NonHolidayInstants(const date::time_zone& zone,
                               const std::set<date::local_days>& holidays, Instant from,
                               Instant to);

// "YYYY-MM-DD" to a local date; nullopt unless the text is exactly that and the date exists.
// (date::parse is avoided: g++ 12 -O2 reports false -Wmaybe-uninitialized inside it.)
std::optional<date::local_days> ParseLocalDate(std::string_view text);

// 0 = Monday ... 6 = Sunday, the numbering of CallingRules::allowed_days.
int MondayBasedWeekday(date::local_days day);

}  // namespace talky
