// The embedded job queue: the JobQueue behaviour inside one process, for `talky run` and small
// deployments. All state sits behind one mutex; WaitForWork blocks on a condition variable until
// the next event or due instant. The queue owns copies of the jobs; the Clock must outlive it.
//
// Durability comes from the store: on start the app rebuilds the queue from the store's open
// dialer jobs with Rebuild() (processing jobs come back waiting, since their workers died with the
// previous process). Every method is thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "domain/clock.h"
#include "queue/job_queue.h"

namespace talky {

struct LocalQueueOptions {
  TenantLimits default_tenant_limits;
  int default_campaign_max_concurrent_calls = kDefaultMaxConcurrentCalls;
  std::uint64_t seed = 0;  // lease tokens; 0 picks a random seed
};

class LocalJobQueue final : public JobQueue {
 public:
  explicit LocalJobQueue(const Clock& clock, LocalQueueOptions options = {});

  // A queue holding the open jobs of a previous run: pending and processing jobs wait again (oldest
  // created first), retry_scheduled and skipped jobs are scheduled at their scheduled_at, final
  // jobs are left out. A job the queue cannot hold rejects the whole list, naming it.
  static Expected<std::unique_ptr<LocalJobQueue>> Rebuild(const Clock& clock,
                                                          std::vector<DialerJob> jobs,
                                                          LocalQueueOptions options = {});

  using JobQueue::Enqueue;
  Expected<std::size_t> Enqueue(const std::vector<DialerJob>& jobs) override;
  Expected<std::vector<TakenJob>> TakeBatch(std::size_t max_jobs,
                                            std::chrono::milliseconds lease) override;
  Expected<std::vector<JobId>> FinishBatch(const std::vector<Lease>& leases,
                                           FinishOutcome outcome) override;
  Expected<Lease> ExtendLease(const Lease& lease, std::chrono::milliseconds duration) override;
  Expected<void> Finish(const Lease& lease, FinishOutcome outcome) override;
  Expected<void> ScheduleRetry(const Lease& lease, const DialerJob& job, Instant due_at) override;
  Expected<std::size_t> PromoteDue() override;
  Expected<std::size_t> RecoverExpired() override;
  Expected<void> WaitForWork(std::chrono::milliseconds max_wait) override;
  void StopWaiting() override;
  Expected<std::size_t> CancelCampaign(const TenantId& tenant, const CampaignId& campaign) override;
  Expected<void> PauseTenant(const TenantId& tenant) override;
  Expected<void> ResumeTenant(const TenantId& tenant) override;
  Expected<void> PauseCampaign(const CampaignId& campaign) override;
  Expected<void> ResumeCampaign(const CampaignId& campaign) override;
  Expected<void> SetTenantLimits(const TenantId& tenant, const TenantLimits& limits) override;
  Expected<void> SetCampaignLimit(const CampaignId& campaign, int max_concurrent_calls) override;
  Expected<QueueStats> Stats() override;

 private:
  enum class Place { kWaiting, kScheduled, kProcessing };
  using Slot = std::pair<std::int64_t, JobId>;  // (queue score, id): the set's order is take order
  using Timed = std::pair<Instant, JobId>;

  struct Entry {
    DialerJob job;
    Place place = Place::kWaiting;
    std::int64_t score = 0;  // place when waiting; kept while processing for recovery
    bool in_lane = false;
    std::string token;
    Instant expires_at{};
    Instant due_at{};
  };

  // Helpers below expect mutex_ held.
  const TenantLimits& LimitsOf(const TenantId& tenant) const;
  int CampaignMax(const CampaignId& campaign) const;
  bool CanHandOut(const DialerJob& job) const;
  void PutWaiting(Entry& entry);
  void RemoveWaiting(const Entry& entry);
  std::optional<JobId> FirstHandOutable(const std::set<Slot>& queue) const;
  TakenJob HandOut(Entry& entry, std::chrono::milliseconds lease);
  Expected<Entry*> CheckLease(const Lease& lease);
  void ReleaseSlots(const DialerJob& job);
  void RotateRing();
  std::optional<TakenJob> TakeOneLocked(std::chrono::milliseconds lease);
  bool FinishLocked(const Lease& lease, FinishOutcome outcome);
  std::size_t PromoteDueLocked(Instant now);
  std::size_t RecoverExpiredLocked(Instant now);
  void Wake(int tokens);

  const Clock& clock_;
  const LocalQueueOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable work_;
  int wake_tokens_ = 0;
  bool stop_waiting_ = false;
  std::mt19937_64 rng_;
  std::int64_t next_sequence_ = 1;

  std::unordered_map<JobId, Entry> jobs_;
  std::set<Slot> priority_lane_;
  std::map<TenantId, std::set<Slot>> tenant_queues_;  // only tenants with waiting jobs
  std::deque<TenantId> rotation_;                     // exactly the keys of tenant_queues_
  std::set<Timed> scheduled_;
  std::set<Timed> processing_;

  std::unordered_map<TenantId, int> tenant_busy_;
  std::unordered_map<CampaignId, int> campaign_busy_;
  std::unordered_map<TenantId, TenantLimits> tenant_limits_;
  std::unordered_map<CampaignId, int> campaign_limits_;
  std::unordered_set<TenantId> paused_tenants_;
  std::unordered_set<CampaignId> paused_campaigns_;
  QueueStats totals_;
};

}  // namespace talky
