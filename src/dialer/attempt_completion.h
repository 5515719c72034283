// What one finished call attempt writes (the spec's handle_job_completion, made idempotent): the
// job's next state from DecideJobCompletion and the tenant's retry policy, the lead's bookkeeping
// and the campaign's counters, all for CompleteAttempt's single transaction. Pure: any thread.
#pragma once

#include "domain/call_outcome.h"
#include "domain/dialer_job.h"
#include "domain/job_completion.h"
#include "domain/retry_policy.h"
#include "store/store.h"

namespace talky {

struct PlannedCompletion {
  JobCompletion decision;
  AttemptCompletion write;  // for Store::CompleteAttempt
};

// `job` is the job as it was taken (status processing); `final_event` the call's last event (its
// outcome settles the attempt; kFailed when the provider gave none).
PlannedCompletion PlanAttemptCompletion(const DialerJob& job, const CallEvent& final_event,
                                        const RetryPolicy& policy, Instant now);

// Whether a call with this outcome reached somebody (a person or a machine): it then counts as a
// completed call, else as a failed one, in the campaign's counters.
bool CallConnected(CallOutcome outcome);

}  // namespace talky
