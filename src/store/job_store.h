// Dialer jobs, one per lead of a started campaign, and the completion of their attempts.
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <optional>
#include <vector>

#include "domain/call_record.h"
#include "domain/dialer_job.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "store/campaign_store.h"
#include "store/page.h"

namespace talky {

// Everything the dialer's completion handler writes about one finished attempt, in one
// transaction: the provider event (optional), the job's compare-and-set, the lead's bookkeeping
// and the campaign's counters. Either all of it is written or none.
struct AttemptCompletion {
  std::optional<CallEvent> event;  // a duplicate event makes the whole completion a no-op
  // The call's progress events (ringing, answered) not stored yet, written first; those already
  // stored are skipped. The dialer keeps them in memory while a call is short, saving a
  // transaction per event.
  std::vector<CallEvent> progress_events;
  JobStatus expected_job_status = JobStatus::kProcessing;
  DialerJob job;  // the job's next state; its lead and campaign get the two changes below
  std::optional<LeadAttempt> lead_attempt;
  CampaignCounterDelta counters;
};

struct CompletionResult {
  bool duplicate_event = false;  // nothing was written
};

// One compare-and-set of UpdateJob's kind, for UpdateJobs.
struct JobUpdate {
  TenantId tenant;
  JobStatus expected = JobStatus::kPending;
  DialerJob next;
};

// One attempt's completion, for CompleteAttempts.
struct TenantAttemptCompletion {
  TenantId tenant;
  AttemptCompletion completion;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Campaign start: one pending job per pending lead of the campaign that has no job yet (so a
  // repeated start creates nothing twice), priority from ComputeLeadPriority. Returns the jobs
  // created.
  virtual Expected<std::vector<DialerJob>> CreateCampaignJobs(const TenantId& tenant,
                                                              const CampaignId& campaign,
                                                              Instant now) = 0;
  virtual Expected<DialerJob> GetJob(const TenantId& tenant, const JobId& job) = 0;
  virtual Expected<Page<DialerJob>> ListJobs(const TenantId& tenant,
                                             const std::optional<CampaignId>& campaign,
                                             PageRequest page) = 0;
  // ListJobs narrowed to one status when `status` is given (the API's ?status=).
  virtual Expected<Page<DialerJob>> ListJobs(const TenantId& tenant,
                                             const std::optional<CampaignId>& campaign,
                                             const std::optional<JobStatus>& status,
                                             PageRequest page) = 0;
  // Compare-and-set: writes `next` (status, attempt, times, outcome, error, call id) only if the
  // stored status is `expected` and not final; otherwise Conflict, and nothing changes. A finished
  // job is never reopened. A move to skipped also records the deferral and its reason (last_error)
  // for the campaign's skips by reason.
  virtual Expected<void> UpdateJob(const TenantId& tenant, JobStatus expected,
                                   const DialerJob& next) = 0;
  // UpdateJob for many jobs (a take batch's processing marks) in one transaction, so they wait
  // for one commit: one result per update, in order. An update that does not apply (Conflict,
  // NotFound, InvalidArgument) changes nothing and leaves the others; an error of the whole (the
  // database): nothing was written.
  virtual Expected<std::vector<Expected<void>>> UpdateJobs(
      const std::vector<JobUpdate>& updates) = 0;
  // How many of the campaign's jobs are not final; 0 means the campaign's work is done. A counter
  // kept with every job change: one row read. NotFound for another tenant's campaign.
  virtual Expected<int> CountOpenJobs(const TenantId& tenant, const CampaignId& campaign) = 0;
  // Closes as non_retryable, with `reason` as last_error, the campaign's jobs that wait (pending,
  // skipped, retry_scheduled) and, when `only_do_not_call`, whose number is on the tenant's
  // Do-Not-Call list. Jobs in processing are left to finish. Returns how many were closed.
  virtual Expected<int> CloseWaitingJobs(const TenantId& tenant, const CampaignId& campaign,
                                         bool only_do_not_call, const std::string& reason,
                                         Instant at) = 0;
  // Every tenant's jobs that are not final (no tenant: the embedded queue rebuilds from it).
  virtual Expected<Page<DialerJob>> ListOpenJobs(PageRequest page) = 0;

  // The completion handler's single transaction (see AttemptCompletion).
  virtual Expected<CompletionResult> CompleteAttempt(const TenantId& tenant,
                                                     const AttemptCompletion& completion) = 0;
  // CompleteAttempt for many attempts that ended together (group commit): one result per
  // completion, in order, each written whole or not at all, exactly as CompleteAttempt would
  // (any error, the database's too, may be one completion's alone). An error of the whole:
  // nothing was written.
  virtual Expected<std::vector<Expected<CompletionResult>>> CompleteAttempts(
      const std::vector<TenantAttemptCompletion>& completions) = 0;
};

}  // namespace talky
