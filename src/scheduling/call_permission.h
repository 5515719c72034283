// The decision whether one call may go out now (document 002's `can_make_call` and
// `get_delay_until_next_window`, with ARCHITECTURE.md defect 7 fixed): the tenant's window and
// days in the tenant's zone and in the lead's local time, the legal floor, holidays, cooldown,
// the state's daily cap, Do-Not-Call, maximum attempts and, for telemarketing, written consent.
// "Not now" carries the exact first instant when every rule allows the call, so the worker
// defers the job once, to that instant.
// Concurrency slots belong to the queue; kReasonConcurrencyLimit only names that reason.
// Pure: plain data in, a decision out; any thread may call. Reasons are documented in
// docs/calling-rules.md.
#pragma once

#include <date/date.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calling_rules.h"
#include "domain/dialer_job.h"
#include "domain/error.h"
#include "domain/instant.h"
#include "domain/lead.h"

namespace talky {

// Stable machine strings (docs/calling-rules.md).
inline constexpr std::string_view kReasonAllowed = "allowed";
inline constexpr std::string_view kReasonOutsideCallingWindow = "outside_calling_window";
inline constexpr std::string_view kReasonNotAllowedDay = "not_allowed_day";
inline constexpr std::string_view kReasonOutsideLegalHours = "outside_legal_hours";
inline constexpr std::string_view kReasonHoliday = "holiday";
inline constexpr std::string_view kReasonCooldown = "cooldown";
inline constexpr std::string_view kReasonStateDailyCap = "state_daily_cap";
inline constexpr std::string_view kReasonDoNotCall = "do_not_call";
inline constexpr std::string_view kReasonNoConsent = "no_consent";
inline constexpr std::string_view kReasonMaxAttemptsReached = "max_attempts_reached";
inline constexpr std::string_view kReasonInvalidPhoneNumber = "invalid_phone_number";
inline constexpr std::string_view kReasonInvalidTimeZone = "invalid_time_zone";
inline constexpr std::string_view kReasonNoAllowedTime = "no_allowed_time";
inline constexpr std::string_view kReasonConcurrencyLimit = "concurrency_limit";  // the queue's

// What a tenant decides beyond CallingRules: the region for national numbers and the holidays
// (local dates on which no call goes out, in the tenant's zone and in every zone of the lead);
// and whether the campaign the call is for is telemarketing (then a US number is never dialed
// without the lead's written consent: kReasonNoConsent).
struct TenantCallingPolicy {
  CallingRules rules;
  std::string default_region = "US";
  std::set<date::local_days> holidays;
  bool marketing = false;
};

// What is known about calls to this lead's number.
struct CallHistory {
  bool on_dnc_list = false;  // the tenant's Do-Not-Call list
  // Calls to this number for this campaign (instants older than 24 hours are ignored), for a
  // state's cap; the lead's last_called_at counts for the cooldown as well.
  std::vector<Instant> recent_calls;
};

enum class CallVerdict { kAllowed, kNotNow, kNever };
std::string_view ToString(CallVerdict verdict);

struct CallDecision {
  CallVerdict verdict = CallVerdict::kNever;
  std::string reason;                      // the first failing rule; "allowed" when allowed
  std::vector<std::string> reasons;        // every rule failing now (NotNow), in check order
  std::string message;                     // for people: which rule, which zone, which law
  std::optional<Instant> next_allowed_at;  // NotNow: the first instant all rules allow
  std::vector<std::string> zones;          // the lead's zones that were checked
  std::string zone_source;                 // lead_time_zone, area_code or country
  std::string subdivision;                 // the state or province of the number, if known
  std::string phone_number;                // E.164, when the number parsed

  bool allowed() const { return verdict == CallVerdict::kAllowed; }
};

// Errors only for a tenant policy that fails validation (its rules, or an unknown default_region)
// (the tenant must fix it; the job is not at fault). A bad lead number or time zone is a decision:
// Never with its reason.
Expected<CallDecision> CanCall(const DialerJob& job, const Lead& lead,
                               const TenantCallingPolicy& policy, const CallHistory& history,
                               Instant now);

// The horizons the next allowed instant is searched over: first a week and a day (every weekly
// pattern, cooldown and cap fit), then, when nothing is found (long holiday runs), a year and a
// month; nothing within that is Never(no_allowed_time).
inline constexpr std::chrono::hours kShortHorizon{8 * 24};
inline constexpr std::chrono::hours kLongHorizon{400 * 24};

}  // namespace talky
