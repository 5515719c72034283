#include "queue/local/local_job_queue.h"

#include <fmt/format.h>

#include <algorithm>

#include "queue/queue_rules.h"

namespace talky {
namespace {

template <typename Map, typename Key>
int BusyCount(const Map& counts, const Key& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

LocalJobQueue::LocalJobQueue(const Clock& clock, LocalQueueOptions options)
    : clock_(clock), options_(options), rng_(SeedOrRandom(options.seed)) {}

Expected<std::unique_ptr<LocalJobQueue>> LocalJobQueue::Rebuild(const Clock& clock,
                                                                std::vector<DialerJob> jobs,
                                                                LocalQueueOptions options) {
  std::erase_if(jobs, [](const DialerJob& job) { return IsFinal(job.status); });
  if (Expected<void> valid = ValidateJobBatch(jobs); !valid) return std::unexpected(valid.error());
  std::stable_sort(jobs.begin(), jobs.end(), [](const DialerJob& a, const DialerJob& b) {
    return a.created_at < b.created_at;
  });
  auto queue = std::make_unique<LocalJobQueue>(clock, options);
  std::lock_guard lock(queue->mutex_);
  for (DialerJob& job : jobs) {
    const JobId id = job.job_id;
    if (queue->jobs_.contains(id)) {
      return std::unexpected(Error::InvalidArgument(
          "cannot rebuild the queue", {{"job_id", "'" + id.value + "' appears twice"}}));
    }
    const bool scheduled =
        job.status == JobStatus::kRetryScheduled || job.status == JobStatus::kSkipped;
    if (job.status == JobStatus::kProcessing) job.status = JobStatus::kPending;
    Entry& entry = queue->jobs_[id];
    entry.job = std::move(job);
    if (scheduled) {
      entry.place = Place::kScheduled;
      entry.due_at = entry.job.scheduled_at;
      queue->scheduled_.insert({entry.due_at, id});
    } else {
      entry.score = QueueScore(entry.job.priority, queue->next_sequence_++);
      queue->PutWaiting(entry);
    }
  }
  return queue;
}

const TenantLimits& LocalJobQueue::LimitsOf(const TenantId& tenant) const {
  auto it = tenant_limits_.find(tenant);
  return it == tenant_limits_.end() ? options_.default_tenant_limits : it->second;
}

int LocalJobQueue::CampaignMax(const CampaignId& campaign) const {
  auto it = campaign_limits_.find(campaign);
  return it == campaign_limits_.end() ? options_.default_campaign_max_concurrent_calls : it->second;
}

bool LocalJobQueue::CanHandOut(const DialerJob& job) const {
  if (paused_tenants_.contains(job.tenant_id) || paused_campaigns_.contains(job.campaign_id)) {
    return false;
  }
  return BusyCount(tenant_busy_, job.tenant_id) < LimitsOf(job.tenant_id).max_concurrent_calls &&
         BusyCount(campaign_busy_, job.campaign_id) < CampaignMax(job.campaign_id);
}

void LocalJobQueue::PutWaiting(Entry& entry) {
  entry.place = Place::kWaiting;
  entry.in_lane = GoesToPriorityLane(entry.job.priority, LimitsOf(entry.job.tenant_id));
  if (entry.in_lane) {
    priority_lane_.insert({entry.score, entry.job.job_id});
    return;
  }
  auto [it, added] = tenant_queues_.try_emplace(entry.job.tenant_id);
  if (added) rotation_.push_back(entry.job.tenant_id);
  it->second.insert({entry.score, entry.job.job_id});
}

void LocalJobQueue::RemoveWaiting(const Entry& entry) {
  const Slot slot{entry.score, entry.job.job_id};
  if (entry.in_lane) {
    priority_lane_.erase(slot);
    return;
  }
  auto it = tenant_queues_.find(entry.job.tenant_id);
  if (it == tenant_queues_.end()) return;
  it->second.erase(slot);
  if (it->second.empty()) {
    tenant_queues_.erase(it);
    std::erase(rotation_, entry.job.tenant_id);
  }
}

std::optional<JobId> LocalJobQueue::FirstHandOutable(const std::set<Slot>& queue) const {
  int looked = 0;
  for (const auto& [score, id] : queue) {
    if (looked++ == kTakeScanDepth) break;
    if (CanHandOut(jobs_.at(id).job)) return id;
  }
  return std::nullopt;
}

TakenJob LocalJobQueue::HandOut(Entry& entry, std::chrono::milliseconds lease) {
  RemoveWaiting(entry);
  const Instant now = clock_.Now();
  entry.place = Place::kProcessing;
  entry.token = NewLeaseToken(rng_);
  entry.expires_at = now + lease;
  processing_.insert({entry.expires_at, entry.job.job_id});
  ++tenant_busy_[entry.job.tenant_id];
  ++campaign_busy_[entry.job.campaign_id];
  TakenJob taken{entry.job, Lease{entry.job.job_id, entry.token, entry.expires_at}};
  taken.job.status = JobStatus::kProcessing;
  return taken;
}

void LocalJobQueue::RotateRing() {
  if (rotation_.empty()) return;
  TenantId head = std::move(rotation_.front());
  rotation_.pop_front();
  rotation_.push_back(std::move(head));
}

Expected<std::size_t> LocalJobQueue::Enqueue(const std::vector<DialerJob>& jobs) {
  if (Expected<void> valid = ValidateJobBatch(jobs); !valid) return std::unexpected(valid.error());
  std::lock_guard lock(mutex_);
  std::size_t added = 0;
  for (const DialerJob& job : jobs) {
    auto [it, fresh] = jobs_.try_emplace(job.job_id);
    if (!fresh) continue;
    it->second.job = job;
    it->second.score = QueueScore(job.priority, next_sequence_++);
    PutWaiting(it->second);
    ++added;
  }
  totals_.total_enqueued += static_cast<std::int64_t>(added);
  Wake(static_cast<int>(std::min<std::size_t>(added, kMaxWakeTokens)));
  return added;
}

std::optional<TakenJob> LocalJobQueue::TakeOneLocked(std::chrono::milliseconds lease) {
  if (std::optional<JobId> id = FirstHandOutable(priority_lane_)) {
    return HandOut(jobs_.at(*id), lease);
  }
  for (std::size_t i = 0, tenants = rotation_.size(); i < tenants; ++i) {
    const TenantId tenant = rotation_.front();
    const std::set<Slot>& queue = tenant_queues_.at(tenant);
    // Checked by CanHandOut too, but a paused or full tenant need not have its queue scanned.
    const bool tenant_blocked =
        paused_tenants_.contains(tenant) ||
        BusyCount(tenant_busy_, tenant) >= LimitsOf(tenant).max_concurrent_calls;
    std::optional<JobId> id = tenant_blocked ? std::nullopt : FirstHandOutable(queue);
    RotateRing();
    if (id) return HandOut(jobs_.at(*id), lease);
  }
  return std::nullopt;
}

Expected<std::vector<TakenJob>> LocalJobQueue::TakeBatch(std::size_t max_jobs,
                                                         std::chrono::milliseconds lease) {
  if (Expected<void> valid = ValidateTakeBatch(max_jobs, lease); !valid) {
    return std::unexpected(valid.error());
  }
  std::lock_guard lock(mutex_);
  const Instant now = clock_.Now();
  RecoverExpiredLocked(now);
  PromoteDueLocked(now);
  std::vector<TakenJob> taken;
  while (taken.size() < max_jobs) {
    std::optional<TakenJob> next = TakeOneLocked(lease);
    if (!next) break;
    taken.push_back(std::move(*next));
  }
  if (taken.size() < max_jobs) wake_tokens_ = 0;
  return taken;
}

Expected<LocalJobQueue::Entry*> LocalJobQueue::CheckLease(const Lease& lease) {
  auto it = jobs_.find(lease.job_id);
  if (it == jobs_.end() || it->second.place != Place::kProcessing ||
      it->second.token != lease.token) {
    return std::unexpected(StaleLease(lease));
  }
  return &it->second;
}

Expected<Lease> LocalJobQueue::ExtendLease(const Lease& lease, std::chrono::milliseconds duration) {
  if (Expected<void> valid = ValidateLeaseDuration(duration); !valid) {
    return std::unexpected(valid.error());
  }
  std::lock_guard lock(mutex_);
  Expected<Entry*> entry = CheckLease(lease);
  if (!entry) return std::unexpected(entry.error());
  processing_.erase({(*entry)->expires_at, lease.job_id});
  (*entry)->expires_at = clock_.Now() + duration;
  processing_.insert({(*entry)->expires_at, lease.job_id});
  return Lease{lease.job_id, lease.token, (*entry)->expires_at};
}

void LocalJobQueue::ReleaseSlots(const DialerJob& job) {
  const bool tenant_was_full =
      tenant_busy_[job.tenant_id]-- >= LimitsOf(job.tenant_id).max_concurrent_calls;
  const bool campaign_was_full = campaign_busy_[job.campaign_id]-- >= CampaignMax(job.campaign_id);
  if (tenant_busy_[job.tenant_id] == 0) tenant_busy_.erase(job.tenant_id);
  if (campaign_busy_[job.campaign_id] == 0) campaign_busy_.erase(job.campaign_id);
  if (tenant_was_full || campaign_was_full) Wake(1);
}

bool LocalJobQueue::FinishLocked(const Lease& lease, FinishOutcome outcome) {
  Expected<Entry*> entry = CheckLease(lease);
  if (!entry) return false;
  processing_.erase({(*entry)->expires_at, lease.job_id});
  ReleaseSlots((*entry)->job);
  jobs_.erase(lease.job_id);
  ++(outcome == FinishOutcome::kCompleted ? totals_.total_completed : totals_.total_failed);
  return true;
}

Expected<void> LocalJobQueue::Finish(const Lease& lease, FinishOutcome outcome) {
  std::lock_guard lock(mutex_);
  if (!FinishLocked(lease, outcome)) return std::unexpected(StaleLease(lease));
  return {};
}

Expected<std::vector<JobId>> LocalJobQueue::FinishBatch(const std::vector<Lease>& leases,
                                                        FinishOutcome outcome) {
  std::lock_guard lock(mutex_);
  std::vector<JobId> refused;
  for (const Lease& lease : leases) {
    if (!FinishLocked(lease, outcome)) refused.push_back(lease.job_id);
  }
  return refused;
}

Expected<void> LocalJobQueue::ScheduleRetry(const Lease& lease, const DialerJob& job,
                                            Instant due_at) {
  std::vector<FieldError> errors = ValidateJobForQueue(job);
  if (job.job_id != lease.job_id) errors.push_back({"job_id", "must be the leased job's id"});
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid retry; nothing changed", errors));
  }
  std::lock_guard lock(mutex_);
  Expected<Entry*> found = CheckLease(lease);
  if (!found) return std::unexpected(found.error());
  Entry& entry = **found;
  if (job.tenant_id != entry.job.tenant_id || job.campaign_id != entry.job.campaign_id) {
    return std::unexpected(
        Error::InvalidArgument("invalid retry; nothing changed",
                               {{"tenant_id", "a retry keeps the job's tenant and campaign"}}));
  }
  processing_.erase({entry.expires_at, lease.job_id});
  ReleaseSlots(entry.job);
  entry.job = job;
  entry.place = Place::kScheduled;
  entry.token.clear();
  entry.due_at = due_at;
  scheduled_.insert({due_at, lease.job_id});
  ++totals_.total_retried;
  // A waiter sleeping until a later instant must recompute its deadline.
  if (scheduled_.begin()->second == lease.job_id) Wake(1);
  return {};
}

std::size_t LocalJobQueue::PromoteDueLocked(Instant now) {
  std::size_t moved = 0;
  while (!scheduled_.empty() && scheduled_.begin()->first <= now) {
    Entry& entry = jobs_.at(scheduled_.begin()->second);
    scheduled_.erase(scheduled_.begin());
    entry.score = QueueScore(entry.job.priority, next_sequence_++);
    PutWaiting(entry);
    ++moved;
  }
  Wake(static_cast<int>(std::min<std::size_t>(moved, kMaxWakeTokens)));
  return moved;
}

std::size_t LocalJobQueue::RecoverExpiredLocked(Instant now) {
  std::size_t recovered = 0;
  while (!processing_.empty() && processing_.begin()->first <= now) {
    Entry& entry = jobs_.at(processing_.begin()->second);
    processing_.erase(processing_.begin());
    ReleaseSlots(entry.job);
    entry.token.clear();
    PutWaiting(entry);  // the original score: back at the front of its priority
    ++recovered;
  }
  totals_.total_recovered += static_cast<std::int64_t>(recovered);
  Wake(static_cast<int>(std::min<std::size_t>(recovered, kMaxWakeTokens)));
  return recovered;
}

Expected<std::size_t> LocalJobQueue::PromoteDue() {
  std::lock_guard lock(mutex_);
  return PromoteDueLocked(clock_.Now());
}

Expected<std::size_t> LocalJobQueue::RecoverExpired() {
  std::lock_guard lock(mutex_);
  return RecoverExpiredLocked(clock_.Now());
}

Expected<void> LocalJobQueue::WaitForWork(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mutex_);
  const auto give_up = std::chrono::steady_clock::now() + max_wait;
  while (true) {
    if (stop_waiting_) return {};
    if (wake_tokens_ > 0) {
      --wake_tokens_;
      return {};
    }
    std::optional<Instant> next;
    if (!scheduled_.empty()) next = scheduled_.begin()->first;
    if (!processing_.empty())
      next = std::min(next.value_or(Instant::max()), processing_.begin()->first);
    auto deadline = give_up;
    if (next) {
      const auto until_next = *next - clock_.Now();
      if (until_next <= until_next.zero()) return {};
      // A faster clock (talky run --speed) reaches the instant sooner in real time.
      deadline =
          std::min(deadline, std::chrono::steady_clock::now() + clock_.RealWaitFor(until_next));
    }
    if (work_.wait_until(lock, deadline) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      return {};
    }
  }
}

void LocalJobQueue::StopWaiting() {
  std::lock_guard lock(mutex_);
  stop_waiting_ = true;
  work_.notify_all();
}

void LocalJobQueue::Wake(int tokens) {
  if (tokens <= 0) return;
  wake_tokens_ = std::min(kMaxWakeTokens, wake_tokens_ + tokens);
  work_.notify_all();
}

Expected<std::size_t> LocalJobQueue::CancelCampaign(const TenantId& tenant,
                                                    const CampaignId& campaign) {
  std::lock_guard lock(mutex_);
  std::vector<JobId> doomed;
  for (const auto& [id, entry] : jobs_) {
    if (entry.job.tenant_id == tenant && entry.job.campaign_id == campaign &&
        entry.place != Place::kProcessing) {
      doomed.push_back(id);
    }
  }
  for (const JobId& id : doomed) {
    const Entry& entry = jobs_.at(id);
    if (entry.place == Place::kWaiting) RemoveWaiting(entry);
    if (entry.place == Place::kScheduled) scheduled_.erase({entry.due_at, id});
    jobs_.erase(id);
  }
  return doomed.size();
}

Expected<void> LocalJobQueue::PauseTenant(const TenantId& tenant) {
  std::lock_guard lock(mutex_);
  paused_tenants_.insert(tenant);
  return {};
}

Expected<void> LocalJobQueue::ResumeTenant(const TenantId& tenant) {
  std::lock_guard lock(mutex_);
  if (paused_tenants_.erase(tenant) > 0) Wake(kMaxWakeTokens);
  return {};
}

Expected<void> LocalJobQueue::PauseCampaign(const CampaignId& campaign) {
  std::lock_guard lock(mutex_);
  paused_campaigns_.insert(campaign);
  return {};
}

Expected<void> LocalJobQueue::ResumeCampaign(const CampaignId& campaign) {
  std::lock_guard lock(mutex_);
  if (paused_campaigns_.erase(campaign) > 0) Wake(kMaxWakeTokens);
  return {};
}

Expected<void> LocalJobQueue::SetTenantLimits(const TenantId& tenant, const TenantLimits& limits) {
  if (Expected<void> valid = ValidateTenantLimits(limits); !valid) return valid;
  std::lock_guard lock(mutex_);
  tenant_limits_[tenant] = limits;
  Wake(kMaxWakeTokens);  // a raised cap may free slots
  return {};
}

Expected<void> LocalJobQueue::SetCampaignLimit(const CampaignId& campaign,
                                               int max_concurrent_calls) {
  if (Expected<void> valid = ValidateCampaignLimit(max_concurrent_calls); !valid) return valid;
  std::lock_guard lock(mutex_);
  campaign_limits_[campaign] = max_concurrent_calls;
  Wake(kMaxWakeTokens);
  return {};
}

Expected<QueueStats> LocalJobQueue::Stats() {
  std::lock_guard lock(mutex_);
  QueueStats stats = totals_;
  stats.priority_queue_size = static_cast<std::int64_t>(priority_lane_.size());
  for (const auto& [tenant, queue] : tenant_queues_) {
    stats.tenant_queue_sizes[tenant] = static_cast<std::int64_t>(queue.size());
  }
  stats.scheduled_size = static_cast<std::int64_t>(scheduled_.size());
  stats.processing_size = static_cast<std::int64_t>(processing_.size());
  return stats;
}

}  // namespace talky
