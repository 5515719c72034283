#include "dialer/store_followed_queue.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <random>

namespace talky {
namespace {

constexpr int kLogPage = 1000;

std::string RandomOrigin() {
  std::random_device device;
  return "process-" + std::to_string(std::uniform_int_distribution<uint64_t>()(device));
}

}  // namespace

Expected<std::unique_ptr<StoreFollowedQueue>> StoreFollowedQueue::Open(
    Store& store, const Clock& clock, StoreFollowedQueueOptions options) {
  if (options.origin.empty()) options.origin = RandomOrigin();
  // The log first: an event written during the rebuild is applied again by the follower, which
  // changes nothing (the queue ignores ids it holds; pauses repeat).
  std::set<CampaignId> paused;
  int64_t cursor = 0;
  while (true) {
    Expected<std::vector<QueueEvent>> events = store.ListQueueEvents(cursor, kLogPage);
    if (!events) return std::unexpected(events.error());
    for (const QueueEvent& event : *events) {
      if (event.kind == QueueEventKind::kPaused) paused.insert(event.campaign_id);
      if (event.kind == QueueEventKind::kResumed || event.kind == QueueEventKind::kCancelled) {
        paused.erase(event.campaign_id);
      }
      cursor = event.sequence;
    }
    if (events->size() < kLogPage) break;
  }

  std::vector<DialerJob> open_jobs;
  PageRequest request{.limit = options.page_size};
  while (true) {
    Expected<Page<DialerJob>> page = store.ListOpenJobs(request);
    if (!page) return std::unexpected(page.error());
    std::move(page->items.begin(), page->items.end(), std::back_inserter(open_jobs));
    if (!page->next) break;
    request.after = *page->next;
  }
  Expected<std::unique_ptr<LocalJobQueue>> local = LocalJobQueue::Rebuild(clock, open_jobs);
  if (!local) return std::unexpected(local.error());
  for (const CampaignId& campaign : paused) {
    if (Expected<void> held = (*local)->PauseCampaign(campaign); !held) {
      return std::unexpected(held.error());
    }
  }
  return std::unique_ptr<StoreFollowedQueue>(
      new StoreFollowedQueue(store, clock, std::move(options), std::move(*local), cursor));
}

StoreFollowedQueue::StoreFollowedQueue(Store& store, const Clock& clock,
                                       StoreFollowedQueueOptions options,
                                       std::unique_ptr<LocalJobQueue> local, int64_t cursor)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      local_(std::move(local)),
      cursor_(cursor),
      follower_([this](std::stop_token stop) { Follow(stop); }) {}

void StoreFollowedQueue::Follow(std::stop_token stop) {
  std::mutex sleep_mutex;
  std::condition_variable_any sleeper;
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(sleep_mutex);
      if (sleeper.wait_for(lock, stop, options_.poll_interval, [] { return false; })) break;
    }
    if (stop.stop_requested()) break;
    if (Expected<std::size_t> applied = CatchUp(); !applied) {
      spdlog::warn("queue: following the store's queue log failed (retried in {} ms): {}",
                   options_.poll_interval.count(), applied.error().message);
    }
  }
}

Expected<std::size_t> StoreFollowedQueue::CatchUp() {
  std::lock_guard lock(mutex_);
  Expected<std::vector<QueueEvent>> events = store_.ListQueueEvents(cursor_, kLogPage);
  if (!events) {
    ++stats_.errors;
    return std::unexpected(events.error());
  }
  // Starts are collapsed: a start enqueues in pages, each logged; one read of the campaign's
  // pending jobs after the batch covers them all.
  std::set<std::pair<TenantId, CampaignId>> started;
  std::size_t applied = 0;
  int64_t cursor = cursor_;
  for (const QueueEvent& event : *events) {
    if (event.origin != options_.origin) {
      Expected<void> done;
      switch (event.kind) {
        case QueueEventKind::kEnqueued:
          started.insert({event.tenant_id, event.campaign_id});
          break;
        case QueueEventKind::kPaused:
          done = local_->PauseCampaign(event.campaign_id);
          break;
        case QueueEventKind::kResumed:
          done = local_->ResumeCampaign(event.campaign_id);
          break;
        case QueueEventKind::kCancelled:
          if (Expected<std::size_t> removed =
                  local_->CancelCampaign(event.tenant_id, event.campaign_id);
              !removed) {
            done = std::unexpected(removed.error());
          }
          break;
      }
      if (!done) {
        ++stats_.errors;
        return std::unexpected(done.error());
      }
      ++applied;
    }
    cursor = event.sequence;
  }
  for (const auto& [tenant, campaign] : started) {
    if (Expected<void> loaded = LoadPendingJobs(tenant, campaign); !loaded) {
      // The cursor stays where it was: the next poll applies the batch again (which repeats
      // nothing: pauses repeat, the queue ignores ids it holds).
      ++stats_.errors;
      return std::unexpected(loaded.error());
    }
  }
  cursor_ = cursor;
  stats_.events_applied += static_cast<int64_t>(applied);
  return applied;
}

Expected<void> StoreFollowedQueue::LoadPendingJobs(const TenantId& tenant,
                                                   const CampaignId& campaign) {
  PageRequest page{.limit = options_.page_size};
  while (true) {
    Expected<Page<DialerJob>> jobs = store_.ListJobs(tenant, campaign, JobStatus::kPending, page);
    if (!jobs) return std::unexpected(jobs.error());
    if (!jobs->items.empty()) {
      if (Expected<std::size_t> added = local_->Enqueue(jobs->items); !added) {
        return std::unexpected(added.error());
      }
    }
    if (!jobs->next) return {};
    page.after = *jobs->next;
  }
}

StoreFollowStats StoreFollowedQueue::FollowStats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

Expected<void> StoreFollowedQueue::Log(QueueEventKind kind, const TenantId& tenant,
                                       const CampaignId& campaign) {
  Expected<int64_t> appended = store_.AppendQueueEvent({.kind = kind,
                                                        .tenant_id = tenant,
                                                        .campaign_id = campaign,
                                                        .origin = options_.origin,
                                                        .at = clock_.Now()});
  if (!appended) return std::unexpected(appended.error());
  return {};
}

Expected<std::size_t> StoreFollowedQueue::Enqueue(const std::vector<DialerJob>& jobs) {
  Expected<std::size_t> added = local_->Enqueue(jobs);
  if (!added) return added;
  std::set<std::pair<TenantId, CampaignId>> campaigns;
  for (const DialerJob& job : jobs) campaigns.insert({job.tenant_id, job.campaign_id});
  for (const auto& [tenant, campaign] : campaigns) {
    if (Expected<void> logged = Log(QueueEventKind::kEnqueued, tenant, campaign); !logged) {
      return std::unexpected(logged.error());
    }
  }
  return added;
}

Expected<std::size_t> StoreFollowedQueue::CancelCampaign(const TenantId& tenant,
                                                         const CampaignId& campaign) {
  Expected<std::size_t> removed = local_->CancelCampaign(tenant, campaign);
  if (!removed) return removed;
  if (Expected<void> logged = Log(QueueEventKind::kCancelled, tenant, campaign); !logged) {
    return std::unexpected(logged.error());
  }
  return removed;
}

Expected<void> StoreFollowedQueue::PauseCampaign(const CampaignId& campaign) {
  if (Expected<void> held = local_->PauseCampaign(campaign); !held) return held;
  return Log(QueueEventKind::kPaused, TenantId{}, campaign);
}

Expected<void> StoreFollowedQueue::ResumeCampaign(const CampaignId& campaign) {
  if (Expected<void> released = local_->ResumeCampaign(campaign); !released) return released;
  return Log(QueueEventKind::kResumed, TenantId{}, campaign);
}

Expected<QueueStats> StoreFollowedQueue::Stats() {
  Expected<QueueStats> stats = local_->Stats();
  if (!stats) return stats;
  Expected<QueuedJobCounts> counts = store_.CountQueuedJobs();
  if (!counts) return std::unexpected(counts.error());
  std::lock_guard lock(mutex_);
  stats->priority_queue_size = 0;
  stats->tenant_queue_sizes.clear();
  for (const QueuedJobCounts::Waiting& waiting : counts->pending) {
    auto threshold = high_priority_thresholds_.find(waiting.tenant_id);
    const int lane_from = threshold == high_priority_thresholds_.end()
                              ? kDefaultHighPriorityThreshold
                              : threshold->second;
    if (waiting.priority >= lane_from) {
      stats->priority_queue_size += waiting.jobs;
    } else {
      stats->tenant_queue_sizes[waiting.tenant_id] += waiting.jobs;
    }
  }
  stats->scheduled_size = counts->scheduled;
  stats->processing_size = counts->processing;
  return stats;
}

Expected<void> StoreFollowedQueue::SetTenantLimits(const TenantId& tenant,
                                                   const TenantLimits& limits) {
  if (Expected<void> set = local_->SetTenantLimits(tenant, limits); !set) return set;
  std::lock_guard lock(mutex_);
  high_priority_thresholds_[tenant] = limits.high_priority_threshold;
  return {};
}

// The rest acts on this process's queue alone.

Expected<std::vector<TakenJob>> StoreFollowedQueue::TakeBatch(std::size_t max_jobs,
                                                              std::chrono::milliseconds lease) {
  return local_->TakeBatch(max_jobs, lease);
}
Expected<Lease> StoreFollowedQueue::ExtendLease(const Lease& lease,
                                                std::chrono::milliseconds duration) {
  return local_->ExtendLease(lease, duration);
}
Expected<void> StoreFollowedQueue::Finish(const Lease& lease, FinishOutcome outcome) {
  return local_->Finish(lease, outcome);
}
Expected<std::vector<JobId>> StoreFollowedQueue::FinishBatch(const std::vector<Lease>& leases,
                                                             FinishOutcome outcome) {
  return local_->FinishBatch(leases, outcome);
}
Expected<void> StoreFollowedQueue::ScheduleRetry(const Lease& lease, const DialerJob& job,
                                                 Instant due_at) {
  return local_->ScheduleRetry(lease, job, due_at);
}
Expected<std::size_t> StoreFollowedQueue::PromoteDue() { return local_->PromoteDue(); }
Expected<std::size_t> StoreFollowedQueue::RecoverExpired() { return local_->RecoverExpired(); }
Expected<void> StoreFollowedQueue::WaitForWork(std::chrono::milliseconds max_wait) {
  return local_->WaitForWork(max_wait);
}
void StoreFollowedQueue::StopWaiting() { local_->StopWaiting(); }
Expected<void> StoreFollowedQueue::PauseTenant(const TenantId& tenant) {
  return local_->PauseTenant(tenant);
}
Expected<void> StoreFollowedQueue::ResumeTenant(const TenantId& tenant) {
  return local_->ResumeTenant(tenant);
}
Expected<void> StoreFollowedQueue::SetCampaignLimit(const CampaignId& campaign,
                                                    int max_concurrent_calls) {
  return local_->SetCampaignLimit(campaign, max_concurrent_calls);
}

}  // namespace talky
