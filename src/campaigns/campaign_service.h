// A tenant's campaign controls, shared by the REST API and `talky run`: start, pause, resume and
// cancel move the campaign's status in the store and its jobs in the queue together, and Stats
// gathers what a user asks about a campaign. The store stays the record: a queue that lost jobs
// (a Redis flush) is refilled by a repeated Start, which enqueues the open jobs again.
//
// Store, queue and clock are borrowed and must outlive the service. Thread-safe: every method may
// be called from any thread at once.
#pragma once

#include "domain/campaign.h"
#include "domain/clock.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace talky {

struct CampaignStats {
  Campaign campaign;  // with its counters (calls_completed, calls_failed, goals_achieved)
  StoreTally tally;   // jobs by status, calls by outcome, leads by attempts, skips by reason
  // goals_achieved / leads called at least once; 0 before the first call.
  double goal_rate = 0;
};

class CampaignService {
 public:
  CampaignService(Store& store, JobQueue& queue, const Clock& clock);

  // draft, scheduled or paused -> running: creates one job per lead that has none (priority from
  // the lead), closes at once as non_retryable ("do_not_call", the dialer's reason too) the jobs
  // whose number is on the tenant's Do-Not-Call list, sets the queue's tenant and campaign caps
  // from the rules, and enqueues the rest. Starting a running campaign enqueues its open jobs again
  // (the queue ignores ids it holds). A campaign with no lead to call completes at once. Conflict
  // from completed/cancelled.
  Expected<Campaign> Start(const TenantId& tenant, const CampaignId& campaign);

  // running -> paused: the queue hands out none of its jobs from the next take; calls in flight
  // end normally.
  Expected<Campaign> Pause(const TenantId& tenant, const CampaignId& campaign);
  // paused -> running; Conflict naming the status from any other (a draft is started, not
  // resumed).
  Expected<Campaign> Resume(const TenantId& tenant, const CampaignId& campaign);
  // -> cancelled: waiting and scheduled jobs leave the queue and are closed in the store as
  // non_retryable with the reason "campaign_cancelled"; calls in flight end normally.
  Expected<Campaign> Cancel(const TenantId& tenant, const CampaignId& campaign);

  Expected<CampaignStats> Stats(const TenantId& tenant, const CampaignId& campaign);

  // Erasure. EraseLead is Store::EraseLead (the lead's personal data goes, its waiting jobs close,
  // its calls stay without the number, Do-Not-Call entries stay), and completes a running campaign
  // whose last open job that closed. A closed job still in the queue is dropped by the worker that
  // takes it (the store is the record). DeleteCampaign is Store::DeleteCampaign (Conflict while
  // running) and then drops the campaign's jobs from the queue.
  Expected<LeadErasure> EraseLead(const TenantId& tenant, const LeadId& lead);
  Expected<CampaignDeletion> DeleteCampaign(const TenantId& tenant, const CampaignId& campaign);

 private:
  Store& store_;
  JobQueue& queue_;
  const Clock& clock_;
};

}  // namespace talky
