#include "domain/retry_policy.h"

#include <nlohmann/json.hpp>

#include "domain/json_fields.h"

namespace talky {
namespace {

constexpr const char* kRetryableKey = "retryable_outcomes";
constexpr const char* kNonRetryableKey = "non_retryable_outcomes";
constexpr const char* kGoalKey = "goal_outcomes";

nlohmann::json OutcomeList(const std::set<CallOutcome>& outcomes) {
  nlohmann::json list = nlohmann::json::array();
  for (CallOutcome outcome : outcomes) list.push_back(ToString(outcome));
  return list;
}

void ReadOutcomeSet(JsonFields& fields, const std::string& key, std::set<CallOutcome>& target) {
  const nlohmann::json* value = fields.OptionalValue(key);
  if (value == nullptr) return;
  if (!value->is_array()) {
    fields.AddError(key, "must be an array of call outcomes");
    return;
  }
  std::set<CallOutcome> outcomes;
  for (const nlohmann::json& item : *value) {
    std::optional<CallOutcome> outcome =
        item.is_string() ? ParseCallOutcome(item.get<std::string>()) : std::nullopt;
    if (!outcome) {
      fields.AddError(key, "unknown call outcome " + item.dump());
      return;
    }
    outcomes.insert(*outcome);
  }
  target = std::move(outcomes);
}

void RejectOverlap(JsonFields& fields, const std::string& key, const std::set<CallOutcome>& set,
                   const std::set<CallOutcome>& other, const std::string& other_key) {
  for (CallOutcome outcome : set) {
    if (other.contains(outcome)) {
      fields.AddError(key, std::string(ToString(outcome)) + " is also in " + other_key);
    }
  }
}

}  // namespace

RetryDecision ShouldRetry(const RetryPolicy& policy, std::optional<CallOutcome> last_outcome,
                          int attempt_number, bool goal_achieved) {
  const RetryOutcomes& sets = policy.outcomes;
  const std::string outcome_name = last_outcome ? std::string(ToString(*last_outcome)) : "none";
  if (goal_achieved || (last_outcome && sets.goal.contains(*last_outcome))) {
    return {false, "goal_achieved"};
  }
  if (last_outcome && sets.non_retryable.contains(*last_outcome)) {
    return {false, "non_retryable_" + outcome_name};
  }
  if (attempt_number >= policy.max_attempts) return {false, "max_attempts_reached"};
  if (last_outcome && sets.retryable.contains(*last_outcome)) {
    return {true, "retrying_" + outcome_name};
  }
  // The person was reached and the conversation ended without the goal: a normal end, not an
  // outcome the policy does not know.
  if (last_outcome == CallOutcome::kGoalNotAchieved) return {false, "goal_not_achieved"};
  return {false, "unknown_outcome_" + outcome_name};
}

void WriteRetryOutcomes(const RetryOutcomes& outcomes, nlohmann::json& object) {
  object[kRetryableKey] = OutcomeList(outcomes.retryable);
  object[kNonRetryableKey] = OutcomeList(outcomes.non_retryable);
  object[kGoalKey] = OutcomeList(outcomes.goal);
}

void ReadRetryOutcomes(JsonFields& fields, RetryOutcomes& outcomes) {
  ReadOutcomeSet(fields, kRetryableKey, outcomes.retryable);
  ReadOutcomeSet(fields, kNonRetryableKey, outcomes.non_retryable);
  ReadOutcomeSet(fields, kGoalKey, outcomes.goal);
  RejectOverlap(fields, kRetryableKey, outcomes.retryable, outcomes.non_retryable,
                kNonRetryableKey);
  RejectOverlap(fields, kRetryableKey, outcomes.retryable, outcomes.goal, kGoalKey);
  RejectOverlap(fields, kNonRetryableKey, outcomes.non_retryable, outcomes.goal, kGoalKey);
}

}  // namespace talky
