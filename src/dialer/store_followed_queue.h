// The embedded job queue for processes that share one database without Redis (`talky serve` and
// `talky worker` on one SQLite file, as the README's walkthrough runs them). Each process holds
// its own LocalJobQueue; what one process does to a campaign's jobs (start, pause, resume,
// cancel) is written to the store's queue log, and every other process follows the log within a
// poll interval: a campaign started through the API is dialed by the worker, a paused one is not.
//
// - Open() rebuilds the local queue from the store's open jobs (durable across restarts) and
//   re-applies the log's pauses, then follows the log on a thread of its own until destroyed.
// - Enqueue, PauseCampaign, ResumeCampaign and CancelCampaign change the local queue and append
//   to the log; the other methods act on the local queue alone (leases are this process's).
// - Stats() reports the sizes from the jobs' statuses in the store, which every process agrees
//   on, and this process's own running totals.
// - Several workers on one database each hold every job; the store's compare-and-set on the
//   processing mark lets only one of them dial it.
//
// Store and clock must outlive the queue. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "domain/clock.h"
#include "queue/job_queue.h"
#include "queue/local/local_job_queue.h"
#include "store/store.h"

namespace talky {

struct StoreFollowedQueueOptions {
  std::chrono::milliseconds poll_interval{250};  // real time between two reads of the log
  std::string origin;                            // this process in the log; random when empty
  int page_size = kMaxPageSize;                  // jobs read per query when rebuilding
};

struct StoreFollowStats {
  int64_t events_applied = 0;  // events of other processes applied to this queue
  int64_t errors = 0;          // reads of the log or the jobs that failed (retried next poll)
};

class StoreFollowedQueue final : public JobQueue {
 public:
  static Expected<std::unique_ptr<StoreFollowedQueue>> Open(Store& store, const Clock& clock,
                                                            StoreFollowedQueueOptions options = {});
  // The follower thread, the last member, is stopped and joined first.
  ~StoreFollowedQueue() override = default;

  // Applies the log's events written since the last call (the follower thread calls it every
  // poll interval). Returns how many events of other processes it applied.
  Expected<std::size_t> CatchUp();
  StoreFollowStats FollowStats() const;
  const std::string& origin() const { return options_.origin; }

  using JobQueue::Enqueue;
  Expected<std::size_t> Enqueue(const std::vector<DialerJob>& jobs) override;
  Expected<std::vector<TakenJob>> TakeBatch(std::size_t max_jobs,
                                            std::chrono::milliseconds lease) override;
  Expected<Lease> ExtendLease(const Lease& lease, std::chrono::milliseconds duration) override;
  Expected<void> Finish(const Lease& lease, FinishOutcome outcome) override;
  Expected<std::vector<JobId>> FinishBatch(const std::vector<Lease>& leases,
                                           FinishOutcome outcome) override;
  Expected<void> ScheduleRetry(const Lease& lease, const DialerJob& job, Instant due_at) override;
  Expected<std::size_t> PromoteDue() override;
  Expected<std::size_t> RecoverExpired() override;
  Expected<void> WaitForWork(std::chrono::milliseconds max_wait) override;
  void StopWaiting() override;
  Expected<std::size_t> CancelCampaign(const TenantId& tenant, const CampaignId& campaign) override;
  // Tenants are paused by no command today: these act on this process's queue only.
  Expected<void> PauseTenant(const TenantId& tenant) override;
  Expected<void> ResumeTenant(const TenantId& tenant) override;
  Expected<void> PauseCampaign(const CampaignId& campaign) override;
  Expected<void> ResumeCampaign(const CampaignId& campaign) override;
  Expected<void> SetTenantLimits(const TenantId& tenant, const TenantLimits& limits) override;
  Expected<void> SetCampaignLimit(const CampaignId& campaign, int max_concurrent_calls) override;
  Expected<QueueStats> Stats() override;

 private:
  StoreFollowedQueue(Store& store, const Clock& clock, StoreFollowedQueueOptions options,
                     std::unique_ptr<LocalJobQueue> local, int64_t cursor);

  Expected<void> Log(QueueEventKind kind, const TenantId& tenant, const CampaignId& campaign);
  // Enqueues the campaign's pending jobs from the store (the queue ignores ids it holds).
  Expected<void> LoadPendingJobs(const TenantId& tenant, const CampaignId& campaign);
  void Follow(std::stop_token stop);

  Store& store_;
  const Clock& clock_;
  StoreFollowedQueueOptions options_;
  std::unique_ptr<LocalJobQueue> local_;

  mutable std::mutex mutex_;
  int64_t cursor_ = 0;  // the last log sequence applied
  StoreFollowStats stats_;
  std::map<TenantId, int> high_priority_thresholds_;  // as set, for Stats()'s lane

  std::jthread follower_;  // last: stopped and joined before the members above go
};

}  // namespace talky
