// SqlStore, one role: counts for stats, metrics and the embedded queue (store/statistics_store.h).

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

Expected<StoreTally> SqlStore::Tally(const std::optional<TenantId>& tenant,
                                     const std::optional<CampaignId>& campaign) {
  if (campaign && !tenant) {
    return std::unexpected(
        Error::InvalidArgument("invalid tally", {{"tenant_id", "is required with a campaign"}}));
  }
  std::vector<SqlValue> params;
  std::string where = " WHERE 1 = 1";
  if (tenant) {
    params.emplace_back(tenant->value);
    where += " AND tenant_id = $1";
  }
  if (campaign) {
    params.emplace_back(campaign->value);
    where += " AND campaign_id = $2";
  }
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  // Each query answers (key, count) rows.
  auto count_by =
      [&](const std::string& sql) -> Expected<std::vector<std::pair<std::string, int64_t>>> {
    Expected<SqlResult> result = connection.Execute(sql, params);
    if (!result) return std::unexpected(result.error());
    std::vector<std::pair<std::string, int64_t>> counts;
    for (const Row& row : result->rows) {
      counts.emplace_back(row[0].value_or(""), std::stoll(row[1].value_or("0")));
    }
    return counts;
  };
  StoreTally tally;
  for (JobStatus status : AllJobStatuses()) tally.jobs_by_status[std::string(ToString(status))] = 0;
  auto jobs = count_by("SELECT status, COUNT(*) FROM dialer_jobs" + where + " GROUP BY status");
  if (!jobs) return std::unexpected(jobs.error());
  for (auto& [status, count] : *jobs) tally.jobs_by_status[status] = count;
  // An outcome can be known before the call ends (voicemail, at answer): counted once ended.
  auto calls = count_by(
      "SELECT CASE WHEN ended_at IS NULL THEN '' ELSE COALESCE(outcome, 'unknown') END, "
      "COUNT(*) FROM calls" +
      where + " GROUP BY 1");
  if (!calls) return std::unexpected(calls.error());
  for (auto& [outcome, count] : *calls) {
    tally.calls_total += count;
    if (outcome.empty()) {
      tally.calls_in_progress += count;
    } else {
      tally.calls_by_outcome[outcome] = count;
    }
  }
  auto attempts =
      count_by("SELECT call_attempts, COUNT(*) FROM leads" + where + " GROUP BY call_attempts");
  if (!attempts) return std::unexpected(attempts.error());
  for (auto& [made, count] : *attempts) tally.leads_by_attempts[std::stoi(made)] = count;
  auto skips = count_by("SELECT reason, COUNT(*) FROM job_skips" + where + " GROUP BY reason");
  if (!skips) return std::unexpected(skips.error());
  for (auto& [reason, count] : *skips) tally.skips_by_reason[reason] = count;
  return tally;
}

Expected<QueuedJobCounts> SqlStore::CountQueuedJobs() {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  QueuedJobCounts counts;
  Expected<SqlResult> pending = connection.Execute(
      "SELECT tenant_id, priority, COUNT(*) FROM dialer_jobs WHERE status = 'pending'"
      " GROUP BY tenant_id, priority ORDER BY tenant_id, priority",
      {});
  if (!pending) return std::unexpected(pending.error());
  for (const Row& row : pending->rows) {
    counts.pending.push_back({.tenant_id = TenantId{row.at(0).value_or("")},
                              .priority = std::stoi(row.at(1).value_or("0")),
                              .jobs = std::stoll(row.at(2).value_or("0"))});
  }
  Expected<SqlResult> others = connection.Execute(
      "SELECT status, COUNT(*) FROM dialer_jobs"
      " WHERE status IN ('processing', 'retry_scheduled', 'skipped') GROUP BY status",
      {});
  if (!others) return std::unexpected(others.error());
  for (const Row& row : others->rows) {
    const int64_t jobs = std::stoll(row.at(1).value_or("0"));
    (row.at(0) == "processing" ? counts.processing : counts.scheduled) += jobs;
  }
  return counts;
}

}  // namespace talky
