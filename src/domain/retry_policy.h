// When a job is tried again (document 000 §5). The outcome sets are set per tenant; the delay and
// the maximum attempts come from the tenant's CallingRules (retry_delay_seconds,
// max_retry_attempts), so each value has one home. The defaults are document 000's: voicemail is
// retryable there but not in document 002's list; a tenant that wants 002's behaviour moves it.
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/call_outcome.h"
#include "domain/error.h"

namespace talky {

class JsonFields;

struct RetryOutcomes {
  std::set<CallOutcome> retryable{CallOutcome::kBusy, CallOutcome::kNoAnswer, CallOutcome::kTimeout,
                                  CallOutcome::kFailed, CallOutcome::kVoicemail};
  std::set<CallOutcome> non_retryable{CallOutcome::kSpam, CallOutcome::kInvalid,
                                      CallOutcome::kUnavailable, CallOutcome::kDisconnected,
                                      CallOutcome::kRejected};
  std::set<CallOutcome> goal{CallOutcome::kGoalAchieved, CallOutcome::kAnswered};

  bool operator==(const RetryOutcomes&) const = default;
};

struct RetryPolicy {
  RetryOutcomes outcomes;
  std::chrono::seconds retry_delay{7200};
  int max_attempts = 3;

  bool operator==(const RetryPolicy&) const = default;
};

struct RetryDecision {
  bool retry = false;
  // The spec's reason strings: goal_achieved, non_retryable_<outcome>, max_attempts_reached,
  // retrying_<outcome>, unknown_outcome_<outcome> (unknown_outcome_none without an outcome); and
  // goal_not_achieved for an answered call that ended without the goal, outside the tenant's sets.
  std::string reason;

  bool operator==(const RetryDecision&) const = default;
};

// The spec's `should_retry`, rule for rule and in the same order.
RetryDecision ShouldRetry(const RetryPolicy& policy, std::optional<CallOutcome> last_outcome,
                          int attempt_number, bool goal_achieved = false);

// JSON keys "retryable_outcomes", "non_retryable_outcomes", "goal_outcomes": arrays of outcomes.
void WriteRetryOutcomes(const RetryOutcomes& outcomes, nlohmann::json& object);
// Reads whichever of the three keys are present; an unknown outcome or an outcome in two sets is
// recorded as an error on its key.
void ReadRetryOutcomes(JsonFields& fields, RetryOutcomes& outcomes);

}  // namespace talky
