// The Store written once in SQL that both engines run (the dialects differ only in types, in
// `FOR UPDATE` and in how bulk rows are sent; see sql_connection.h). Each method borrows a
// connection from the pool for its duration; multi-statement changes run in one transaction.
// One file per role (sql_tenants.cpp, sql_campaigns.cpp, sql_jobs.cpp, ...), their shared pieces
// in sql_store_support.h.
// Thread-safe. Owns the pool; the clock and the id generator must outlive it.
#pragma once

#include <memory>

#include "domain/clock.h"
#include "store/id_generator.h"
#include "store/sql/connection_pool.h"
#include "store/store.h"

namespace talky {

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<ConnectionPool> pool, Clock& clock, IdGenerator& ids);

  Expected<void> CreateTenant(const Tenant& tenant) override;
  Expected<Tenant> GetTenant(const TenantId& tenant) override;
  Expected<Tenant> FindTenantByApiKeyHash(const std::string& api_key_hash) override;
  Expected<void> UpdateTenant(const Tenant& tenant) override;
  Expected<Page<Tenant>> ListTenants(PageRequest page) override;

  Expected<void> CreateCampaign(const Campaign& campaign) override;
  Expected<Campaign> GetCampaign(const TenantId& tenant, const CampaignId& campaign) override;
  Expected<Page<Campaign>> ListCampaigns(const TenantId& tenant, PageRequest page) override;
  Expected<Campaign> UpdateCampaignStatus(const TenantId& tenant, const CampaignId& campaign,
                                          CampaignStatus to, Instant at) override;
  Expected<void> AddToCampaignCounters(const TenantId& tenant, const CampaignId& campaign,
                                       const CampaignCounterDelta& delta) override;
  Expected<CampaignDeletion> DeleteCampaign(const TenantId& tenant,
                                            const CampaignId& campaign) override;

  Expected<ImportResult> ImportLeads(const TenantId& tenant, const CampaignId& campaign,
                                     std::span<const Lead> leads) override;
  Expected<Lead> GetLead(const TenantId& tenant, const LeadId& lead) override;
  Expected<Page<Lead>> ListLeads(const TenantId& tenant, const CampaignId& campaign,
                                 PageRequest page) override;
  Expected<void> RecordLeadAttempt(const TenantId& tenant, const LeadId& lead,
                                   const LeadAttempt& attempt) override;
  Expected<LeadErasure> EraseLead(const TenantId& tenant, const LeadId& lead, Instant at) override;

  Expected<std::vector<DialerJob>> CreateCampaignJobs(const TenantId& tenant,
                                                      const CampaignId& campaign,
                                                      Instant now) override;
  Expected<DialerJob> GetJob(const TenantId& tenant, const JobId& job) override;
  Expected<Page<DialerJob>> ListJobs(const TenantId& tenant,
                                     const std::optional<CampaignId>& campaign,
                                     PageRequest page) override;
  Expected<Page<DialerJob>> ListJobs(const TenantId& tenant,
                                     const std::optional<CampaignId>& campaign,
                                     const std::optional<JobStatus>& status,
                                     PageRequest page) override;
  Expected<void> UpdateJob(const TenantId& tenant, JobStatus expected,
                           const DialerJob& next) override;
  Expected<std::vector<Expected<void>>> UpdateJobs(const std::vector<JobUpdate>& updates) override;
  Expected<int> CloseWaitingJobs(const TenantId& tenant, const CampaignId& campaign,
                                 bool only_do_not_call, const std::string& reason,
                                 Instant at) override;
  Expected<Page<DialerJob>> ListOpenJobs(PageRequest page) override;

  Expected<void> RecordCall(const CallRecord& call) override;
  Expected<std::vector<Expected<void>>> RecordCalls(const std::vector<CallRecord>& calls) override;
  Expected<CallRecord> GetCall(const TenantId& tenant, const CallId& call) override;
  Expected<CallRecord> FindCallByProviderCallId(const std::string& provider_call_id) override;
  Expected<CallRecord> FindCall(const CallId& call) override;
  Expected<Page<CallRecord>> ListCalls(const TenantId& tenant, const CallFilter& filter,
                                       PageRequest page) override;
  Expected<CallEventResult> RecordCallEvent(const TenantId& tenant,
                                            const CallEvent& event) override;
  Expected<std::vector<Expected<CallEventResult>>> RecordCallEvents(
      const std::vector<TenantCallEvent>& events) override;
  Expected<std::vector<CallEvent>> ListCallEvents(const TenantId& tenant,
                                                  const CallId& call) override;
  Expected<NumberCallHistory> CallsToNumberSince(
      const TenantId& tenant, const std::string& phone_number, Instant since,
      const std::optional<CampaignId>& campaign) override;
  Expected<int> CountOpenJobs(const TenantId& tenant, const CampaignId& campaign) override;
  Expected<StoreTally> Tally(const std::optional<TenantId>& tenant,
                             const std::optional<CampaignId>& campaign) override;

  Expected<CompletionResult> CompleteAttempt(const TenantId& tenant,
                                             const AttemptCompletion& completion) override;
  Expected<std::vector<Expected<CompletionResult>>> CompleteAttempts(
      const std::vector<TenantAttemptCompletion>& completions) override;

  Expected<std::string> AddDoNotCall(const TenantId& tenant, const std::string& phone_number,
                                     Instant at) override;
  Expected<void> RemoveDoNotCall(const TenantId& tenant, const std::string& phone_number) override;
  Expected<bool> IsDoNotCall(const TenantId& tenant, const std::string& phone_number) override;
  Expected<Page<DoNotCallEntry>> ListDoNotCall(const TenantId& tenant, const std::string& digits,
                                               PageRequest page) override;

  Expected<void> AppendConversationTurn(const TenantId& tenant,
                                        const ConversationTurn& turn) override;
  Expected<std::vector<ConversationTurn>> ListConversationTurns(const TenantId& tenant,
                                                                const CallId& call) override;

  Expected<void> SaveCallRecording(const TenantId& tenant, const CallId& call, std::string_view wav,
                                   Instant at) override;
  Expected<std::string> GetCallRecording(const TenantId& tenant, const CallId& call) override;

  Expected<int64_t> AppendQueueEvent(const QueueEvent& event) override;
  Expected<std::vector<QueueEvent>> ListQueueEvents(int64_t after_sequence, int limit) override;
  Expected<QueuedJobCounts> CountQueuedJobs() override;

 private:
  std::unique_ptr<ConnectionPool> pool_;
  Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace talky
