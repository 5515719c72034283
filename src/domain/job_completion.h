// What becomes of a job when its call ends (document 000 §6.2 `handle_job_completion`), decided
// with the spec's `should_retry` rules and the tenant's RetryPolicy, so one rule set serves both.
// Pure: the dialer's completion handler applies the result to the store and the queue.
#pragma once

#include <optional>
#include <string>

#include "domain/call_outcome.h"
#include "domain/instant.h"
#include "domain/job_status.h"
#include "domain/retry_policy.h"

namespace talky {

struct JobCompletion {
  JobStatus status = JobStatus::kFailed;
  std::string reason;               // ShouldRetry's reason string
  std::optional<Instant> retry_at;  // set only for kRetryScheduled: now + the tenant's retry delay
  int next_attempt_number = 0;      // set only for kRetryScheduled: attempt + 1

  bool operator==(const JobCompletion&) const = default;
};

// goal outcome -> goal_achieved; non-retryable -> non_retryable; retryable below the maximum ->
// retry_scheduled; maximum reached -> failed. An answered call whose goal was not reached is
// `completed` (the person was reached; nothing to retry); any other outcome outside the sets is
// `failed`, as in the spec. do_not_call (the callee opted out) is non_retryable with reason
// do_not_call, whatever the sets say.
JobCompletion DecideJobCompletion(const RetryPolicy& policy, CallOutcome outcome,
                                  int attempt_number, Instant now);

}  // namespace talky
