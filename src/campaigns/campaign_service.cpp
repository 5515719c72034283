#include "campaigns/campaign_service.h"

#include "scheduling/call_permission.h"

namespace talky {
namespace {

// Jobs are read from the store and enqueued this many at a time.
constexpr int kEnqueuePage = 1000;

constexpr std::string_view kCancelledReason = "campaign_cancelled";

}  // namespace

CampaignService::CampaignService(Store& store, JobQueue& queue, const Clock& clock)
    : store_(store), queue_(queue), clock_(clock) {}

Expected<Campaign> CampaignService::Start(const TenantId& tenant_id,
                                          const CampaignId& campaign_id) {
  Expected<Tenant> tenant = store_.GetTenant(tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  Expected<Campaign> campaign = store_.GetCampaign(tenant_id, campaign_id);
  if (!campaign) return std::unexpected(campaign.error());
  const bool running = campaign->status == CampaignStatus::kRunning;
  if (!running && !CanTransition(campaign->status, CampaignStatus::kRunning)) {
    return std::unexpected(Error::Conflict("campaign '" + campaign_id.value + "' is " +
                                           std::string(ToString(campaign->status)) +
                                           " and cannot start"));
  }
  const Instant now = clock_.Now();
  if (Expected<std::vector<DialerJob>> created =
          store_.CreateCampaignJobs(tenant_id, campaign_id, now);
      !created) {
    return std::unexpected(created.error());
  }
  // The law: a number on the tenant's Do-Not-Call list is never dialed (the worker checks again
  // before each dial, for numbers added later).
  if (Expected<int> closed =
          store_.CloseWaitingJobs(tenant_id, campaign_id, true, std::string(kReasonDoNotCall), now);
      !closed) {
    return std::unexpected(closed.error());
  }
  if (Expected<void> limited = queue_.SetTenantLimits(
          tenant_id, {.max_concurrent_calls = tenant->rules.max_concurrent_calls,
                      .high_priority_threshold = tenant->rules.high_priority_threshold});
      !limited) {
    return std::unexpected(limited.error());
  }
  if (Expected<void> limited = queue_.SetCampaignLimit(campaign_id, campaign->max_concurrent_calls);
      !limited) {
    return std::unexpected(limited.error());
  }
  if (campaign->status == CampaignStatus::kPaused) {
    if (Expected<void> resumed = queue_.ResumeCampaign(campaign_id); !resumed) {
      return std::unexpected(resumed.error());
    }
  }
  Expected<Campaign> started =
      running ? campaign
              : store_.UpdateCampaignStatus(tenant_id, campaign_id, CampaignStatus::kRunning, now);
  if (!started) return std::unexpected(started.error());

  // Every pending job goes to the queue, which ignores the ids it already holds.
  PageRequest page{.limit = kEnqueuePage};
  while (true) {
    Expected<Page<DialerJob>> jobs = store_.ListJobs(tenant_id, campaign_id, page);
    if (!jobs) return std::unexpected(jobs.error());
    std::vector<DialerJob> pending;
    for (DialerJob& job : jobs->items) {
      if (job.status == JobStatus::kPending) pending.push_back(std::move(job));
    }
    if (!pending.empty()) {
      if (Expected<std::size_t> added = queue_.Enqueue(pending); !added) {
        return std::unexpected(added.error());
      }
    }
    if (!jobs->next) break;
    page.after = *jobs->next;
  }

  Expected<int> open = store_.CountOpenJobs(tenant_id, campaign_id);
  if (!open) return std::unexpected(open.error());
  if (*open == 0) {
    return store_.UpdateCampaignStatus(tenant_id, campaign_id, CampaignStatus::kCompleted, now);
  }
  return started;
}

Expected<Campaign> CampaignService::Pause(const TenantId& tenant, const CampaignId& campaign) {
  Expected<Campaign> paused =
      store_.UpdateCampaignStatus(tenant, campaign, CampaignStatus::kPaused, clock_.Now());
  if (!paused) return paused;
  if (Expected<void> held = queue_.PauseCampaign(campaign); !held) {
    return std::unexpected(held.error());
  }
  return paused;
}

Expected<Campaign> CampaignService::Resume(const TenantId& tenant, const CampaignId& campaign) {
  // Only a paused campaign resumes: a draft resumed would run without jobs (Start creates them)
  // and never complete. The store's compare-and-set below still guards a move made meanwhile.
  Expected<Campaign> current = store_.GetCampaign(tenant, campaign);
  if (!current) return current;
  if (current->status != CampaignStatus::kPaused) {
    return std::unexpected(Error::Conflict(
        "campaign '" + campaign.value + "' is " + std::string(ToString(current->status)) +
        "; only a paused campaign can resume" +
        (current->status == CampaignStatus::kDraft || current->status == CampaignStatus::kScheduled
             ? " (start it instead)"
             : "")));
  }
  Expected<Campaign> resumed =
      store_.UpdateCampaignStatus(tenant, campaign, CampaignStatus::kRunning, clock_.Now());
  if (!resumed) return resumed;
  if (Expected<void> released = queue_.ResumeCampaign(campaign); !released) {
    return std::unexpected(released.error());
  }
  return resumed;
}

Expected<Campaign> CampaignService::Cancel(const TenantId& tenant, const CampaignId& campaign) {
  const Instant now = clock_.Now();
  Expected<Campaign> cancelled =
      store_.UpdateCampaignStatus(tenant, campaign, CampaignStatus::kCancelled, now);
  if (!cancelled) return cancelled;
  // The store first: a worker that takes one of these jobs meanwhile finds it closed and drops it.
  if (Expected<int> closed =
          store_.CloseWaitingJobs(tenant, campaign, false, std::string(kCancelledReason), now);
      !closed) {
    return std::unexpected(closed.error());
  }
  if (Expected<std::size_t> removed = queue_.CancelCampaign(tenant, campaign); !removed) {
    return std::unexpected(removed.error());
  }
  return cancelled;
}

Expected<LeadErasure> CampaignService::EraseLead(const TenantId& tenant, const LeadId& lead) {
  const Instant now = clock_.Now();
  Expected<LeadErasure> erased = store_.EraseLead(tenant, lead, now);
  if (!erased || erased->jobs_closed == 0) return erased;
  // As a completion does when it closes a campaign's last job.
  Expected<Campaign> campaign = store_.GetCampaign(tenant, erased->campaign_id);
  if (!campaign) return std::unexpected(campaign.error());
  if (campaign->status != CampaignStatus::kRunning) return erased;
  Expected<int> open = store_.CountOpenJobs(tenant, erased->campaign_id);
  if (!open) return std::unexpected(open.error());
  if (*open == 0) {
    Expected<Campaign> completed =
        store_.UpdateCampaignStatus(tenant, erased->campaign_id, CampaignStatus::kCompleted, now);
    // Conflict: another process completed (or cancelled) it first.
    if (!completed && completed.error().code != ErrorCode::kConflict) {
      return std::unexpected(completed.error());
    }
  }
  return erased;
}

Expected<CampaignDeletion> CampaignService::DeleteCampaign(const TenantId& tenant,
                                                           const CampaignId& campaign) {
  Expected<CampaignDeletion> deleted = store_.DeleteCampaign(tenant, campaign);
  if (!deleted) return deleted;
  // The store first: a worker that takes one of these jobs meanwhile finds it gone and drops it.
  if (Expected<std::size_t> removed = queue_.CancelCampaign(tenant, campaign); !removed) {
    return std::unexpected(removed.error());
  }
  return deleted;
}

Expected<CampaignStats> CampaignService::Stats(const TenantId& tenant,
                                               const CampaignId& campaign_id) {
  Expected<Campaign> campaign = store_.GetCampaign(tenant, campaign_id);
  if (!campaign) return std::unexpected(campaign.error());
  Expected<StoreTally> tally = store_.Tally(tenant, campaign_id);
  if (!tally) return std::unexpected(tally.error());
  int64_t leads_called = 0;
  for (const auto& [attempts, leads] : tally->leads_by_attempts) {
    if (attempts > 0) leads_called += leads;
  }
  CampaignStats stats{.campaign = std::move(*campaign), .tally = std::move(*tally)};
  if (leads_called > 0) {
    stats.goal_rate =
        static_cast<double>(stats.campaign.goals_achieved) / static_cast<double>(leads_called);
  }
  return stats;
}

}  // namespace talky
