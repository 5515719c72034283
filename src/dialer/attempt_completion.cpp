#include "dialer/attempt_completion.h"

namespace talky {

bool CallConnected(CallOutcome outcome) {
  return outcome == CallOutcome::kGoalAchieved || outcome == CallOutcome::kGoalNotAchieved ||
         outcome == CallOutcome::kVoicemail || outcome == CallOutcome::kAnswered;
}

PlannedCompletion PlanAttemptCompletion(const DialerJob& job, const CallEvent& final_event,
                                        const RetryPolicy& policy, Instant now) {
  const CallOutcome outcome = final_event.outcome.value_or(CallOutcome::kFailed);
  PlannedCompletion planned{.decision =
                                DecideJobCompletion(policy, outcome, job.attempt_number, now)};
  DialerJob next = job;
  next.status = planned.decision.status;
  next.last_outcome = outcome;
  if (!final_event.call_id.empty()) next.call_id = final_event.call_id;
  if (planned.decision.status == JobStatus::kRetryScheduled) {
    next.attempt_number = planned.decision.next_attempt_number;
    next.scheduled_at = *planned.decision.retry_at;
    next.last_error.reset();
  } else {
    next.completed_at = now;
    if (planned.decision.status != JobStatus::kGoalAchieved) {
      next.last_error = planned.decision.reason;
    }
  }
  const bool closed = IsFinal(next.status);
  planned.write = AttemptCompletion{
      .event = final_event,
      .expected_job_status = JobStatus::kProcessing,
      .job = next,
      .lead_attempt = LeadAttempt{.called_at = now,
                                  .result = std::string(ToString(outcome)),
                                  .status = closed ? LeadStatus::kCompleted : LeadStatus::kCalled},
      .counters = CampaignCounterDelta{
          .calls_completed = CallConnected(outcome) ? 1 : 0,
          .calls_failed = CallConnected(outcome) ? 0 : 1,
          .goals_achieved = outcome == CallOutcome::kGoalAchieved ? 1 : 0,
      }};
  return planned;
}

}  // namespace talky
