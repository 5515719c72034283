#include "domain/calling_rules.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace talky {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::set<std::string> FieldsOf(const Error& error) {
  std::set<std::string> fields;
  for (const FieldError& field : error.fields) fields.insert(field.field);
  return fields;
}

TEST(CallingRules, DefaultsAreTheSpecsAndValid) {
  const CallingRules rules;
  EXPECT_EQ(rules.time_window_start, 9h);
  EXPECT_EQ(rules.time_window_end, 19h);
  EXPECT_EQ(rules.timezone, "America/New_York");
  EXPECT_EQ(rules.allowed_days, (std::set<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(rules.max_concurrent_calls, 10);
  EXPECT_EQ(rules.retry_delay_seconds, 7200);
  EXPECT_EQ(rules.max_retry_attempts, 3);
  EXPECT_TRUE(rules.enable_priority_override);
  EXPECT_EQ(rules.high_priority_threshold, 8);
  EXPECT_TRUE(rules.skip_dnc);
  EXPECT_EQ(rules.min_hours_between_calls, 2);
  EXPECT_EQ(rules.caller_id, std::nullopt);
  EXPECT_TRUE(ValidateCallingRules(rules).empty());
}

struct ValidCase {
  const char* json;
};

// Bounds of every documented range are accepted.
const char* kValidRules[] = {
    R"({})",
    R"({"max_concurrent_calls": 1})",
    R"({"max_concurrent_calls": 100})",
    R"({"retry_delay_seconds": 1800})",
    R"({"retry_delay_seconds": 86400})",
    R"({"max_retry_attempts": 1})",
    R"({"max_retry_attempts": 5})",
    R"({"high_priority_threshold": 1})",
    R"({"high_priority_threshold": 10})",
    R"({"min_hours_between_calls": 1})",
    R"({"min_hours_between_calls": 24})",
    R"({"time_window_start": "00:00", "time_window_end": "23:59"})",
    R"({"time_window_start": "22:00", "time_window_end": "02:00"})",
    R"({"allowed_days": [6]})",
    R"({"allowed_days": [0, 1, 2, 3, 4, 5, 6]})",
    R"({"timezone": "Pacific/Honolulu"})",
    R"({"timezone": "UTC"})",
    R"({"caller_id": "+14155550100"})",
    R"({"caller_id": null})",
    R"({"skip_dnc": false, "enable_priority_override": false})",
    R"({"retryable_outcomes": ["busy"], "non_retryable_outcomes": ["voicemail", "spam"]})",
};

TEST(CallingRules, AcceptsEveryValueInRange) {
  for (const char* text : kValidRules) {
    Expected<CallingRules> rules = ParseCallingRules(text);
    EXPECT_TRUE(rules) << text << ": " << (rules ? "" : rules.error().Describe());
  }
}

struct InvalidCase {
  const char* json;
  std::set<std::string> fields;
};

const InvalidCase kInvalidRules[] = {
    {R"({"max_concurrent_calls": 0})", {"max_concurrent_calls"}},
    {R"({"max_concurrent_calls": 101})", {"max_concurrent_calls"}},
    {R"({"retry_delay_seconds": 1799})", {"retry_delay_seconds"}},
    {R"({"retry_delay_seconds": 86401})", {"retry_delay_seconds"}},
    {R"({"max_retry_attempts": 0})", {"max_retry_attempts"}},
    {R"({"max_retry_attempts": 6})", {"max_retry_attempts"}},
    {R"({"high_priority_threshold": 0})", {"high_priority_threshold"}},
    {R"({"high_priority_threshold": 11})", {"high_priority_threshold"}},
    {R"({"min_hours_between_calls": 0})", {"min_hours_between_calls"}},
    {R"({"min_hours_between_calls": 25})", {"min_hours_between_calls"}},
    {R"({"time_window_start": "24:00"})", {"time_window_start"}},
    {R"({"time_window_start": "9:00"})", {"time_window_start"}},
    {R"({"time_window_end": "19:60"})", {"time_window_end"}},
    {R"({"time_window_end": 1900})", {"time_window_end"}},
    {R"({"time_window_start": "10:00", "time_window_end": "10:00"})", {"time_window_end"}},
    {R"({"timezone": "America/Nowhere"})", {"timezone"}},
    {R"({"timezone": "EST5EDT6"})", {"timezone"}},
    {R"({"allowed_days": []})", {"allowed_days"}},
    {R"({"allowed_days": [7]})", {"allowed_days"}},
    {R"({"allowed_days": [-1]})", {"allowed_days"}},
    {R"({"allowed_days": [1, 1]})", {"allowed_days"}},
    {R"({"allowed_days": ["monday"]})", {"allowed_days"}},
    {R"({"allowed_days": 1})", {"allowed_days"}},
    {R"({"caller_id": "4155550100"})", {"caller_id"}},
    {R"({"caller_id": "+1 415 555"})", {"caller_id"}},
    {R"({"skip_dnc": "yes"})", {"skip_dnc"}},
    {R"({"max_concurrent_calls": "10"})", {"max_concurrent_calls"}},
    {R"({"max_concurrent_calls": 2.5})", {"max_concurrent_calls"}},
    {R"({"surprise": 1})", {"surprise"}},
    {R"({"retryable_outcomes": ["hangup"]})", {"retryable_outcomes"}},
    {R"({"retryable_outcomes": ["spam"]})", {"retryable_outcomes"}},
    {R"({"goal_outcomes": "answered"})", {"goal_outcomes"}},
    {R"([])", {"body"}},
};

TEST(CallingRules, RejectsOutOfRangeNamingTheField) {
  for (const InvalidCase& c : kInvalidRules) {
    Expected<CallingRules> rules = ParseCallingRules(c.json);
    ASSERT_FALSE(rules) << "accepted " << c.json;
    EXPECT_EQ(rules.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(FieldsOf(rules.error()), c.fields) << c.json << "\n" << rules.error().Describe();
  }
}

TEST(CallingRules, ReportsEveryViolatedFieldNotJustTheFirst) {
  Expected<CallingRules> rules = ParseCallingRules(R"({
      "max_concurrent_calls": 500, "retry_delay_seconds": 60, "max_retry_attempts": 9,
      "high_priority_threshold": 0, "min_hours_between_calls": 48, "timezone": "Mars/Base",
      "time_window_start": "7am", "allowed_days": [9], "unknown": true})");
  ASSERT_FALSE(rules);
  EXPECT_EQ(
      FieldsOf(rules.error()),
      (std::set<std::string>{"max_concurrent_calls", "retry_delay_seconds", "max_retry_attempts",
                             "high_priority_threshold", "min_hours_between_calls", "timezone",
                             "time_window_start", "allowed_days", "unknown"}));
}

TEST(CallingRules, RejectsMalformedJson) {
  Expected<CallingRules> rules = ParseCallingRules("{\"timezone\": ");
  ASSERT_FALSE(rules);
  EXPECT_EQ(rules.error().code, ErrorCode::kInvalidArgument);
}

TEST(CallingRules, RoundTripsThroughJson) {
  CallingRules rules;
  rules.time_window_start = 22h;
  rules.time_window_end = 2h + 30min;
  rules.timezone = "America/Phoenix";
  rules.allowed_days = {5, 6};
  rules.max_concurrent_calls = 42;
  rules.retry_delay_seconds = 3600;
  rules.max_retry_attempts = 5;
  rules.enable_priority_override = false;
  rules.high_priority_threshold = 9;
  rules.skip_dnc = false;
  rules.min_hours_between_calls = 24;
  rules.caller_id = "+442071838750";
  rules.retry_outcomes.retryable.erase(CallOutcome::kVoicemail);
  Expected<CallingRules> parsed = CallingRulesFromJson(ToJson(rules));
  ASSERT_TRUE(parsed) << parsed.error().Describe();
  EXPECT_EQ(*parsed, rules);
  EXPECT_EQ(ToJson(rules)["time_window_end"], "02:30");
}

TEST(CallingRules, TimeOfDayParsing) {
  EXPECT_EQ(ParseTimeOfDay("00:00"), 0min);
  EXPECT_EQ(ParseTimeOfDay("23:59"), 23h + 59min);
  EXPECT_EQ(ParseTimeOfDay("09:30"), 9h + 30min);
  for (const char* bad : {"24:00", "9:30", "09:3", "09-30", "0930", "ab:cd", "", "09:30:00"}) {
    EXPECT_EQ(ParseTimeOfDay(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(FormatTimeOfDay(9h + 5min), "09:05");
}

}  // namespace
}  // namespace talky
