#include "scheduling/local_time_sets.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

Instant InstantAt(const char* text) { return ParseIso8601(text).value(); }

std::vector<std::pair<std::string, std::string>> Spans(const IntervalSet& set) {
  std::vector<std::pair<std::string, std::string>> spans;
  for (const TimeInterval& i : set.intervals()) {
    spans.emplace_back(FormatIso8601(i.begin), FormatIso8601(i.end));
  }
  return spans;
}

struct WindowCase {
  const char* name;
  const char* zone;
  minutes start, end;
  std::set<int> days;
  const char* from;
  const char* to;
  std::vector<std::pair<std::string, std::string>> expected;
};

const std::set<int> kAll{0, 1, 2, 3, 4, 5, 6};

const WindowCase kWindowCases[] = {
    {"plain_day_new_york",
     "America/New_York",
     hours(9),
     hours(19),
     kAll,
     "2026-11-16T00:00:00Z",
     "2026-11-17T00:00:00Z",
     {{"2026-11-16T14:00:00Z", "2026-11-17T00:00:00Z"}}},
    {"clipped_to_the_horizon",
     "America/New_York",
     hours(9),
     hours(19),
     kAll,
     "2026-11-16T15:00:00Z",
     "2026-11-16T16:00:00Z",
     {{"2026-11-16T15:00:00Z", "2026-11-16T16:00:00Z"}}},
    {"dst_start_day_is_23_hours",
     "America/New_York",
     hours(0),
     hours(0),
     kAll,
     "2026-03-08T00:00:00Z",
     "2026-03-10T00:00:00Z",
     {{"2026-03-08T00:00:00Z", "2026-03-10T00:00:00Z"}}},
    {"start_in_the_skipped_hour_opens_at_the_transition",
     "America/New_York",
     hours(2) + minutes(30),
     hours(4),
     kAll,
     "2026-03-08T00:00:00Z",
     "2026-03-08T12:00:00Z",
     {{"2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"}}},
    {"window_entirely_in_the_skipped_hour_is_empty",
     "America/New_York",
     hours(2) + minutes(10),
     hours(2) + minutes(50),
     kAll,
     "2026-03-08T00:00:00Z",
     "2026-03-08T12:00:00Z",
     {}},
    {"repeated_hour_counts_both_passes",
     "America/New_York",
     hours(1),
     hours(2),
     kAll,
     "2026-11-01T00:00:00Z",
     "2026-11-01T12:00:00Z",
     {{"2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"}}},
    {"repeated_hour_split_window",
     "America/New_York",
     hours(1) + minutes(30),
     hours(3),
     kAll,
     "2026-11-01T00:00:00Z",
     "2026-11-01T12:00:00Z",
     {{"2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z"},
      {"2026-11-01T06:30:00Z", "2026-11-01T08:00:00Z"}}},
    {"overnight_window_on_dst_end_is_an_hour_longer",
     "America/New_York",
     hours(22),
     hours(2),
     kAll,
     "2026-11-01T00:00:00Z",
     "2026-11-01T12:00:00Z",
     {{"2026-11-01T02:00:00Z", "2026-11-01T07:00:00Z"}}},
    {"overnight_window_belongs_to_its_start_day",
     "Europe/London",
     hours(22),
     hours(2),
     {4},
     "2026-11-16T00:00:00Z",
     "2026-11-23T00:00:00Z",
     {{"2026-11-20T22:00:00Z", "2026-11-21T02:00:00Z"}}},
    {"phoenix_keeps_standard_time",
     "America/Phoenix",
     hours(9),
     hours(10),
     kAll,
     "2026-07-13T00:00:00Z",
     "2026-07-14T00:00:00Z",
     {{"2026-07-13T16:00:00Z", "2026-07-13T17:00:00Z"}}},
    {"lord_howe_half_hour_dst",
     "Australia/Lord_Howe",
     hours(9),
     hours(10),
     kAll,
     "2026-11-16T00:00:00Z",
     "2026-11-17T00:00:00Z",
     {{"2026-11-16T22:00:00Z", "2026-11-16T23:00:00Z"}}},
};

TEST(LocalTimeSets, DailyWindows) {
  for (const WindowCase& c : kWindowCases) {
    const IntervalSet set = DailyWindowInstants(*date::locate_zone(c.zone), {c.start, c.end},
                                                c.days, InstantAt(c.from), InstantAt(c.to));
    EXPECT_EQ(Spans(set), c.expected) << c.name;
  }
}

TEST(LocalTimeSets, HolidaysAreLocalDates) {
  const std::set<date::local_days> holidays{date::local_days(date::year(2026) / 11 / 26)};
  const IntervalSet set =
      NonHolidayInstants(*date::locate_zone("America/Los_Angeles"), holidays,
                         InstantAt("2026-11-25T00:00:00Z"), InstantAt("2026-11-28T00:00:00Z"));
  EXPECT_EQ(Spans(set), (std::vector<std::pair<std::string, std::string>>{
                            {"2026-11-25T00:00:00Z", "2026-11-26T08:00:00Z"},
                            {"2026-11-27T08:00:00Z", "2026-11-28T00:00:00Z"}}));
}

TEST(LocalTimeSets, ParseLocalDate) {
  EXPECT_EQ(ParseLocalDate("2026-11-26"), date::local_days(date::year(2026) / 11 / 26));
  EXPECT_EQ(ParseLocalDate("2028-02-29"), date::local_days(date::year(2028) / 2 / 29));
  for (const char* bad : {"", "2026-11-2", "2026-11-260", "2026/11/26", "26-11-2026", "2026-13-01",
                          "2026-02-29", "2026-11-00", "2026-1a-01", " 2026-11-26"}) {
    EXPECT_EQ(ParseLocalDate(bad), std::nullopt) << bad;
  }
}

TEST(LocalTimeSets, MondayBasedWeekday) {
  EXPECT_EQ(MondayBasedWeekday(date::local_days(date::year(2026) / 11 / 16)), 0);
  EXPECT_EQ(MondayBasedWeekday(date::local_days(date::year(2026) / 11 / 22)), 6);
}

}  // namespace
}  // namespace talky
