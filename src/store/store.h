// The system of record: tenants, campaigns, leads, dialer jobs, calls and their provider events,
// Do-Not-Call numbers and conversation turns. Two backends behave the same (one conformance
// suite): SQLite, the embedded default, and PostgreSQL for many processes on many machines.
//
// Every method but ListOpenJobs and FindCallByProviderCallId takes the tenant and touches only that
// tenant's rows: another tenant's row is reported as not found. Phone numbers are stored in E.164,
// normalised with the tenant's default region. Bad input is an InvalidArgument error naming the
// field and changes nothing; a lost compare-and-set is a Conflict; a database that cannot be
// reached is Unavailable.
//
// Implementations are thread-safe: every method may be called from any thread at once (each call
// borrows a connection from a pool). The Store owns its connections.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/call_record.h"
#include "domain/campaign.h"
#include "domain/dialer_job.h"
#include "domain/error.h"
#include "domain/lead.h"
#include "domain/tenant.h"
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

struct CallEventResult {
  bool duplicate = false;  // the same (provider call id, status) was already recorded
  CallRecord call;         // the call after the event
};

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

// What erasing a lead changed (Store::EraseLead).
struct LeadErasure {
  CampaignId campaign_id;  // the lead's campaign
  int jobs_closed = 0;     // waiting jobs closed as non_retryable ("lead_erased")
  int calls_kept = 0;      // calls kept for the statistics, without the number
};

// What deleting a campaign removed (Store::DeleteCampaign).
struct CampaignDeletion {
  int leads_erased = 0;
  int jobs_deleted = 0;
  int calls_kept = 0;  // calls kept for the tenant's statistics, without the numbers
};

// Counts over a tenant's campaign (or a tenant, or everything): what campaign stats and the
// metrics show. Every JobStatus name is present in jobs_by_status, 0 included.
struct StoreTally {
  std::map<std::string, int64_t> jobs_by_status;
  std::map<std::string, int64_t> calls_by_outcome;  // ended calls, by outcome name
  std::map<int, int64_t> leads_by_attempts;         // call attempts made -> how many leads
  std::map<std::string, int64_t> skips_by_reason;   // every deferral ever recorded, by reason
  int64_t calls_total = 0;
  int64_t calls_in_progress = 0;  // calls without an outcome yet
};

// One number on a tenant's Do-Not-Call list.
struct DoNotCallEntry {
  std::string phone_number;  // E.164
  Instant added_at{};

  bool operator==(const DoNotCallEntry&) const = default;
};

struct NumberCallHistory {
  int count = 0;
  std::optional<Instant> last_call_at;
  std::vector<Instant> call_times;  // oldest first; what a state's daily cap needs
};

// A change to the embedded job queue made by one process. Without Redis every process keeps its
// own queue; processes that share the database follow this log to see campaigns started, paused,
// resumed or cancelled elsewhere (StoreFollowedQueue).
enum class QueueEventKind { kEnqueued, kPaused, kResumed, kCancelled };
std::string_view ToString(QueueEventKind kind);

struct QueueEvent {
  int64_t sequence = 0;  // assigned by the store when appended; increasing
  QueueEventKind kind = QueueEventKind::kEnqueued;
  TenantId tenant_id;
  CampaignId campaign_id;
  std::string origin;  // the process that wrote it (its queue already holds the change)
  Instant at{};

  bool operator==(const QueueEvent&) const = default;
};

// Jobs by where a queue would hold them, from the jobs' statuses: what every process sharing the
// database can agree on.
struct QueuedJobCounts {
  struct Waiting {
    TenantId tenant_id;
    int priority = 0;
    int64_t jobs = 0;
  };
  std::vector<Waiting> pending;  // by tenant and priority
  int64_t scheduled = 0;         // retry_scheduled and skipped
  int64_t processing = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Tenants. Create fails with Conflict on a taken id or API key hash.
  virtual Expected<void> CreateTenant(const Tenant& tenant) = 0;
  virtual Expected<Tenant> GetTenant(const TenantId& tenant) = 0;
  virtual Expected<Tenant> FindTenantByApiKeyHash(const std::string& api_key_hash) = 0;
  virtual Expected<void> UpdateTenant(const Tenant& tenant) = 0;

  // Campaigns. Create ignores the given counters (they start at zero).
  virtual Expected<void> CreateCampaign(const Campaign& campaign) = 0;
  virtual Expected<Campaign> GetCampaign(const TenantId& tenant, const CampaignId& campaign) = 0;
  virtual Expected<Page<Campaign>> ListCampaigns(const TenantId& tenant, PageRequest page) = 0;
  // Moves the status if CanTransition allows it (Conflict otherwise); running sets started_at the
  // first time, completed and cancelled set completed_at. Returns the campaign after the move.
  virtual Expected<Campaign> UpdateCampaignStatus(const TenantId& tenant,
                                                  const CampaignId& campaign, CampaignStatus to,
                                                  Instant at) = 0;
  virtual Expected<void> AddToCampaignCounters(const TenantId& tenant, const CampaignId& campaign,
                                               const CampaignCounterDelta& delta) = 0;
  // Deletes a campaign that is not running, in one transaction: the campaign, its jobs and their
  // deferrals go, its leads are erased as by EraseLead, and its calls stay for the tenant's
  // statistics without the numbers (as by EraseLead). Conflict while it is running or one of its
  // jobs is processing; NotFound for another tenant's campaign.
  virtual Expected<CampaignDeletion> DeleteCampaign(const TenantId& tenant,
                                                    const CampaignId& campaign) = 0;

  // Leads. The import is one transaction: it writes every lead or, when any row is bad, none, and
  // the error lists each bad row as "leads[i].<field>". The store fills in each lead's id (when
  // empty), tenant, campaign, created_at and E.164 number, and adds the count to total_leads.
  virtual Expected<ImportResult> ImportLeads(const TenantId& tenant, const CampaignId& campaign,
                                             std::span<const Lead> leads) = 0;
  virtual Expected<Lead> GetLead(const TenantId& tenant, const LeadId& lead) = 0;
  virtual Expected<Page<Lead>> ListLeads(const TenantId& tenant, const CampaignId& campaign,
                                         PageRequest page) = 0;
  // call_attempts + 1, last_called_at, last_call_result and status, atomically.
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

  // Dialer jobs. Campaign start: one pending job per pending lead of the campaign that has no job
  // yet (so a repeated start creates nothing twice), priority from ComputeLeadPriority. Returns
  // the jobs created.
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
  // How many of the campaign's jobs are not final; 0 means the campaign's work is done. A counter
  // kept with every job change: one row read. NotFound for another tenant's campaign.
  virtual Expected<int> CountOpenJobs(const TenantId& tenant, const CampaignId& campaign) = 0;
  // Closes as non_retryable, with `reason` as last_error, the campaign's jobs that wait (pending,
  // skipped, retry_scheduled) and, when `only_do_not_call`, whose number is on the tenant's
  // Do-Not-Call list. Jobs in processing are left to finish. Returns how many were closed.
  virtual Expected<int> CloseWaitingJobs(const TenantId& tenant, const CampaignId& campaign,
                                         bool only_do_not_call, const std::string& reason,
                                         Instant at) = 0;
  // Every tenant's jobs that are not final, for the embedded queue to rebuild itself on start.
  virtual Expected<Page<DialerJob>> ListOpenJobs(PageRequest page) = 0;

  // Calls. RecordCall stores a call when it is originated (Conflict on a taken provider call id).
  virtual Expected<void> RecordCall(const CallRecord& call) = 0;
  virtual Expected<CallRecord> GetCall(const TenantId& tenant, const CallId& call) = 0;
  // The one lookup without a tenant: a provider's webhook names only its own call id.
  virtual Expected<CallRecord> FindCallByProviderCallId(const std::string& provider_call_id) = 0;
  virtual Expected<Page<CallRecord>> ListCalls(const TenantId& tenant,
                                               const std::optional<CampaignId>& campaign,
                                               PageRequest page) = 0;
  // Stores the event as received; a new (provider call id, status) moves the call's status forward
  // if it is ahead (answered sets answered_at, completed sets ended_at and the duration). An event
  // behind the call's status is kept for audit but moves nothing.
  virtual Expected<CallEventResult> RecordCallEvent(const TenantId& tenant,
                                                    const CallEvent& event) = 0;
  virtual Expected<std::vector<CallEvent>> ListCallEvents(const TenantId& tenant,
                                                          const CallId& call) = 0;
  // The calls placed to `phone_number` at or after `since` (e.g. now - 24 h).
  virtual Expected<NumberCallHistory> CallsToNumberSince(
      const TenantId& tenant, const std::string& phone_number, Instant since,
      const std::optional<CampaignId>& campaign = std::nullopt) = 0;

  // Counts for one campaign (tenant and campaign given), one tenant (campaign empty) or every
  // tenant (both empty; for metrics). A campaign without a tenant is InvalidArgument.
  virtual Expected<StoreTally> Tally(const std::optional<TenantId>& tenant,
                                     const std::optional<CampaignId>& campaign) = 0;

  // The completion handler's single transaction (see AttemptCompletion).
  virtual Expected<CompletionResult> CompleteAttempt(const TenantId& tenant,
                                                     const AttemptCompletion& completion) = 0;

  // Do-Not-Call list per tenant. Add returns the number as stored (E.164); adding twice is fine.
  // Remove is NotFound for a number that is not on the list.
  virtual Expected<std::string> AddDoNotCall(const TenantId& tenant,
                                             const std::string& phone_number, Instant at) = 0;
  virtual Expected<void> RemoveDoNotCall(const TenantId& tenant,
                                         const std::string& phone_number) = 0;
  virtual Expected<bool> IsDoNotCall(const TenantId& tenant, const std::string& phone_number) = 0;
  // The tenant's Do-Not-Call numbers in number order; `after` is a previous page's `next`.
  virtual Expected<Page<DoNotCallEntry>> ListDoNotCall(const TenantId& tenant,
                                                       PageRequest page) = 0;

  // Conversation turns of a call, in turn order. Conflict on a repeated turn index.
  virtual Expected<void> AppendConversationTurn(const TenantId& tenant,
                                                const ConversationTurn& turn) = 0;
  virtual Expected<std::vector<ConversationTurn>> ListConversationTurns(const TenantId& tenant,
                                                                        const CallId& call) = 0;

  // The embedded queues' shared log (QueueEvent); Append fills in the sequence. List answers the
  // events after `after_sequence`, oldest first, at most `limit`.
  virtual Expected<int64_t> AppendQueueEvent(const QueueEvent& event) = 0;
  virtual Expected<std::vector<QueueEvent>> ListQueueEvents(int64_t after_sequence, int limit) = 0;
  // Every tenant's open jobs counted as a queue holds them (for the embedded queue's stats).
  virtual Expected<QueuedJobCounts> CountQueuedJobs() = 0;
};

}  // namespace talky
