#include "dialer/call_completion.h"

#include <spdlog/spdlog.h>

#include <set>

namespace talky {

CallCompletion::CallCompletion(JobQueue& queue, DialerStores stores, const Clock& clock,
                               CallCompletionOptions options)
    : queue_(queue), stores_(stores), clock_(clock), options_(options) {}

Expected<RetryPolicy> CallCompletion::RetryPolicyOf(const TenantId& tenant) {
  const Instant now = clock_.Now();
  {
    std::lock_guard lock(mutex_);
    auto it = policies_.find(tenant);
    if (it != policies_.end() && now - it->second.loaded_at < options_.tenant_ttl) {
      return it->second.policy;
    }
  }
  Expected<Tenant> loaded = stores_.tenants.GetTenant(tenant);
  if (!loaded) return std::unexpected(loaded.error());
  RetryPolicy policy = loaded->rules.retry_policy();
  std::lock_guard lock(mutex_);
  policies_[tenant] = CachedPolicy{.policy = policy, .loaded_at = now};
  return policy;
}

CallEvent WithVerdict(CallEvent final_event, const std::optional<CallOutcome>& verdict) {
  if (verdict && final_event.outcome == CallOutcome::kGoalNotAchieved) {
    final_event.outcome = verdict;
  }
  return final_event;
}

Expected<CallCompletionResult> CallCompletion::Complete(const DialerJob& job, const Lease& lease,
                                                        const CallEvent& final_event,
                                                        const RetryPolicy& policy) {
  return CompleteMany({{.job = job, .lease = lease, .final_event = final_event, .policy = policy}})
      .front();
}

std::vector<Expected<CallCompletionResult>> CallCompletion::CompleteMany(
    const std::vector<EndedCall>& requests) {
  const Instant now = clock_.Now();
  std::vector<PlannedCompletion> planned;
  std::vector<TenantAttemptCompletion> writes;
  planned.reserve(requests.size());
  writes.reserve(requests.size());
  for (const EndedCall& request : requests) {
    planned.push_back(PlanAttemptCompletion(request.job, request.final_event, request.policy, now));
    planned.back().write.progress_events = request.progress_events;
    writes.push_back({.tenant = request.job.tenant_id, .completion = planned.back().write});
  }
  Expected<std::vector<Expected<CompletionResult>>> written = stores_.jobs.CompleteAttempts(writes);
  std::vector<Expected<CallCompletionResult>> results;
  results.reserve(requests.size());
  std::set<std::pair<TenantId, CampaignId>> closed_campaigns;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (!written) {
      results.push_back(std::unexpected(written.error()));
      continue;
    }
    const Expected<CompletionResult>& one = (*written)[i];
    if (!one) {
      results.push_back(std::unexpected(one.error()));
      continue;
    }
    CallCompletionResult result{.job_status = planned[i].decision.status,
                                .duplicate_event = one->duplicate_event};
    if (!result.duplicate_event) {
      result.queue_released = ReleaseInQueue(requests[i].lease, planned[i]);
      if (IsFinal(result.job_status)) {
        closed_campaigns.insert({requests[i].job.tenant_id, requests[i].job.campaign_id});
      }
    }
    results.push_back(result);
  }
  // Whether a campaign is done is asked once per campaign, after every release of the group.
  for (const auto& [tenant, campaign] : closed_campaigns) {
    if (!CloseCampaignIfDone(tenant, campaign)) continue;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (results[i] && requests[i].job.tenant_id == tenant &&
          requests[i].job.campaign_id == campaign && IsFinal(results[i]->job_status)) {
        results[i]->campaign_completed = true;
        break;  // reported once, as Complete reports it for the call that closed it
      }
    }
  }
  return results;
}

bool CallCompletion::ReleaseInQueue(const Lease& lease, const PlannedCompletion& planned) {
  Expected<void> released =
      planned.decision.status == JobStatus::kRetryScheduled
          ? queue_.ScheduleRetry(lease, planned.write.job, *planned.decision.retry_at)
          : queue_.Finish(lease, planned.decision.status == JobStatus::kFailed
                                     ? FinishOutcome::kFailed
                                     : FinishOutcome::kCompleted);
  if (!released) {
    spdlog::warn("completion: job {} is {} in the store, but the queue refused its lease: {}",
                 lease.job_id.value, ToString(planned.decision.status), released.error().message);
  }
  return released.has_value();
}

bool CallCompletion::CloseCampaignIfDone(const TenantId& tenant, const CampaignId& campaign) {
  Expected<int> open = stores_.jobs.CountOpenJobs(tenant, campaign);
  if (!open || *open > 0) return false;
  return stores_.campaigns
      .UpdateCampaignStatus(tenant, campaign, CampaignStatus::kCompleted, clock_.Now())
      .has_value();
}

}  // namespace talky
