#include "domain/calling_rules.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "domain/json_fields.h"

namespace talky {
namespace {

void CheckRange(std::vector<FieldError>& errors, const char* field, long long value, long long low,
                long long high) {
  if (value < low || value > high) {
    errors.push_back({field, "must be between " + std::to_string(low) + " and " +
                                 std::to_string(high) + " (got " + std::to_string(value) + ")"});
  }
}

bool LooksLikeE164(const std::string& number) {
  return number.size() >= 8 && number.size() <= 16 && number[0] == '+' && number[1] != '0' &&
         std::all_of(number.begin() + 1, number.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Reads an int field into `target` only when present and representable; range checks come later.
void ReadInt(JsonFields& fields, const std::string& key, int& target) {
  if (std::optional<long long> value = fields.OptionalInt(key)) {
    target = static_cast<int>(std::clamp<long long>(*value, -1'000'000'000, 1'000'000'000));
  }
}

void ReadTimeOfDay(JsonFields& fields, const std::string& key, std::chrono::minutes& target,
                   bool& ok) {
  std::optional<std::string> text = fields.OptionalString(key);
  if (!text) return;
  std::optional<std::chrono::minutes> minutes = ParseTimeOfDay(*text);
  if (!minutes) {
    fields.AddError(key, "must be a time of day as HH:MM (00:00-23:59)");
    ok = false;
    return;
  }
  target = *minutes;
}

}  // namespace

bool IsKnownTimeZone(const std::string& name) {
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

RetryPolicy CallingRules::retry_policy() const {
  return RetryPolicy{retry_outcomes, std::chrono::seconds(retry_delay_seconds), max_retry_attempts};
}

std::optional<std::chrono::minutes> ParseTimeOfDay(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0u, 1u, 3u, 4u}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (hour > 23 || minute > 59) return std::nullopt;
  return std::chrono::minutes(hour * 60 + minute);
}

std::string FormatTimeOfDay(std::chrono::minutes minutes) {
  return fmt::format("{:02}:{:02}", minutes.count() / 60, minutes.count() % 60);
}

std::vector<FieldError> ValidateCallingRules(const CallingRules& rules) {
  std::vector<FieldError> errors;
  const std::chrono::minutes day{24 * 60};
  if (rules.time_window_start < std::chrono::minutes(0) || rules.time_window_start >= day) {
    errors.push_back({"time_window_start", "must be a time of day as HH:MM (00:00-23:59)"});
  }
  if (rules.time_window_end < std::chrono::minutes(0) || rules.time_window_end >= day) {
    errors.push_back({"time_window_end", "must be a time of day as HH:MM (00:00-23:59)"});
  }
  if (rules.time_window_start == rules.time_window_end) {
    errors.push_back({"time_window_end",
                      "must differ from time_window_start (the window would "
                      "be empty)"});
  }
  if (!IsKnownTimeZone(rules.timezone)) {
    errors.push_back(
        {"timezone", "'" + rules.timezone + "' is not a time zone of the tz database"});
  }
  if (rules.allowed_days.empty()) {
    errors.push_back({"allowed_days", "must name at least one day (0 = Monday ... 6 = Sunday)"});
  }
  for (int day_number : rules.allowed_days) {
    if (day_number < 0 || day_number > 6) {
      errors.push_back(
          {"allowed_days", "days are 0 (Monday) to 6 (Sunday), got " + std::to_string(day_number)});
    }
  }
  CheckRange(errors, "max_concurrent_calls", rules.max_concurrent_calls, 1, 100);
  CheckRange(errors, "retry_delay_seconds", rules.retry_delay_seconds, 1800, 86400);
  CheckRange(errors, "max_retry_attempts", rules.max_retry_attempts, 1, 5);
  CheckRange(errors, "high_priority_threshold", rules.high_priority_threshold, 1, 10);
  CheckRange(errors, "min_hours_between_calls", rules.min_hours_between_calls, 1, 24);
  if (rules.caller_id && !LooksLikeE164(*rules.caller_id)) {
    errors.push_back({"caller_id", "must be an E.164 number such as +14155550100"});
  }
  return errors;
}

nlohmann::json ToJson(const CallingRules& rules) {
  nlohmann::json json = {
      {"time_window_start", FormatTimeOfDay(rules.time_window_start)},
      {"time_window_end", FormatTimeOfDay(rules.time_window_end)},
      {"timezone", rules.timezone},
      {"allowed_days", rules.allowed_days},
      {"max_concurrent_calls", rules.max_concurrent_calls},
      {"retry_delay_seconds", rules.retry_delay_seconds},
      {"max_retry_attempts", rules.max_retry_attempts},
      {"enable_priority_override", rules.enable_priority_override},
      {"high_priority_threshold", rules.high_priority_threshold},
      {"skip_dnc", rules.skip_dnc},
      {"min_hours_between_calls", rules.min_hours_between_calls},
      {"caller_id", rules.caller_id ? nlohmann::json(*rules.caller_id) : nlohmann::json(nullptr)},
  };
  WriteRetryOutcomes(rules.retry_outcomes, json);
  return json;
}

Expected<CallingRules> CallingRulesFromJson(const nlohmann::json& json) {
  JsonFields fields(json);
  CallingRules rules;
  bool windows_ok = true;
  ReadTimeOfDay(fields, "time_window_start", rules.time_window_start, windows_ok);
  ReadTimeOfDay(fields, "time_window_end", rules.time_window_end, windows_ok);
  if (std::optional<std::string> zone = fields.OptionalString("timezone")) rules.timezone = *zone;
  if (const nlohmann::json* days = fields.OptionalValue("allowed_days")) {
    if (!days->is_array() || !std::all_of(days->begin(), days->end(),
                                          [](const auto& d) { return d.is_number_integer(); })) {
      fields.AddError("allowed_days",
                      "must be an array of day numbers (0 = Monday ... 6 = Sunday)");
    } else {
      rules.allowed_days.clear();
      for (const nlohmann::json& day : *days) {
        if (!rules.allowed_days
                 .insert(static_cast<int>(std::clamp<long long>(day.get<long long>(), -1000, 1000)))
                 .second) {
          fields.AddError("allowed_days", "lists day " + day.dump() + " twice");
        }
      }
    }
  }
  ReadInt(fields, "max_concurrent_calls", rules.max_concurrent_calls);
  ReadInt(fields, "retry_delay_seconds", rules.retry_delay_seconds);
  ReadInt(fields, "max_retry_attempts", rules.max_retry_attempts);
  ReadInt(fields, "high_priority_threshold", rules.high_priority_threshold);
  ReadInt(fields, "min_hours_between_calls", rules.min_hours_between_calls);
  if (std::optional<bool> value = fields.OptionalBool("enable_priority_override")) {
    rules.enable_priority_override = *value;
  }
  if (std::optional<bool> value = fields.OptionalBool("skip_dnc")) rules.skip_dnc = *value;
  rules.caller_id = fields.OptionalString("caller_id");
  ReadRetryOutcomes(fields, rules.retry_outcomes);
  fields.RejectUnknownKeys();

  std::vector<FieldError> errors = std::move(fields.errors());
  for (FieldError& error : ValidateCallingRules(rules)) {
    // A window that failed to parse already has its error; do not report the default's overlap.
    const bool about_window = error.field.starts_with("time_window");
    const bool already_reported = std::any_of(
        errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == error.field; });
    if ((about_window && !windows_ok) || already_reported) continue;
    errors.push_back(std::move(error));
  }
  return ValueOrFieldErrors(std::move(rules), std::move(errors), "calling rules");
}

Expected<CallingRules> ParseCallingRules(std::string_view text) {
  Expected<nlohmann::json> json = ParseJsonText(text, "calling rules");
  if (!json) return std::unexpected(json.error());
  return CallingRulesFromJson(*json);
}

}  // namespace talky
