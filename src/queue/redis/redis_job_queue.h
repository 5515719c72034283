// The Redis job queue: the JobQueue behaviour shared by every process that uses the same Redis and
// key prefix. Every state change is one Lua script (atomic on the server), given "now" from the
// caller's Clock, so all processes and the embedded backend agree on due times and lease expiry.
//
// Thread-safe: calls borrow a connection from an internal pool (one caller per connection at a
// time), so each worker thread ends up with a connection of its own and never waits on another's
// round trip. While Redis is down calls fail with kUnavailable and the pool reconnects with
// backoff. The Clock must outlive the queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "domain/clock.h"
#include "queue/job_queue.h"

namespace talky {

struct RedisQueueOptions {
  std::string url = "redis://127.0.0.1:6379";
  // Every key starts with it. The spec's names use "dialer:"; on Redis Cluster use a hash tag such
  // as "{dialer}:" so that all keys of one queue share a slot.
  std::string key_prefix = "dialer:";
  TenantLimits default_tenant_limits;
  int default_campaign_max_concurrent_calls = kDefaultMaxConcurrentCalls;
  std::uint64_t seed = 0;  // lease tokens; 0 picks a random seed
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{5000};
  // While Redis is unreachable, connection attempts wait this long, doubling up to the maximum.
  std::chrono::milliseconds first_reconnect_backoff{50};
  std::chrono::milliseconds max_reconnect_backoff{2000};
  std::size_t enqueue_chunk = 250;  // jobs per script call; chunks are streamed
};

class RedisJobQueue final : public JobQueue {
 public:
  // Connects and loads the scripts. kInvalidArgument for a bad URL or prefix, kUnavailable when
  // Redis cannot be reached.
  static Expected<std::unique_ptr<RedisJobQueue>> Connect(const Clock& clock,
                                                          RedisQueueOptions options);
  ~RedisJobQueue() override;

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
  class Impl;  // holds the hiredis pool; see redis_job_queue.cpp
  explicit RedisJobQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
