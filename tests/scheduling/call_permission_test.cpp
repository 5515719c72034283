#include "scheduling/call_permission.h"

#include <gtest/gtest.h>

#include <random>

#include "scheduling/lead_location.h"
#include "scheduling/local_time_sets.h"

namespace talky {
namespace {

// One row per case. Rules are JSON (defaults: America/New_York 09:00-19:00, Monday to Friday,
// 2 h between calls, 3 attempts). Week of Monday 2026-11-16 unless said: EST = UTC-5,
// CST = UTC-6, MST = UTC-7, PST = UTC-8, AKST = UTC-9, HST = UTC-10.
struct Case {
  const char* name;
  const char* phone;
  const char* now;
  const char* rules = "{}";
  const char* lead_zone = nullptr;
  const char* last_called = nullptr;
  std::vector<const char*> recent_calls = {};
  std::vector<const char*> holidays = {};
  bool dnc = false;
  int attempt = 1;
  bool marketing = false;
  ConsentKind consent = ConsentKind::kNone;
  CallVerdict verdict = CallVerdict::kAllowed;
  const char* reason = "allowed";
  const char* next = nullptr;           // expected next_allowed_at for NotNow
  std::vector<std::string> zones = {};  // checked when given
};

// Failure messages name the row instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

constexpr auto kAllowed = CallVerdict::kAllowed;
constexpr auto kNotNow = CallVerdict::kNotNow;
constexpr auto kNever = CallVerdict::kNever;

constexpr const char* kNewYork = "+12125550123";
constexpr const char* kChicago = "+13125550123";
constexpr const char* kDenver = "+13035550123";
constexpr const char* kPhoenix = "+16025550123";
constexpr const char* kLosAngeles = "+12135550123";
constexpr const char* kHonolulu = "+18085550123";
constexpr const char* kAnchorage = "+19075550123";
constexpr const char* kPanhandle = "+18505550123";  // 850: Central and Eastern
constexpr const char* kIdaho = "+12085550123";      // 208: Mountain and Pacific
constexpr const char* kToronto = "+14165550123";    // Canada: no legal floor in the table
constexpr const char* kMiami = "+13055550123";      // Florida: 08:00-20:00, 3 per 24 h
constexpr const char* kOklahomaCity = "+14055550123";
constexpr const char* kBaltimore = "+14105550123";
constexpr const char* kSeattle = "+12065550123";  // Washington: 08:00-20:00
constexpr const char* kLondon = "+442079460000";
constexpr const char* kSydney = "+61293744000";
constexpr const char* kTollFree = "+18002345678";

constexpr const char* kEveryDay = R"("allowed_days": [0, 1, 2, 3, 4, 5, 6])";

std::string Rules(const std::string& body) { return "{" + body + "}"; }

const std::string kAllDaysNy = Rules(kEveryDay);
const std::string kEarlyHoursNy =
    Rules(R"("time_window_start": "02:30", "time_window_end": "04:00", )" + std::string(kEveryDay));
const std::string kRepeatedHourNy =
    Rules(R"("time_window_start": "01:30", "time_window_end": "03:00", )" + std::string(kEveryDay));
const std::string kWideNy =
    Rules(R"("time_window_start": "07:00", "time_window_end": "22:00", )" + std::string(kEveryDay));
const std::string kOvernightLondon = Rules(
    R"("time_window_start": "22:00", "time_window_end": "02:00", "timezone": "Europe/London", )" +
    std::string(kEveryDay));
const std::string kOvernightLondonMondays = Rules(
    R"("time_window_start": "22:00", "time_window_end": "02:00", "timezone": "Europe/London",
        "allowed_days": [0])");
const std::string kOvernightNy =
    Rules(R"("time_window_start": "22:00", "time_window_end": "02:00")");
const std::string kEveningNy =
    Rules(R"("time_window_start": "18:00", "time_window_end": "02:00", )" + std::string(kEveryDay));
const std::string kAllDayChicago = Rules(
    R"("time_window_start": "00:00", "time_window_end": "23:59", "timezone": "America/Chicago", )" +
    std::string(kEveryDay));
const std::string kAllDayLa = Rules(R"("time_window_start": "00:00", "time_window_end": "23:59", )"
                                    R"("timezone": "America/Los_Angeles", )" +
                                    std::string(kEveryDay));
const std::string kTokyoWeekdays =
    Rules(R"("time_window_start": "00:00", "time_window_end": "23:59", "timezone": "Asia/Tokyo")");
const std::string kTokyoEveryDay = Rules(
    R"("time_window_start": "00:00", "time_window_end": "23:59", "timezone": "Asia/Tokyo", )" +
    std::string(kEveryDay));
const std::string kUntil21Ny = Rules(R"("time_window_end": "21:00")");
const std::string kOneHourCooldown = Rules(R"("min_hours_between_calls": 1)");
const std::string kSydneyEveryDay =
    Rules(R"("timezone": "Australia/Sydney", )" + std::string(kEveryDay));

// One case per row reads better than one field per line.
// clang-format off
const std::vector<Case> kCases = {
    // The tenant's window, half-open, in the tenant's zone and the lead's.
    {.name = "new_york_opens_at_09_00", .phone = kNewYork, .now = "2026-11-16T14:00:00Z"},
    {.name = "new_york_a_second_before_09_00", .phone = kNewYork, .now = "2026-11-16T13:59:59Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-16T14:00:00Z"},
    {.name = "new_york_18_59", .phone = kNewYork, .now = "2026-11-16T23:59:00Z"},
    {.name = "new_york_19_00_is_outside", .phone = kNewYork, .now = "2026-11-17T00:00:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-17T14:00:00Z"},
    {.name = "new_york_saturday", .phone = kNewYork, .now = "2026-11-21T15:00:00Z",
     .verdict = kNotNow, .reason = "not_allowed_day", .next = "2026-11-23T14:00:00Z"},
    {.name = "new_york_friday_evening_to_monday", .phone = kNewYork, .now = "2026-11-21T00:30:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-23T14:00:00Z"},
    {.name = "chicago_08_30_waits_for_its_09_00", .phone = kChicago, .now = "2026-11-16T14:30:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-16T15:00:00Z",
     .zones = {"America/Chicago"}},
    {.name = "chicago_17_30", .phone = kChicago, .now = "2026-11-16T23:30:00Z"},
    {.name = "chicago_closes_with_the_tenant_at_19_00_eastern", .phone = kChicago,
     .now = "2026-11-17T00:00:00Z", .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-11-17T15:00:00Z"},
    {.name = "denver_08_59", .phone = kDenver, .now = "2026-11-16T15:59:00Z", .verdict = kNotNow,
     .reason = "outside_calling_window", .next = "2026-11-16T16:00:00Z"},
    {.name = "denver_summer_09_00_mdt", .phone = kDenver, .now = "2026-07-13T15:00:00Z"},
    {.name = "phoenix_summer_is_still_08_00_mst", .phone = kPhoenix, .now = "2026-07-13T15:00:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-07-13T16:00:00Z",
     .zones = {"America/Phoenix"}},
    {.name = "phoenix_winter_matches_denver", .phone = kPhoenix, .now = "2026-11-16T16:00:00Z"},
    {.name = "los_angeles_09_00", .phone = kLosAngeles, .now = "2026-11-16T17:00:00Z"},
    {.name = "los_angeles_08_59", .phone = kLosAngeles, .now = "2026-11-16T16:59:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-16T17:00:00Z"},
    {.name = "los_angeles_after_the_tenant_closes", .phone = kLosAngeles,
     .now = "2026-11-17T00:00:00Z", .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-11-17T17:00:00Z"},
    {.name = "honolulu_08_30", .phone = kHonolulu, .now = "2026-11-16T18:30:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-16T19:00:00Z",
     .zones = {"Pacific/Honolulu"}},
    {.name = "honolulu_13_59", .phone = kHonolulu, .now = "2026-11-16T23:59:00Z"},
    {.name = "honolulu_summer_tenant_closes_at_19_00_edt", .phone = kHonolulu,
     .now = "2026-07-13T23:00:00Z", .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-07-14T19:00:00Z"},
    {.name = "anchorage_area_code_includes_adak", .phone = kAnchorage,
     .now = "2026-11-16T18:30:00Z", .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-11-16T19:00:00Z", .zones = {"America/Anchorage", "America/Adak"}},
    {.name = "anchorage_explicit_zone_overrides_the_number", .phone = kAnchorage,
     .now = "2026-11-16T18:30:00Z", .lead_zone = "America/Anchorage",
     .zones = {"America/Anchorage"}},
    {.name = "explicit_zone_on_a_new_york_number", .phone = kNewYork, .now = "2026-11-16T14:30:00Z",
     .lead_zone = "America/Los_Angeles", .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-11-16T17:00:00Z"},
    // Area codes spanning two zones: allowed only when allowed in both.
    {.name = "panhandle_850_waits_for_central", .phone = kPanhandle, .now = "2026-11-16T14:30:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-16T15:00:00Z",
     .zones = {"America/Chicago", "America/New_York"}},
    {.name = "idaho_208_waits_for_pacific", .phone = kIdaho, .now = "2026-11-16T16:30:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-16T17:00:00Z",
     .zones = {"America/Denver", "America/Los_Angeles"}},
    {.name = "panhandle_850_florida_20_00_in_the_eastern_part", .phone = kPanhandle,
     .now = "2026-11-17T01:00:00Z", .rules = kAllDayChicago.c_str(), .verdict = kNotNow,
     .reason = "outside_legal_hours", .next = "2026-11-17T14:00:00Z"},
    // 2026-03-08: clocks skip 02:00-03:00 in the US and Canada.
    {.name = "dst_start_09_00_edt_is_13_00_utc", .phone = kNewYork, .now = "2026-03-08T12:30:00Z",
     .rules = kAllDaysNy.c_str(), .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-03-08T13:00:00Z"},
    {.name = "day_before_dst_09_00_est_is_14_00_utc", .phone = kNewYork,
     .now = "2026-03-07T13:30:00Z", .rules = kAllDaysNy.c_str(), .verdict = kNotNow,
     .reason = "outside_calling_window", .next = "2026-03-07T14:00:00Z"},
    {.name = "dst_start_window_opening_in_the_skipped_hour_opens_at_03_00", .phone = kToronto,
     .now = "2026-03-08T06:00:00Z", .rules = kEarlyHoursNy.c_str(), .verdict = kNotNow,
     .reason = "outside_calling_window", .next = "2026-03-08T07:00:00Z"},
    {.name = "dst_start_03_00_edt_is_inside", .phone = kToronto, .now = "2026-03-08T07:00:00Z",
     .rules = kEarlyHoursNy.c_str()},
    {.name = "day_after_dst_start_02_30_edt", .phone = kToronto, .now = "2026-03-09T06:30:00Z",
     .rules = kEarlyHoursNy.c_str()},
    // 2026-11-01: 01:00-02:00 happens twice.
    {.name = "dst_end_01_45_edt_first_pass", .phone = kToronto, .now = "2026-11-01T05:45:00Z",
     .rules = kRepeatedHourNy.c_str()},
    {.name = "dst_end_01_15_est_second_pass_is_before_the_window", .phone = kToronto,
     .now = "2026-11-01T06:15:00Z", .rules = kRepeatedHourNy.c_str(), .verdict = kNotNow,
     .reason = "outside_calling_window", .next = "2026-11-01T06:30:00Z"},
    {.name = "dst_end_02_59_est", .phone = kToronto, .now = "2026-11-01T07:59:00Z",
     .rules = kRepeatedHourNy.c_str()},
    {.name = "dst_end_window_closed_until_next_night", .phone = kToronto,
     .now = "2026-11-01T08:00:00Z", .rules = kRepeatedHourNy.c_str(), .verdict = kNotNow,
     .reason = "outside_calling_window", .next = "2026-11-02T06:30:00Z"},
    {.name = "dst_end_legal_08_00_est_is_13_00_utc", .phone = kNewYork,
     .now = "2026-11-01T12:30:00Z", .rules = kWideNy.c_str(), .verdict = kNotNow,
     .reason = "outside_legal_hours", .next = "2026-11-01T13:00:00Z"},
    {.name = "day_before_dst_end_08_30_edt_is_legal", .phone = kNewYork,
     .now = "2026-10-31T12:30:00Z", .rules = kWideNy.c_str()},
    // Windows that cross midnight belong to the day they start on.
    {.name = "overnight_23_00", .phone = kLondon, .now = "2026-11-16T23:00:00Z",
     .rules = kOvernightLondon.c_str(), .zones = {"Europe/London"}},
    {.name = "overnight_01_59", .phone = kLondon, .now = "2026-11-17T01:59:00Z",
     .rules = kOvernightLondon.c_str()},
    {.name = "overnight_02_00_is_outside", .phone = kLondon, .now = "2026-11-17T02:00:00Z",
     .rules = kOvernightLondon.c_str(), .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-11-17T22:00:00Z"},
    {.name = "overnight_tuesday_01_00_is_mondays_window", .phone = kLondon,
     .now = "2026-11-17T01:00:00Z", .rules = kOvernightLondonMondays.c_str()},
    {.name = "overnight_monday_01_00_is_sundays_window", .phone = kLondon,
     .now = "2026-11-16T01:00:00Z", .rules = kOvernightLondonMondays.c_str(), .verdict = kNotNow,
     .reason = "not_allowed_day", .next = "2026-11-16T22:00:00Z"},
    {.name = "overnight_window_never_meets_us_legal_hours", .phone = kNewYork,
     .now = "2026-11-16T12:00:00Z", .rules = kOvernightNy.c_str(), .verdict = kNever,
     .reason = "no_allowed_time"},
    {.name = "evening_window_waits_for_18_00_pacific", .phone = kLosAngeles,
     .now = "2026-11-17T01:00:00Z", .rules = kEveningNy.c_str(), .verdict = kNotNow,
     .reason = "outside_calling_window", .next = "2026-11-17T02:00:00Z"},
    {.name = "evening_window_20_59_pacific", .phone = kLosAngeles, .now = "2026-11-17T04:59:00Z",
     .rules = kEveningNy.c_str()},
    {.name = "evening_window_stops_at_21_00_pacific_by_law", .phone = kLosAngeles,
     .now = "2026-11-17T05:00:00Z", .rules = kEveningNy.c_str(), .verdict = kNotNow,
     .reason = "outside_legal_hours", .next = "2026-11-18T02:00:00Z"},
    // Weekdays that differ between the tenant's zone (Tokyo) and the lead's (New York).
    {.name = "tokyo_tenant_friday_in_both", .phone = kNewYork, .now = "2026-11-20T14:00:00Z",
     .rules = kTokyoWeekdays.c_str()},
    {.name = "tokyo_tenant_already_saturday", .phone = kNewYork, .now = "2026-11-20T15:30:00Z",
     .rules = kTokyoWeekdays.c_str(), .verdict = kNotNow, .reason = "not_allowed_day",
     .next = "2026-11-23T13:00:00Z"},
    {.name = "tokyo_tenant_monday_lead_still_sunday", .phone = kNewYork,
     .now = "2026-11-16T01:00:00Z", .rules = kTokyoWeekdays.c_str(), .verdict = kNotNow,
     .reason = "not_allowed_day", .next = "2026-11-16T13:00:00Z"},
    // Cooldown since the last call.
    {.name = "cooldown_two_hours", .phone = kNewYork, .now = "2026-11-16T15:00:00Z",
     .last_called = "2026-11-16T14:00:00Z", .verdict = kNotNow, .reason = "cooldown",
     .next = "2026-11-16T16:00:00Z"},
    {.name = "cooldown_ends_after_the_window_closes", .phone = kNewYork,
     .now = "2026-11-16T23:45:00Z", .last_called = "2026-11-16T23:30:00Z", .verdict = kNotNow,
     .reason = "cooldown", .next = "2026-11-17T14:00:00Z"},
    {.name = "cooldown_exactly_elapsed", .phone = kNewYork, .now = "2026-11-16T14:00:00Z",
     .last_called = "2026-11-16T12:00:00Z"},
    {.name = "cooldown_counts_the_history_too", .phone = kNewYork, .now = "2026-11-16T15:00:00Z",
     .recent_calls = {"2026-11-16T14:30:00Z"}, .verdict = kNotNow, .reason = "cooldown",
     .next = "2026-11-16T16:30:00Z"},
    // State caps and hours.
    {.name = "florida_third_call_in_24_hours_waits", .phone = kMiami, .now = "2026-11-16T17:00:00Z",
     .rules = kOneHourCooldown.c_str(),
     .recent_calls = {"2026-11-16T14:00:00Z", "2026-11-16T15:00:00Z", "2026-11-16T15:30:00Z"},
     .verdict = kNotNow, .reason = "state_daily_cap", .next = "2026-11-17T14:00:00Z"},
    {.name = "florida_two_calls_leave_room", .phone = kMiami, .now = "2026-11-16T17:00:00Z",
     .rules = kOneHourCooldown.c_str(),
     .recent_calls = {"2026-11-16T14:00:00Z", "2026-11-16T15:00:00Z"}},
    {.name = "florida_cap_frees_when_the_oldest_is_24_hours_old", .phone = kMiami,
     .now = "2026-11-16T19:00:00Z", .rules = kOneHourCooldown.c_str(),
     .recent_calls = {"2026-11-15T20:00:00Z", "2026-11-16T14:00:00Z", "2026-11-16T15:00:00Z"},
     .verdict = kNotNow, .reason = "state_daily_cap", .next = "2026-11-16T20:00:00Z"},
    {.name = "florida_calls_older_than_24_hours_do_not_count", .phone = kMiami,
     .now = "2026-11-16T19:00:00Z", .rules = kOneHourCooldown.c_str(),
     .recent_calls = {"2026-11-15T18:00:00Z", "2026-11-16T14:00:00Z", "2026-11-16T15:00:00Z"}},
    {.name = "new_york_has_no_cap", .phone = kNewYork, .now = "2026-11-16T17:00:00Z",
     .rules = kOneHourCooldown.c_str(),
     .recent_calls = {"2026-11-16T14:00:00Z", "2026-11-16T15:00:00Z", "2026-11-16T15:30:00Z"}},
    {.name = "oklahoma_cap", .phone = kOklahomaCity, .now = "2026-11-16T17:00:00Z",
     .rules = kOneHourCooldown.c_str(),
     .recent_calls = {"2026-11-16T14:00:00Z", "2026-11-16T15:00:00Z", "2026-11-16T15:30:00Z"},
     .verdict = kNotNow, .reason = "state_daily_cap", .next = "2026-11-17T15:00:00Z"},
    {.name = "maryland_cap", .phone = kBaltimore, .now = "2026-11-16T17:00:00Z",
     .rules = kOneHourCooldown.c_str(),
     .recent_calls = {"2026-11-16T14:00:00Z", "2026-11-16T15:00:00Z", "2026-11-16T15:30:00Z"},
     .verdict = kNotNow, .reason = "state_daily_cap", .next = "2026-11-17T14:00:00Z"},
    {.name = "florida_stops_at_20_00_even_when_the_tenant_allows_21_00", .phone = kMiami,
     .now = "2026-11-17T01:30:00Z", .rules = kUntil21Ny.c_str(), .verdict = kNotNow,
     .reason = "outside_legal_hours", .next = "2026-11-17T14:00:00Z"},
    {.name = "new_york_20_30_is_legal", .phone = kNewYork, .now = "2026-11-17T01:30:00Z",
     .rules = kUntil21Ny.c_str()},
    {.name = "washington_stops_at_20_00", .phone = kSeattle, .now = "2026-11-17T04:00:00Z",
     .rules = kAllDayLa.c_str(), .verdict = kNotNow, .reason = "outside_legal_hours",
     .next = "2026-11-17T16:00:00Z"},
    {.name = "tcpa_no_call_before_08_00", .phone = kLosAngeles, .now = "2026-11-16T15:30:00Z",
     .rules = kAllDayLa.c_str(), .verdict = kNotNow, .reason = "outside_legal_hours",
     .next = "2026-11-16T16:00:00Z"},
    // Do-Not-Call and attempts.
    {.name = "dnc_is_never", .phone = kNewYork, .now = "2026-11-16T14:00:00Z", .dnc = true,
     .verdict = kNever, .reason = "do_not_call"},
    {.name = "fourth_attempt_of_three", .phone = kNewYork, .now = "2026-11-16T14:00:00Z",
     .attempt = 4, .verdict = kNever, .reason = "max_attempts_reached"},
    {.name = "third_attempt_of_three", .phone = kNewYork, .now = "2026-11-16T14:00:00Z",
     .attempt = 3},
    // Malformed input: a clear reason, never a crash.
    {.name = "too_short", .phone = "12345", .now = "2026-11-16T14:00:00Z", .verdict = kNever,
     .reason = "invalid_phone_number"},
    {.name = "not_a_number", .phone = "not a number", .now = "2026-11-16T14:00:00Z",
     .verdict = kNever, .reason = "invalid_phone_number"},
    {.name = "empty_number", .phone = "", .now = "2026-11-16T14:00:00Z", .verdict = kNever,
     .reason = "invalid_phone_number"},
    {.name = "unassigned_area_code", .phone = "+19995551234", .now = "2026-11-16T14:00:00Z",
     .verdict = kNever, .reason = "invalid_phone_number"},
    {.name = "unknown_lead_zone", .phone = kNewYork, .now = "2026-11-16T14:00:00Z",
     .lead_zone = "Mars/Olympus_Mons", .verdict = kNever, .reason = "invalid_time_zone"},
    {.name = "national_number_in_the_default_region", .phone = "(212) 555-0123",
     .now = "2026-11-16T14:00:00Z"},
    // Holidays, in the tenant's zone and the lead's.
    {.name = "thanksgiving", .phone = kNewYork, .now = "2026-11-26T15:00:00Z",
     .holidays = {"2026-11-26"}, .verdict = kNotNow, .reason = "holiday",
     .next = "2026-11-27T14:00:00Z"},
    {.name = "holiday_already_begun_in_the_tenants_zone", .phone = kNewYork,
     .now = "2026-11-26T16:00:00Z", .rules = kTokyoEveryDay.c_str(), .holidays = {"2026-11-27"},
     .verdict = kNotNow, .reason = "holiday", .next = "2026-11-28T13:00:00Z"},
    // Numbers whose zone comes from the country.
    {.name = "toll_free_may_ring_anywhere_in_the_us", .phone = kTollFree,
     .now = "2026-11-16T18:30:00Z", .verdict = kNotNow, .reason = "outside_calling_window",
     .next = "2026-11-16T19:00:00Z"},
    {.name = "london_lead_new_york_tenant", .phone = kLondon, .now = "2026-11-16T13:00:00Z",
     .verdict = kNotNow, .reason = "outside_calling_window", .next = "2026-11-16T14:00:00Z"},
    {.name = "london_has_no_us_legal_floor", .phone = kLondon, .now = "2026-11-16T23:30:00Z",
     .rules = kOvernightLondon.c_str()},
    // Telemarketing in an artificial voice needs written consent for a US number (TCPA).
    {.name = "marketing_without_consent_is_never", .phone = kNewYork,
     .now = "2026-11-16T15:00:00Z", .marketing = true, .verdict = kNever, .reason = "no_consent"},
    {.name = "marketing_with_oral_consent_is_never", .phone = kNewYork,
     .now = "2026-11-16T15:00:00Z", .marketing = true, .consent = ConsentKind::kOral,
     .verdict = kNever, .reason = "no_consent"},
    {.name = "marketing_with_written_consent_is_allowed", .phone = kNewYork,
     .now = "2026-11-16T15:00:00Z", .marketing = true, .consent = ConsentKind::kWritten},
    {.name = "informational_call_needs_no_written_consent", .phone = kNewYork,
     .now = "2026-11-16T15:00:00Z"},
    {.name = "marketing_outside_the_us_is_not_the_tcpas", .phone = kLondon,
     .now = "2026-11-16T23:30:00Z", .rules = kOvernightLondon.c_str(), .marketing = true},
    {.name = "dnc_comes_before_consent", .phone = kNewYork, .now = "2026-11-16T15:00:00Z",
     .dnc = true, .marketing = true, .verdict = kNever, .reason = "do_not_call"},
    {.name = "australia_every_zone_from_lord_howe_to_perth", .phone = kSydney,
     .now = "2026-11-16T00:30:00Z", .rules = kSydneyEveryDay.c_str(), .verdict = kNotNow,
     .reason = "outside_calling_window", .next = "2026-11-16T01:00:00Z"},
};
// clang-format on

Instant At(const char* text) {
  Expected<Instant> instant = ParseIso8601(text);
  EXPECT_TRUE(instant) << text;
  return instant.value_or(Instant{});
}

date::local_days Day(const char* text) {
  std::optional<date::local_days> day = ParseLocalDate(text);
  EXPECT_TRUE(day) << text;
  return day.value_or(date::local_days{});
}

class CallPermissionTable : public testing::TestWithParam<Case> {};

TEST_P(CallPermissionTable, Decides) {
  const Case& c = GetParam();
  Expected<CallingRules> rules = ParseCallingRules(c.rules);
  ASSERT_TRUE(rules) << rules.error().Describe();
  TenantCallingPolicy policy{.rules = *rules, .marketing = c.marketing};
  for (const char* day : c.holidays) policy.holidays.insert(Day(day));
  DialerJob job{.phone_number = c.phone, .attempt_number = c.attempt};
  Lead lead{.phone_number = c.phone, .consent = {.kind = c.consent}};
  if (c.lead_zone) lead.time_zone = c.lead_zone;
  if (c.last_called) lead.last_called_at = At(c.last_called);
  CallHistory history{.on_dnc_list = c.dnc};
  for (const char* call : c.recent_calls) history.recent_calls.push_back(At(call));

  Expected<CallDecision> decision = CanCall(job, lead, policy, history, At(c.now));
  ASSERT_TRUE(decision) << decision.error().Describe();
  EXPECT_EQ(ToString(decision->verdict), ToString(c.verdict)) << decision->message;
  EXPECT_EQ(decision->reason, c.reason) << decision->message;
  if (c.next) {
    ASSERT_TRUE(decision->next_allowed_at) << decision->message;
    EXPECT_EQ(FormatIso8601(*decision->next_allowed_at), c.next) << decision->message;
  } else {
    EXPECT_FALSE(decision->next_allowed_at);
  }
  if (!c.zones.empty()) {
    EXPECT_EQ(decision->zones, c.zones);
  }
  if (c.verdict == kAllowed) {
    EXPECT_TRUE(decision->reasons.empty());
  }
  if (c.verdict == kNotNow) {
    EXPECT_EQ(decision->reasons.front(), c.reason);
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, CallPermissionTable, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& row) { return row.param.name; });

// The next allowed instant is exact: a call is allowed there, and at no earlier minute.
TEST(CallPermission, NextAllowedInstantIsTheFirstAllowedMinute) {
  for (const Case& c : kCases) {
    if (c.verdict != kNotNow) continue;
    Expected<CallingRules> rules = ParseCallingRules(c.rules);
    ASSERT_TRUE(rules);
    TenantCallingPolicy policy{.rules = *rules, .marketing = c.marketing};
    for (const char* day : c.holidays) policy.holidays.insert(Day(day));
    DialerJob job{.phone_number = c.phone, .attempt_number = c.attempt};
    Lead lead{.phone_number = c.phone, .consent = {.kind = c.consent}};
    if (c.lead_zone) lead.time_zone = c.lead_zone;
    if (c.last_called) lead.last_called_at = At(c.last_called);
    CallHistory history;
    for (const char* call : c.recent_calls) history.recent_calls.push_back(At(call));
    const Instant next = At(c.next);
    EXPECT_TRUE(CanCall(job, lead, policy, history, next)->allowed()) << c.name;
    for (Instant t = At(c.now); t < next; t += std::chrono::minutes(1)) {
      ASSERT_FALSE(CanCall(job, lead, policy, history, t)->allowed())
          << c.name << " at " << FormatIso8601(t);
    }
  }
}

TEST(CallPermission, NotNowListsEveryFailingRule) {
  TenantCallingPolicy policy;
  policy.rules.allowed_days = {0, 1, 2, 3, 4, 5, 6};
  DialerJob job{.phone_number = kMiami};
  Lead lead{.phone_number = kMiami, .last_called_at = At("2026-11-17T01:00:00Z")};
  // 20:30 EST: after the tenant's 19:00, after Florida's 20:00, 30 min after the last call.
  Expected<CallDecision> decision = CanCall(job, lead, policy, {}, At("2026-11-17T01:30:00Z"));
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->reasons, (std::vector<std::string>{"outside_calling_window",
                                                         "outside_legal_hours", "cooldown"}));
  EXPECT_NE(decision->message.find("Fla. Stat. 501.616"), std::string::npos) << decision->message;
  EXPECT_EQ(decision->subdivision, "FL");
}

TEST(CallPermission, InvalidTenantRulesAreAnErrorNotADecision) {
  TenantCallingPolicy policy;
  policy.rules.timezone = "Nowhere/Special";
  Expected<CallDecision> decision =
      CanCall(DialerJob{.phone_number = kNewYork}, Lead{}, policy, {}, At("2026-11-16T14:00:00Z"));
  ASSERT_FALSE(decision);
  EXPECT_EQ(decision.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(decision.error().fields.front().field, "timezone");
}

TEST(CallPermission, UnknownDefaultRegionIsAnError) {
  TenantCallingPolicy policy{.default_region = "XX"};
  Expected<CallDecision> decision = CanCall(DialerJob{.phone_number = "2125550123"}, Lead{}, policy,
                                            {}, At("2026-11-16T14:00:00Z"));
  ASSERT_FALSE(decision);
  EXPECT_EQ(decision.error().fields.front().field, "default_region");
}

TEST(CallPermission, DncWinsOverEverythingElse) {
  TenantCallingPolicy policy;
  policy.rules.skip_dnc = false;  // the tenant's own list is the law's; it is always honoured
  Expected<CallDecision> decision =
      CanCall(DialerJob{.phone_number = "garbage", .attempt_number = 9}, Lead{}, policy,
              {.on_dnc_list = true}, At("2026-11-21T03:00:00Z"));
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->reason, "do_not_call");
  EXPECT_EQ(decision->verdict, CallVerdict::kNever);
}

// Properties over seeded random inputs (clang 14 here cannot build libstdc++ 12's <expected>, so
// there is no libFuzzer target; this covers the same ground deterministically): no crash, and a
// NotNow's instant is allowed while the second before it is not.
TEST(CallPermission, RandomRulesAndNumbersKeepTheNextInstantExact) {
  std::mt19937 rng(20261121);
  auto pick = [&rng](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(rng);
  };
  const std::vector<NanpAreaCode>& areas = AllNanpAreaCodes();
  const char* zones[] = {"America/New_York",   "America/Chicago", "America/Phoenix",
                         "Pacific/Honolulu",   "Europe/London",   "Asia/Tokyo",
                         "Australia/Lord_Howe"};
  const Instant start = At("2026-01-01T00:00:00Z");
  int not_now = 0;
  for (int i = 0; i < 300; ++i) {
    TenantCallingPolicy policy;
    policy.rules.time_window_start = std::chrono::minutes(pick(0, 24 * 60 - 1));
    policy.rules.time_window_end = std::chrono::minutes(pick(0, 24 * 60 - 1));
    if (policy.rules.time_window_end == policy.rules.time_window_start) continue;
    policy.rules.timezone = zones[pick(0, 6)];
    policy.rules.allowed_days.clear();
    for (int day = 0; day < 7; ++day) {
      if (pick(0, 1) == 1) policy.rules.allowed_days.insert(day);
    }
    if (policy.rules.allowed_days.empty()) policy.rules.allowed_days.insert(pick(0, 6));
    policy.rules.min_hours_between_calls = pick(1, 24);
    const std::string phone = "+1" +
                              std::to_string(areas[pick(0, int(areas.size()) - 1)].area_code) +
                              "555" + std::to_string(pick(1000, 9999));
    Lead lead{.phone_number = phone};
    const Instant now = start + std::chrono::minutes(pick(0, 365 * 24 * 60));
    if (pick(0, 2) == 0) lead.last_called_at = now - std::chrono::minutes(pick(0, 48 * 60));
    CallHistory history;
    for (int call = pick(0, 4); call > 0; --call) {
      history.recent_calls.push_back(now - std::chrono::minutes(pick(0, 30 * 60)));
    }
    const DialerJob job{.phone_number = phone};
    Expected<CallDecision> decision = CanCall(job, lead, policy, history, now);
    ASSERT_TRUE(decision) << decision.error().Describe();
    if (decision->verdict != CallVerdict::kNotNow) continue;
    ++not_now;
    const Instant next = *decision->next_allowed_at;
    ASSERT_GT(next, now) << phone;
    EXPECT_TRUE(CanCall(job, lead, policy, history, next)->allowed())
        << phone << " " << FormatIso8601(now) << " -> " << FormatIso8601(next);
    EXPECT_FALSE(CanCall(job, lead, policy, history, next - std::chrono::seconds(1))->allowed())
        << phone << " " << FormatIso8601(now) << " -> " << FormatIso8601(next);
  }
  EXPECT_GT(not_now, 100);
}

TEST(CallPermission, GarbageNumbersAreNeverACrash) {
  std::mt19937 rng(7);
  const std::string alphabet = "+0123456789 ()-.xX#*abc";
  for (int i = 0; i < 500; ++i) {
    std::string phone;
    for (int n = std::uniform_int_distribution<int>(0, 24)(rng); n > 0; --n) {
      phone += alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
    }
    Expected<CallDecision> decision =
        CanCall(DialerJob{.phone_number = phone}, Lead{}, {}, {}, At("2026-11-16T14:00:00Z"));
    ASSERT_TRUE(decision);
    EXPECT_TRUE(decision->verdict != CallVerdict::kNever ||
                decision->reason == kReasonInvalidPhoneNumber)
        << phone << ": " << decision->reason;
  }
}

}  // namespace
}  // namespace talky
