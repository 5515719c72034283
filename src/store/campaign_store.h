// Campaigns and their leads.
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <span>
#include <vector>

#include "domain/campaign.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "domain/lead.h"
#include "store/page.h"

namespace talky {

// What one call attempt does to its lead.
struct LeadAttempt {
  Instant called_at{};
  std::string result;  // the outcome's name, e.g. "busy"; kept as last_call_result
  LeadStatus status = LeadStatus::kCalled;
};

// Amounts added to a campaign's counters, atomically.
struct CampaignCounterDelta {
  int total_leads = 0;
  int calls_completed = 0;
  int calls_failed = 0;
  int goals_achieved = 0;
};

struct ImportResult {
  int imported = 0;
};

// What erasing a lead changed (CampaignStore::EraseLead).
struct LeadErasure {
  CampaignId campaign_id;  // the lead's campaign
  int jobs_closed = 0;     // waiting jobs closed as non_retryable ("lead_erased")
  int calls_kept = 0;      // calls kept for the statistics, without the number
};

// What deleting a campaign removed (CampaignStore::DeleteCampaign).
struct CampaignDeletion {
  int leads_erased = 0;
  int jobs_deleted = 0;
  int calls_kept = 0;  // calls kept for the tenant's statistics, without the numbers
};

class CampaignStore {
 public:
  virtual ~CampaignStore() = default;

  // Create ignores the given counters (they start at zero); its limits are checked by
  // ValidateCampaignLimits.
  virtual Expected<void> CreateCampaign(const Campaign& campaign) = 0;
  virtual Expected<Campaign> GetCampaign(const TenantId& tenant, const CampaignId& campaign) = 0;
  virtual Expected<Page<Campaign>> ListCampaigns(const TenantId& tenant, PageRequest page) = 0;
  // Moves the status if CanTransition allows it (Conflict otherwise); running sets started_at the
  // first time, completed and cancelled set completed_at. Returns the campaign after the move.
  virtual Expected<Campaign> UpdateCampaignStatus(const TenantId& tenant,
                                                  const CampaignId& campaign, CampaignStatus to,
                                                  Instant at) = 0;
  // Adds to the campaign's counters, atomically. (The dialer's completion does this inside
  // JobStore::CompleteAttempt; kept for setting up statistics in tests.)
  virtual Expected<void> AddToCampaignCounters(const TenantId& tenant, const CampaignId& campaign,
                                               const CampaignCounterDelta& delta) = 0;
  // Deletes a campaign that is not running, in one transaction: the campaign, its jobs and their
  // deferrals go, its leads are erased as by EraseLead, and its calls stay for the tenant's
  // statistics without the numbers (as by EraseLead). Conflict while it is running or one of its
  // jobs is processing; NotFound for another tenant's campaign.
  virtual Expected<CampaignDeletion> DeleteCampaign(const TenantId& tenant,
                                                    const CampaignId& campaign) = 0;

  // The import is one transaction: it writes every lead or, when any row is bad, none, and the
  // error lists each bad row as "leads[i].<field>". The store fills in each lead's id (when
  // empty), tenant, campaign, created_at and E.164 number, and adds the count to total_leads.
  virtual Expected<ImportResult> ImportLeads(const TenantId& tenant, const CampaignId& campaign,
                                             std::span<const Lead> leads) = 0;
  virtual Expected<Lead> GetLead(const TenantId& tenant, const LeadId& lead) = 0;
  virtual Expected<Page<Lead>> ListLeads(const TenantId& tenant, const CampaignId& campaign,
                                         PageRequest page) = 0;
  // call_attempts + 1, last_called_at, last_call_result and status, atomically. (Inside
  // CompleteAttempt for the dialer, as above.)
  virtual Expected<void> RecordLeadAttempt(const TenantId& tenant, const LeadId& lead,
                                           const LeadAttempt& attempt) = 0;
  // Erases a lead's personal data, in one transaction: the lead goes (number, names, email, custom
  // fields, tags; the campaign's total_leads goes down by one); its waiting jobs are closed as
  // non_retryable ("lead_erased", at `at`) so nothing dials it, and every job of it loses the
  // number; its calls keep status, outcome and times for the statistics but lose the number, their
  // provider events their payloads and their conversation turns their text. The tenant's
  // Do-Not-Call entries stay (a legal record). NotFound for another tenant's lead; Conflict while
  // one of its jobs is processing (a call in flight: erase it once the call ended).
  virtual Expected<LeadErasure> EraseLead(const TenantId& tenant, const LeadId& lead,
                                          Instant at) = 0;
};

}  // namespace talky
