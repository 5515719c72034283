// The completion of one call attempt, in one place for every process that may see a call end: the
// dialer worker whose provider reports events in-process (simulated), and the webhook intake of
// `talky serve` (CallEventIntake), which usually runs in another process than the worker holding
// the job's lease. It plans the attempt (PlanAttemptCompletion, with the tenant's retry policy),
// writes it in the store's single transaction (Store::CompleteAttempt: a duplicate event or a job
// that is no longer processing writes nothing), then reschedules or finishes the job in the queue
// with the call's lease, and closes the campaign when its last job closed.
//
// The lease's token is all the queue needs (it stays the same across ExtendLease), so a process
// that never took the job finishes it with Lease{job_id, token} read from the call record.
//
// Queue, store and clock must outlive it. Thread-safe: any thread may call any method at once.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>

#include "dialer/attempt_completion.h"
#include "dialer/dialer_stores.h"
#include "domain/clock.h"
#include "domain/retry_policy.h"
#include "queue/job_queue.h"

namespace talky {

struct CallCompletionOptions {
  // How long a tenant's retry policy is reused before it is read again.
  std::chrono::seconds tenant_ttl{30};
};

struct CallCompletionResult {
  JobStatus job_status = JobStatus::kProcessing;  // what the job became (when not a duplicate)
  bool duplicate_event = false;                   // the attempt was already closed: nothing written
  bool queue_released = false;  // the queue accepted the finish or the retry with this lease
  bool campaign_completed = false;
};

// The plain end of an answered call (goal_not_achieved: how providers report a hang-up) counts
// as the verdict recorded after the answer, when there is one: voicemail from machine detection,
// or the conversation's goal_achieved, goal_not_achieved or do_not_call.
CallEvent WithVerdict(CallEvent final_event, const std::optional<CallOutcome>& verdict);

// A call that ended, for CompleteMany.
struct EndedCall {
  DialerJob job;
  Lease lease;
  CallEvent final_event;
  RetryPolicy policy;
  std::vector<CallEvent> progress_events;
};

class CallCompletion {
 public:
  CallCompletion(JobQueue& queue, DialerStores stores, const Clock& clock,
                 CallCompletionOptions options = {});

  // `job` is the job as taken (status processing in the store), `lease` the lease its worker holds,
  // `final_event` the call's final event. Errors: the store's (nothing was written; kConflict when
  // the job is no longer processing, e.g. another process completed it first). A queue that
  // refuses the lease (kConflict: lost) is not an error: the store already holds the result, and
  // the queue gives the job back when the lease expires (the worker then drops a finished job).
  Expected<CallCompletionResult> Complete(const DialerJob& job, const Lease& lease,
                                          const CallEvent& final_event, const RetryPolicy& policy);
  // The tenant's retry policy, read from the store (cached for tenant_ttl).
  Expected<RetryPolicy> RetryPolicyOf(const TenantId& tenant);

  // Complete for calls that ended together (group commit; Complete is a group of one): their
  // store writes in one transaction, with each call's progress events not stored yet,
  // so one commit is waited for, and only after it the queue releases their leases. One result
  // per request, in order, as Complete would give it (an error of the whole write is each one's).
  std::vector<Expected<CallCompletionResult>> CompleteMany(const std::vector<EndedCall>& requests);

  // Moves a running campaign to completed when none of its jobs is open. Returns whether this call
  // moved it (two processes closing the last jobs at once: the second sees a harmless Conflict).
  bool CloseCampaignIfDone(const TenantId& tenant, const CampaignId& campaign);

 private:
  // Reschedules or finishes the job in the queue once its completion is written.
  bool ReleaseInQueue(const Lease& lease, const PlannedCompletion& planned);

  JobQueue& queue_;
  DialerStores stores_;
  const Clock& clock_;
  CallCompletionOptions options_;

  struct CachedPolicy {
    RetryPolicy policy;
    Instant loaded_at{};
  };
  std::mutex mutex_;
  std::map<TenantId, CachedPolicy> policies_;
};

}  // namespace talky
