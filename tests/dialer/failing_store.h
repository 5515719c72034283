// Test decorators that make chosen methods of the dialer's store roles (dialer/dialer_stores.h) or
// of a JobQueue fail as a database or Redis that cannot be reached does (kUnavailable), and
// forward everything else to the real backend.
// Which methods fail can change while a worker runs: each call reads the set under a lock.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "queue/job_queue.h"
#include "store/store.h"

namespace talky::testing {

// The set of method names that fail, shared by the decorators below.
class FailureSwitch {
 public:
  void Fail(std::string method) {
    std::lock_guard lock(mutex_);
    failing_.insert(std::move(method));
  }
  void HealAll() {
    std::lock_guard lock(mutex_);
    failing_.clear();
  }
  // The error a call of `method` returns now, if it fails; counts the failures.
  std::optional<Error> Check(const char* method) {
    std::lock_guard lock(mutex_);
    if (!failing_.contains(method)) return std::nullopt;
    ++failures_;
    return Error::Unavailable(std::string("test: ") + method + " fails (database unreachable)");
  }
  int failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> failing_;
  int failures_ = 0;
};

// Forwards to `inner` unless the switch says the method fails.
#define TALKY_FORWARD_OR_FAIL(method, ...)                              \
  if (std::optional<Error> failure = switch_.Check(#method); failure) { \
    return std::unexpected(*failure);                                   \
  }                                                                     \
  return inner_.method(__VA_ARGS__)

class FailingStore final : public TenantStore,
                           public CampaignStore,
                           public JobStore,
                           public CallStore,
                           public DoNotCallStore {
 public:
  FailingStore(Store& inner, FailureSwitch& failure_switch)
      : inner_(inner), switch_(failure_switch) {}

  Expected<void> CreateTenant(const Tenant& t) override { TALKY_FORWARD_OR_FAIL(CreateTenant, t); }
  Expected<Tenant> GetTenant(const TenantId& t) override { TALKY_FORWARD_OR_FAIL(GetTenant, t); }
  Expected<Tenant> FindTenantByApiKeyHash(const std::string& h) override {
    TALKY_FORWARD_OR_FAIL(FindTenantByApiKeyHash, h);
  }
  Expected<void> UpdateTenant(const Tenant& t) override { TALKY_FORWARD_OR_FAIL(UpdateTenant, t); }
  Expected<Page<Tenant>> ListTenants(PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListTenants, p);
  }
  Expected<void> CreateCampaign(const Campaign& c) override {
    TALKY_FORWARD_OR_FAIL(CreateCampaign, c);
  }
  Expected<Campaign> GetCampaign(const TenantId& t, const CampaignId& c) override {
    TALKY_FORWARD_OR_FAIL(GetCampaign, t, c);
  }
  Expected<Page<Campaign>> ListCampaigns(const TenantId& t, PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListCampaigns, t, p);
  }
  Expected<Campaign> UpdateCampaignStatus(const TenantId& t, const CampaignId& c, CampaignStatus to,
                                          Instant at) override {
    TALKY_FORWARD_OR_FAIL(UpdateCampaignStatus, t, c, to, at);
  }
  Expected<void> AddToCampaignCounters(const TenantId& t, const CampaignId& c,
                                       const CampaignCounterDelta& d) override {
    TALKY_FORWARD_OR_FAIL(AddToCampaignCounters, t, c, d);
  }
  Expected<CampaignDeletion> DeleteCampaign(const TenantId& t, const CampaignId& c) override {
    TALKY_FORWARD_OR_FAIL(DeleteCampaign, t, c);
  }
  Expected<LeadErasure> EraseLead(const TenantId& t, const LeadId& l, Instant at) override {
    TALKY_FORWARD_OR_FAIL(EraseLead, t, l, at);
  }
  Expected<ImportResult> ImportLeads(const TenantId& t, const CampaignId& c,
                                     std::span<const Lead> leads) override {
    TALKY_FORWARD_OR_FAIL(ImportLeads, t, c, leads);
  }
  Expected<Lead> GetLead(const TenantId& t, const LeadId& l) override {
    TALKY_FORWARD_OR_FAIL(GetLead, t, l);
  }
  Expected<Page<Lead>> ListLeads(const TenantId& t, const CampaignId& c, PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListLeads, t, c, p);
  }
  Expected<void> RecordLeadAttempt(const TenantId& t, const LeadId& l,
                                   const LeadAttempt& a) override {
    TALKY_FORWARD_OR_FAIL(RecordLeadAttempt, t, l, a);
  }
  Expected<std::vector<DialerJob>> CreateCampaignJobs(const TenantId& t, const CampaignId& c,
                                                      Instant now) override {
    TALKY_FORWARD_OR_FAIL(CreateCampaignJobs, t, c, now);
  }
  Expected<DialerJob> GetJob(const TenantId& t, const JobId& j) override {
    TALKY_FORWARD_OR_FAIL(GetJob, t, j);
  }
  Expected<Page<DialerJob>> ListJobs(const TenantId& t, const std::optional<CampaignId>& c,
                                     PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListJobs, t, c, p);
  }
  Expected<Page<DialerJob>> ListJobs(const TenantId& t, const std::optional<CampaignId>& c,
                                     const std::optional<JobStatus>& s, PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListJobs, t, c, s, p);
  }
  Expected<void> UpdateJob(const TenantId& t, JobStatus expected, const DialerJob& next) override {
    TALKY_FORWARD_OR_FAIL(UpdateJob, t, expected, next);
  }
  Expected<std::vector<Expected<void>>> UpdateJobs(const std::vector<JobUpdate>& u) override {
    TALKY_FORWARD_OR_FAIL(UpdateJobs, u);
  }
  Expected<int> CountOpenJobs(const TenantId& t, const CampaignId& c) override {
    TALKY_FORWARD_OR_FAIL(CountOpenJobs, t, c);
  }
  Expected<int> CloseWaitingJobs(const TenantId& t, const CampaignId& c, bool only_dnc,
                                 const std::string& reason, Instant at) override {
    TALKY_FORWARD_OR_FAIL(CloseWaitingJobs, t, c, only_dnc, reason, at);
  }
  Expected<Page<DialerJob>> ListOpenJobs(PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListOpenJobs, p);
  }
  Expected<void> RecordCall(const CallRecord& c) override { TALKY_FORWARD_OR_FAIL(RecordCall, c); }
  Expected<std::vector<Expected<void>>> RecordCalls(const std::vector<CallRecord>& c) override {
    TALKY_FORWARD_OR_FAIL(RecordCalls, c);
  }
  Expected<CallRecord> GetCall(const TenantId& t, const CallId& c) override {
    TALKY_FORWARD_OR_FAIL(GetCall, t, c);
  }
  Expected<CallRecord> FindCallByProviderCallId(const std::string& id) override {
    TALKY_FORWARD_OR_FAIL(FindCallByProviderCallId, id);
  }
  Expected<CallRecord> FindCall(const CallId& c) override { TALKY_FORWARD_OR_FAIL(FindCall, c); }
  Expected<Page<CallRecord>> ListCalls(const TenantId& t, const CallFilter& f,
                                       PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListCalls, t, f, p);
  }
  Expected<CallEventResult> RecordCallEvent(const TenantId& t, const CallEvent& e) override {
    TALKY_FORWARD_OR_FAIL(RecordCallEvent, t, e);
  }
  Expected<std::vector<Expected<CallEventResult>>> RecordCallEvents(
      const std::vector<TenantCallEvent>& e) override {
    TALKY_FORWARD_OR_FAIL(RecordCallEvents, e);
  }
  Expected<std::vector<CallEvent>> ListCallEvents(const TenantId& t, const CallId& c) override {
    TALKY_FORWARD_OR_FAIL(ListCallEvents, t, c);
  }
  Expected<NumberCallHistory> CallsToNumberSince(const TenantId& t, const std::string& number,
                                                 Instant since,
                                                 const std::optional<CampaignId>& c) override {
    TALKY_FORWARD_OR_FAIL(CallsToNumberSince, t, number, since, c);
  }
  Expected<CompletionResult> CompleteAttempt(const TenantId& t,
                                             const AttemptCompletion& c) override {
    TALKY_FORWARD_OR_FAIL(CompleteAttempt, t, c);
  }
  Expected<std::vector<Expected<CompletionResult>>> CompleteAttempts(
      const std::vector<TenantAttemptCompletion>& c) override {
    TALKY_FORWARD_OR_FAIL(CompleteAttempts, c);
  }
  Expected<std::string> AddDoNotCall(const TenantId& t, const std::string& n, Instant at) override {
    TALKY_FORWARD_OR_FAIL(AddDoNotCall, t, n, at);
  }
  Expected<void> RemoveDoNotCall(const TenantId& t, const std::string& n) override {
    TALKY_FORWARD_OR_FAIL(RemoveDoNotCall, t, n);
  }
  Expected<bool> IsDoNotCall(const TenantId& t, const std::string& n) override {
    TALKY_FORWARD_OR_FAIL(IsDoNotCall, t, n);
  }
  Expected<Page<DoNotCallEntry>> ListDoNotCall(const TenantId& t, const std::string& d,
                                               PageRequest p) override {
    TALKY_FORWARD_OR_FAIL(ListDoNotCall, t, d, p);
  }

 private:
  Store& inner_;
  FailureSwitch& switch_;
};

class FailingJobQueue final : public JobQueue {
 public:
  FailingJobQueue(JobQueue& inner, FailureSwitch& failure_switch)
      : inner_(inner), switch_(failure_switch) {}

  Expected<std::size_t> Enqueue(const std::vector<DialerJob>& jobs) override {
    TALKY_FORWARD_OR_FAIL(Enqueue, jobs);
  }
  Expected<std::vector<TakenJob>> TakeBatch(std::size_t max_jobs,
                                            std::chrono::milliseconds lease) override {
    TALKY_FORWARD_OR_FAIL(TakeBatch, max_jobs, lease);
  }
  Expected<Lease> ExtendLease(const Lease& lease, std::chrono::milliseconds duration) override {
    TALKY_FORWARD_OR_FAIL(ExtendLease, lease, duration);
  }
  Expected<void> Finish(const Lease& lease, FinishOutcome outcome) override {
    TALKY_FORWARD_OR_FAIL(Finish, lease, outcome);
  }
  Expected<std::vector<JobId>> FinishBatch(const std::vector<Lease>& leases,
                                           FinishOutcome outcome) override {
    TALKY_FORWARD_OR_FAIL(FinishBatch, leases, outcome);
  }
  Expected<void> ScheduleRetry(const Lease& lease, const DialerJob& job, Instant due_at) override {
    TALKY_FORWARD_OR_FAIL(ScheduleRetry, lease, job, due_at);
  }
  Expected<std::size_t> PromoteDue() override { TALKY_FORWARD_OR_FAIL(PromoteDue); }
  Expected<std::size_t> RecoverExpired() override { TALKY_FORWARD_OR_FAIL(RecoverExpired); }
  Expected<void> WaitForWork(std::chrono::milliseconds max_wait) override {
    TALKY_FORWARD_OR_FAIL(WaitForWork, max_wait);
  }
  void StopWaiting() override { inner_.StopWaiting(); }
  Expected<std::size_t> CancelCampaign(const TenantId& t, const CampaignId& c) override {
    TALKY_FORWARD_OR_FAIL(CancelCampaign, t, c);
  }
  Expected<void> PauseTenant(const TenantId& t) override { TALKY_FORWARD_OR_FAIL(PauseTenant, t); }
  Expected<void> ResumeTenant(const TenantId& t) override {
    TALKY_FORWARD_OR_FAIL(ResumeTenant, t);
  }
  Expected<void> PauseCampaign(const CampaignId& c) override {
    TALKY_FORWARD_OR_FAIL(PauseCampaign, c);
  }
  Expected<void> ResumeCampaign(const CampaignId& c) override {
    TALKY_FORWARD_OR_FAIL(ResumeCampaign, c);
  }
  Expected<void> SetTenantLimits(const TenantId& t, const TenantLimits& limits) override {
    TALKY_FORWARD_OR_FAIL(SetTenantLimits, t, limits);
  }
  Expected<void> SetCampaignLimit(const CampaignId& c, int max_concurrent_calls) override {
    TALKY_FORWARD_OR_FAIL(SetCampaignLimit, c, max_concurrent_calls);
  }
  Expected<QueueStats> Stats() override { TALKY_FORWARD_OR_FAIL(Stats); }

 private:
  JobQueue& inner_;
  FailureSwitch& switch_;
};

#undef TALKY_FORWARD_OR_FAIL

}  // namespace talky::testing
