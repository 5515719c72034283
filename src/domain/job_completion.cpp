#include "domain/job_completion.h"

namespace talky {

JobCompletion DecideJobCompletion(const RetryPolicy& policy, CallOutcome outcome,
                                  int attempt_number, Instant now) {
  if (outcome == CallOutcome::kDoNotCall) {
    return {.status = JobStatus::kNonRetryable, .reason = "do_not_call"};
  }
  const RetryDecision decision =
      ShouldRetry(policy, outcome, attempt_number, outcome == CallOutcome::kGoalAchieved);
  JobCompletion completion{.reason = decision.reason};
  if (decision.retry) {
    completion.status = JobStatus::kRetryScheduled;
    completion.retry_at = now + policy.retry_delay;
    completion.next_attempt_number = attempt_number + 1;
  } else if (decision.reason == "goal_achieved") {
    completion.status = JobStatus::kGoalAchieved;
  } else if (decision.reason.starts_with("non_retryable_")) {
    completion.status = JobStatus::kNonRetryable;
  } else if (decision.reason == "goal_not_achieved") {
    completion.status = JobStatus::kCompleted;
  } else {
    completion.status = JobStatus::kFailed;
  }
  return completion;
}

}  // namespace talky
