// The dialer worker (document 002 "Dialer Worker", with ARCHITECTURE.md defects 1-3, 6, 9 and 12
// fixed): take the next job fairly under a lease, check the calling rules, originate the call,
// keep the lease alive while it lasts, and close the attempt once when the call ends.
//
// - Not now: the job is deferred once, to the exact next allowed instant, and recorded as skipped
//   with the reason. Never: the job is closed as non_retryable with the reason.
// - The worker is the provider's CallEventSink: a provider that reports in-process (simulated)
//   delivers events of its calls on the provider's thread; they are applied under the call's own
//   lock, the final one goes to the committer thread, which writes every completion that arrived
//   while it wrote the previous group in one store transaction (group commit: one commit waited
//   for, however many calls ended), then releases their leases in the queue; a repeated event
//   changes nothing. Progress events (ringing, answered) stay in memory and are stored with the
//   completion, or by the lease keeper when a call lasts longer than a third of a lease.
// - Jobs are taken in batches (up to 32, never more than the free call slots): the batch's
//   processing marks are one transaction, its call records another, so a durable store waits for
//   two commits per batch rather than two per call.
// - A provider whose events arrive as webhooks elsewhere (Vonage, at `talky serve`): the call
//   record carries the job's lease token, and the webhook's CallEventIntake completes the
//   attempt. The lease keeper's next ExtendLease then answers Conflict, and the worker forgets the
//   call and frees its slot.
// - Compliance fails closed: every check the rules name (Do-Not-Call, the number's recent calls,
//   the tenant's and campaign's caps, the job, lead, tenant and campaign rows) is made, or the job
//   is deferred (store_unavailable, the provider retry delay) and nothing is dialed.
// - A call that ends while the store cannot be written keeps its lease and its outcome in memory;
//   the lease keeper writes the completion once the store answers.
// - Idle, it blocks in the queue's WaitForWork (until work arrives or a retry falls due).
// - Run() returns when asked to stop: it takes no more jobs, lets calls in flight end for up to
//   the drain timeout, then hangs up the rest. A crash loses nothing: leases bring jobs back, and
//   the call a dead worker left open is ended as failed before the job goes on.
//
// Queue, store, provider and clock must outlive the worker. Run() on one thread; OnCallEvent from
// any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "dialer/call_completion.h"
#include "dialer/dialer_stores.h"
#include "domain/clock.h"
#include "queue/job_queue.h"
#include "scheduling/call_permission.h"
#include "store/id_generator.h"
#include "telephony/telephony_provider.h"

namespace talky {

struct DialerWorkerOptions {
  int max_calls_in_flight = 100;
  std::chrono::milliseconds lease{kDefaultLease};
  // Longest sleep in WaitForWork, which wakes at once for new work, a due retry or an expired
  // lease; a stopping process ends the wait with the queue's StopWaiting(), so this bound is only
  // a safety net.
  std::chrono::milliseconds idle_wait{5000};
  std::chrono::milliseconds drain_timeout{30'000};
  // Used when neither the campaign (calling_config.caller_id) nor the tenant names one.
  std::string default_caller_id = "+12025550100";  // fictional (555-01XX), but valid
  // A provider that cannot be reached: the job is tried again this much later, attempt unchanged.
  std::chrono::milliseconds provider_retry_delay{60'000};
};

struct DialerWorkerStats {
  int64_t calls_started = 0;
  int64_t calls_completed = 0;
  int64_t jobs_deferred = 0;      // not now: deferred to the next allowed instant
  int64_t jobs_refused = 0;       // never: closed as non_retryable
  int64_t lost_calls_closed = 0;  // calls of a dead worker ended as failed (CloseLostCall)
  // Calls let go because the lease keeper found the job's lease gone: closed by another process
  // (the webhook path), or lost (expired and recovered by the queue).
  int64_t calls_closed_elsewhere = 0;
  int64_t leases_lost = 0;
  // Jobs deferred because the store (or the queue's limits) could not answer a check the rules
  // name: nothing was dialed (also counted in jobs_deferred).
  int64_t store_errors = 0;
  // Attempts to store a call's completion while the store was unavailable (tried again at each
  // lease extension until it is written).
  int64_t completions_retried = 0;
};

// The reason recorded on a job deferred because a check could not be made.
inline constexpr std::string_view kStoreUnavailable = "store_unavailable";

class DialerWorker final : public CallEventSink {
 public:
  DialerWorker(JobQueue& queue, DialerStores stores, const Clock& clock, IdGenerator& ids,
               DialerWorkerOptions options = {});
  ~DialerWorker() override;

  // The provider must be set before Run(); it reports to this worker (OnCallEvent).
  void SetProvider(TelephonyProvider& provider) { provider_ = &provider; }

  void Run(std::stop_token stop);

  void OnCallEvent(const CallEvent& event) override;

  int CallsInFlight() const;
  DialerWorkerStats Stats() const;

 private:
  struct Call;
  struct TenantContext;

  // A job about to be marked processing: as taken, its status in the store, and its next state.
  struct Marking {
    TakenJob taken;
    JobStatus stored_status = JobStatus::kPending;
    DialerJob job;
  };
  // A call's final event waiting for the committer.
  struct PendingCompletion {
    std::shared_ptr<Call> call;
    CallEvent event;
  };

  // A take batch from the take to the calls placed (or the jobs deferred): one transaction for
  // the processing marks, one for the call records.
  void ProcessBatch(std::vector<TakenJob> batch);
  // The store's view of a taken job; nullopt when it was dealt with here (closed, lost, or the
  // store did not answer).
  std::optional<Marking> PrepareMark(TakenJob taken);
  // The calling rules' checks for a marked job, then the call; null when deferred or refused.
  std::shared_ptr<Call> CheckAndOriginate(TakenJob taken, DialerJob job);
  Expected<std::shared_ptr<const TenantContext>> ContextFor(const TenantId& tenant,
                                                            const CampaignId& campaign);
  // The job came back from a worker that died during its call (still processing, its call never
  // ended): that call is ended as failed ("worker_lost") and the attempt completed by the usual
  // rules, so the lead is not dialed again at once. False when there is no such call (the caller
  // then dials). An error when the store cannot tell.
  Expected<bool> CloseLostCall(const TakenJob& taken, const DialerJob& stored);
  // The store could not be read or written before the processing mark: the job waits in the queue
  // for the provider retry delay, its store row untouched, and is taken again then.
  void PostponeInQueue(const TakenJob& taken, const Error& error);
  // A check the rules name could not be made after the processing mark: deferred, nothing dialed.
  void DeferForStore(const TakenJob& taken, DialerJob job, const Error& error);
  void FinishInQueue(const Lease& lease, FinishOutcome outcome);
  void Defer(const TakenJob& taken, DialerJob job, Instant until, const std::string& reason);
  void Refuse(const TakenJob& taken, DialerJob job, const std::string& reason);
  // Originates the call; its record is written with the batch's (RecordStartedCalls).
  std::shared_ptr<Call> StartCall(TakenJob taken, DialerJob job,
                                  std::shared_ptr<const TenantContext> context);
  void RecordStartedCalls(const std::vector<std::shared_ptr<Call>>& calls);
  void ApplyEvent(Call& call, const CallEvent& event);
  // Stores the call record if the store could not take it before. False while it still cannot.
  // With the call's lock held.
  bool SaveRecord(Call& call);
  // Stores the call's progress events that are still in memory. With the call's lock held.
  void SaveProgress(Call& call);
  Expected<CallEvent> WithStoredVerdict(const Call& call, const CallEvent& event);
  // Hands the call's completion to the committer. With the call's lock held.
  void Complete(Call& call, const CallEvent& event);
  // The committer's thread: group commit of the completions that arrive together.
  void CommitCompletions(std::stop_token stop);
  void CommitGroup(const std::vector<PendingCompletion>& group);
  void Completed(Call& call, const CallEvent& event,
                 const Expected<CallCompletionResult>& completed);
  void LetGo(Call& call, const Error& extend_error);
  void Forget(const CallId& call_id);
  void KeepLeasesAlive(std::stop_token stop);
  void Drain();

  JobQueue& queue_;
  DialerStores stores_;
  const Clock& clock_;
  IdGenerator& ids_;
  TelephonyProvider* provider_ = nullptr;
  DialerWorkerOptions options_;
  CallCompletion completion_;

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::map<CallId, std::shared_ptr<Call>> calls_;  // in flight, by our call id
  std::vector<PendingCompletion> pending_completions_;
  std::condition_variable_any completions_waiting_;
  std::map<std::pair<TenantId, CampaignId>, std::shared_ptr<const TenantContext>> contexts_;
  DialerWorkerStats stats_;
};

}  // namespace talky
