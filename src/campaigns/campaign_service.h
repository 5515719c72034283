// A tenant's campaign controls, shared by the REST API and `talky run`: start, pause, resume and
// cancel move the campaign's status in the store and its jobs in the queue together, and Stats
// gathers what a user asks about a campaign. The store stays the record: a queue that lost jobs
// (a Redis flush) is refilled by a repeated Start, which enqueues the open jobs again.
//
// Store, queue and clock are borrowed and must outlive the service. Thread-safe: every method may
// be called from any thread at once.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "domain/campaign.h"
#include "domain/clock.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace talky {

struct CampaignStats {
  Campaign campaign;  // with its counters (calls_completed, calls_failed, goals_achieved)
  std::map<std::string, int64_t> jobs_by_status;    // JobStatus names; every status, 0 included
  std::map<std::string, int64_t> calls_by_outcome;  // CallOutcome names of ended calls
  std::map<int, int64_t> leads_by_attempts;         // attempts made -> how many leads
  std::map<std::string, int64_t> skips_by_reason;   // every deferral, by its reason
  int64_t calls_total = 0;                          // rows in the calls table
  int64_t calls_in_progress = 0;                    // calls without an outcome yet
  int64_t retries_waiting = 0;                      // jobs in retry_scheduled
  double goal_rate = 0;  // goals_achieved / leads with at least one call (0 when none)
};

class CampaignService {
 public:
  CampaignService(Store& store, JobQueue& queue, const Clock& clock);

  // draft, scheduled or paused -> running: creates one job per lead that has none (priority from
  // the lead), closes at once as non_retryable ("dnc") the jobs whose number is on the tenant's
  // Do-Not-Call list, sets the queue's tenant and campaign caps from the rules, and enqueues the
  // rest. Starting a running campaign enqueues its open jobs again (the queue ignores ids it
  // holds). A campaign with no lead to call completes at once. Conflict from completed/cancelled.
  Expected<Campaign> Start(const TenantId& tenant, const CampaignId& campaign);

  // running -> paused: the queue hands out none of its jobs from the next take; calls in flight
  // end normally.
  Expected<Campaign> Pause(const TenantId& tenant, const CampaignId& campaign);
  // paused -> running.
  Expected<Campaign> Resume(const TenantId& tenant, const CampaignId& campaign);
  // -> cancelled: waiting and scheduled jobs leave the queue and are closed in the store as
  // non_retryable with the reason "campaign_cancelled"; calls in flight end normally.
  Expected<Campaign> Cancel(const TenantId& tenant, const CampaignId& campaign);

  Expected<CampaignStats> Stats(const TenantId& tenant, const CampaignId& campaign);

 private:
  Store& store_;
  JobQueue& queue_;
  const Clock& clock_;
};

}  // namespace talky
