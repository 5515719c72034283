// The dialer's job queue (document 000 §3-5, document 002 "Queue Service"), as an interface with
// two backends that behave the same: RedisJobQueue (src/queue/redis/, shared by every process) and
// LocalJobQueue (src/queue/local/, in-process). One conformance suite (tests/queue/) runs on both.
//
// A job is waiting (in the priority lane or its tenant's queue), processing (taken under a lease),
// or scheduled (waiting for an instant). Takes are fair across tenants and respect the tenant's and
// the campaign's concurrency caps, which hold across every worker of every process. A worker that
// dies loses its lease; RecoverExpired() puts its job back. docs/queue.md has the full picture.
//
// Every method is thread-safe. "Now" always comes from the Clock the backend was built with.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/dialer_job.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

inline constexpr std::chrono::milliseconds kDefaultLease{30'000};
inline constexpr int kDefaultHighPriorityThreshold = 8;
inline constexpr int kDefaultMaxConcurrentCalls = 10;
// Upper bound for a cap set on the queue; CallingRules validates the product's own 1-100 range.
inline constexpr int kMaxConcurrencyCap = 1'000'000;
inline constexpr std::size_t kMaxTakeBatch = 1000;

// A worker's hold on one taken job. Only the holder of the current token may extend, finish or
// reschedule the job, so a worker whose lease expired cannot finish a job a second time.
struct Lease {
  JobId job_id;
  std::string token;
  Instant expires_at{};

  bool operator==(const Lease&) const = default;
};

struct TakenJob {
  DialerJob job;
  Lease lease;
};

// Per-tenant settings the queue needs (from the tenant's CallingRules).
struct TenantLimits {
  int max_concurrent_calls = kDefaultMaxConcurrentCalls;        // jobs processing at once, >= 1
  int high_priority_threshold = kDefaultHighPriorityThreshold;  // 1-10: at or above, priority lane

  bool operator==(const TenantLimits&) const = default;
};

enum class FinishOutcome { kCompleted, kFailed };

// The spec's stats hash, extended: running totals, and the sizes at the time of the call.
struct QueueStats {
  std::int64_t total_enqueued = 0;
  std::int64_t total_completed = 0;
  std::int64_t total_failed = 0;
  std::int64_t total_retried = 0;
  std::int64_t total_recovered = 0;

  std::int64_t priority_queue_size = 0;
  std::map<TenantId, std::int64_t> tenant_queue_sizes;  // only tenants with waiting jobs
  std::int64_t scheduled_size = 0;
  std::int64_t processing_size = 0;

  bool operator==(const QueueStats&) const = default;
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Adds waiting jobs: at or above the tenant's threshold to the priority lane, the others to the
  // tenant's queue. All jobs are checked first; one bad job rejects the batch and changes nothing.
  // A job id already in the queue is left as it is. Returns how many jobs were added.
  virtual Expected<std::size_t> Enqueue(const std::vector<DialerJob>& jobs) = 0;
  Expected<std::size_t> Enqueue(const DialerJob& job) { return Enqueue(std::vector{job}); }

  // Takes the next job whose tenant and campaign have a free slot and are not paused: the priority
  // lane first, then the tenants in rotation; higher priority first, then oldest first. Due
  // retries and expired leases are moved back to waiting first (as PromoteDue and RecoverExpired
  // do), so a busy worker needs no separate check. The job is processing under a new lease of
  // `lease` from now. nullopt: nothing can be handed out now.
  Expected<std::optional<TakenJob>> Take(std::chrono::milliseconds lease = kDefaultLease);

  // Up to `max_jobs` (1-1000) jobs in one step, each chosen as consecutive Takes would choose it;
  // fewer (or none) when nothing more can be handed out now.
  virtual Expected<std::vector<TakenJob>> TakeBatch(std::size_t max_jobs,
                                                    std::chrono::milliseconds lease) = 0;

  // Moves the lease's expiry to now + `lease`. kConflict if the lease is no longer current.
  virtual Expected<Lease> ExtendLease(const Lease& lease,
                                      std::chrono::milliseconds duration = kDefaultLease) = 0;

  // Ends the job: releases its slots and forgets it. kConflict if the lease is no longer current.
  virtual Expected<void> Finish(const Lease& lease, FinishOutcome outcome) = 0;

  // Finish for many leases in one step. Returns the ids whose lease was no longer current (those
  // jobs were not finished by this call); the others are finished.
  virtual Expected<std::vector<JobId>> FinishBatch(const std::vector<Lease>& leases,
                                                   FinishOutcome outcome) = 0;

  // Ends this attempt and schedules `job` (the caller's updated copy: attempt, status, outcome) to
  // be waiting again at `due_at`. Releases the slots. kConflict if the lease is no longer current.
  virtual Expected<void> ScheduleRetry(const Lease& lease, const DialerJob& job,
                                       Instant due_at) = 0;

  // Moves every scheduled job that is due to its queue, exactly once even when many workers promote
  // at the same time. Returns how many this call moved.
  virtual Expected<std::size_t> PromoteDue() = 0;

  // Puts every job whose lease expired back at the front of its queue (its original place, attempt
  // unchanged) and releases its slots. Returns how many this call recovered.
  virtual Expected<std::size_t> RecoverExpired() = 0;

  // Blocks until something may be takeable (jobs added, a slot released, a resume), the next
  // scheduled job is due, the next lease expires, or `max_wait` passed. No polling in between.
  virtual Expected<void> WaitForWork(std::chrono::milliseconds max_wait) = 0;

  // For a process that is stopping: ends every WaitForWork on this object now, and makes later
  // ones return at once, so idle workers see their stop request without sleeping out max_wait.
  // Jobs, and other processes on the same queue, are not affected. Cannot be undone.
  virtual void StopWaiting() = 0;

  // Removes the campaign's waiting and scheduled jobs; jobs being processed finish normally.
  // Returns how many were removed.
  virtual Expected<std::size_t> CancelCampaign(const TenantId& tenant,
                                               const CampaignId& campaign) = 0;

  // Paused tenants' and campaigns' jobs stay where they are and are not handed out.
  virtual Expected<void> PauseTenant(const TenantId& tenant) = 0;
  virtual Expected<void> ResumeTenant(const TenantId& tenant) = 0;
  virtual Expected<void> PauseCampaign(const CampaignId& campaign) = 0;
  virtual Expected<void> ResumeCampaign(const CampaignId& campaign) = 0;

  // Limits apply from the next take (and, for the threshold, the next enqueue). Unset tenants and
  // campaigns get the defaults above. kInvalidArgument names the bad field.
  virtual Expected<void> SetTenantLimits(const TenantId& tenant, const TenantLimits& limits) = 0;
  virtual Expected<void> SetCampaignLimit(const CampaignId& campaign, int max_concurrent_calls) = 0;

  virtual Expected<QueueStats> Stats() = 0;
};

}  // namespace talky
