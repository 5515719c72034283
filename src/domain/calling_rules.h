// A tenant's rules for outbound calling (document 002 "CallingRules Model"), with the documented
// range of every field, plus the tenant's retry outcome sets. Plain data; validation reports every
// violated field at once. The decision whether a call may go out now lives in src/scheduling/.
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/error.h"
#include "domain/retry_policy.h"

namespace talky {

struct CallingRules {
  // Time window, half-open [start, end) in `timezone`; an end before the start crosses midnight.
  std::chrono::minutes time_window_start{9 * 60};
  std::chrono::minutes time_window_end{19 * 60};
  std::string timezone = "America/New_York";  // IANA name
  std::set<int> allowed_days{0, 1, 2, 3, 4};  // 0 = Monday ... 6 = Sunday

  int max_concurrent_calls = 10;  // 1-100

  int retry_delay_seconds = 7200;  // 1800-86400
  int max_retry_attempts = 3;      // 1-5
  RetryOutcomes retry_outcomes;

  bool enable_priority_override = true;
  int high_priority_threshold = 8;  // 1-10: a job at or above it goes to the priority lane

  bool skip_dnc = true;
  int min_hours_between_calls = 2;  // 1-24

  std::optional<std::string> caller_id;  // E.164

  RetryPolicy retry_policy() const;

  bool operator==(const CallingRules&) const = default;
};

// Whether the tz database knows `name` ("America/New_York").
bool IsKnownTimeZone(const std::string& name);

// Every violated field, named as in JSON; empty when the rules are valid.
std::vector<FieldError> ValidateCallingRules(const CallingRules& rules);

// "HH:MM" (00:00-23:59) to minutes after midnight, and back.
std::optional<std::chrono::minutes> ParseTimeOfDay(std::string_view text);
std::string FormatTimeOfDay(std::chrono::minutes minutes);

nlohmann::json ToJson(const CallingRules& rules);
// Missing fields keep their defaults; wrong types, unknown fields and out-of-range values are
// errors, all of them listed.
Expected<CallingRules> CallingRulesFromJson(const nlohmann::json& json);
Expected<CallingRules> ParseCallingRules(std::string_view text);

}  // namespace talky
