// SqlStore, one role: dialer jobs and the completion of their attempts (store/job_store.h).
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <tuple>

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

Expected<std::vector<DialerJob>> SqlStore::CreateCampaignJobs(const TenantId& tenant,
                                                              const CampaignId& campaign,
                                                              Instant now) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&]() -> Expected<std::vector<DialerJob>> {
    Expected<bool> exists = CampaignExists(connection, tenant, campaign);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::unexpected(UnknownCampaign(campaign));
    Expected<SqlResult> leads = connection.Execute(
        "SELECT l.id, l.phone_number, l.priority, l.is_high_value, l.tags FROM leads l "
        "WHERE l.campaign_id = $1 AND l.tenant_id = $2 AND l.status = 'pending' AND NOT EXISTS "
        "(SELECT 1 FROM dialer_jobs j WHERE j.campaign_id = l.campaign_id AND j.lead_id = l.id) "
        "ORDER BY l.created_at, l.id",
        std::vector<SqlValue>{campaign.value, tenant.value});
    if (!leads) return std::unexpected(leads.error());
    std::vector<DialerJob> jobs;
    jobs.reserve(leads->rows.size());
    for (const Row& row : leads->rows) {
      std::vector<std::string> tags;
      nlohmann::json tag_json = nlohmann::json::parse(row[4].value_or("[]"), nullptr, false);
      if (tag_json.is_array()) {
        for (const nlohmann::json& tag : tag_json) {
          if (tag.is_string()) tags.push_back(tag.get<std::string>());
        }
      }
      std::string flag = row[3].value_or("0");
      DialerJob job{.job_id = JobId{ids_.Next()},
                    .campaign_id = campaign,
                    .lead_id = LeadId{row[0].value_or("")},
                    .tenant_id = tenant,
                    .phone_number = row[1].value_or(""),
                    .priority = ComputeLeadPriority(std::stoi(row[2].value_or("5")),
                                                    flag == "1" || flag == "t", tags),
                    .status = JobStatus::kPending,
                    .attempt_number = 1,
                    .scheduled_at = now,
                    .created_at = now};
      jobs.push_back(std::move(job));
    }
    // Id order, as for the lead import; then out in chunks.
    std::sort(jobs.begin(), jobs.end(), [](const DialerJob& a, const DialerJob& b) {
      return a.job_id.value < b.job_id.value;
    });
    static const std::vector<std::string> kColumns = sql_rows::ColumnNames(sql_rows::kJobColumns);
    constexpr size_t kChunk = 50'000;
    std::vector<std::vector<SqlValue>> rows;
    for (size_t i = 0; i < jobs.size(); ++i) {
      rows.push_back(sql_rows::JobRow(jobs[i]));
      if (rows.size() == kChunk || i + 1 == jobs.size()) {
        if (Expected<void> inserted = connection.BulkInsert("dialer_jobs", kColumns, rows);
            !inserted) {
          return std::unexpected(inserted.error());
        }
        rows.clear();
      }
    }
    if (Expected<void> counted =
            AddOpenJobs(connection, tenant, campaign, static_cast<int64_t>(jobs.size()));
        !counted) {
      return std::unexpected(counted.error());
    }
    return jobs;
  });
}

Expected<DialerJob> SqlStore::GetJob(const TenantId& tenant, const JobId& job) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<DialerJob>(
      (*connection)
          ->Execute(Concat({"SELECT ", sql_rows::kJobColumns,
                            " FROM dialer_jobs WHERE tenant_id = $1 AND id = $2"}),
                    std::vector<SqlValue>{tenant.value, job.value}),
      sql_rows::ReadJob, NotFound("job", job.value));
}

Expected<Page<DialerJob>> SqlStore::ListJobs(const TenantId& tenant,
                                             const std::optional<CampaignId>& campaign,
                                             PageRequest page) {
  return ListJobs(tenant, campaign, std::nullopt, page);
}

Expected<Page<DialerJob>> SqlStore::ListJobs(const TenantId& tenant,
                                             const std::optional<CampaignId>& campaign,
                                             const std::optional<JobStatus>& status,
                                             PageRequest page) {
  Expected<Cursor> cursor = ParseCursor(page);
  if (!cursor) return std::unexpected(cursor.error());
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  std::string sql =
      Concat({"SELECT ", sql_rows::kJobColumns, " FROM dialer_jobs WHERE tenant_id = $1"});
  std::vector<SqlValue> params{tenant.value};
  if (campaign) {
    sql += " AND campaign_id = $2";
    params.push_back(campaign->value);
  }
  if (status) {
    sql += " AND status = $" + std::to_string(params.size() + 1);
    params.emplace_back(std::string(ToString(*status)));
  }
  sql += PagedSuffix(static_cast<int>(params.size()) + 1);
  params.insert(params.end(), {cursor->micros, cursor->id, int64_t{page.limit + 1}});
  Expected<SqlResult> result = (*connection)->Execute(sql, params);
  Expected<std::vector<DialerJob>> items = All<DialerJob>(result, sql_rows::ReadJob);
  if (!items) return std::unexpected(items.error());
  return MakePage(std::move(*items), page.limit, [](const DialerJob& j) {
    return std::pair{j.created_at, j.job_id.value};
  });
}

namespace {

// UpdateJob's compare-and-set and, for a move to skipped, its deferral record, inside the
// caller's transaction.
Expected<void> ApplyJobUpdate(SqlConnection& connection, const TenantId& tenant, JobStatus expected,
                              const DialerJob& next) {
  Expected<std::pair<CampaignId, LeadId>> updated =
      CompareAndSetJob(connection, tenant, expected, next);
  if (!updated) return std::unexpected(updated.error());
  if (next.status != JobStatus::kSkipped) return {};
  return Void(connection.Execute(
      "INSERT INTO job_skips (tenant_id, campaign_id, job_id, reason, skipped_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      std::vector<SqlValue>{tenant.value, updated->first.value, next.job_id.value,
                            next.last_error.value_or("unknown"),
                            sql_rows::Micros(next.processed_at.value_or(next.scheduled_at))}));
}

// An error of one item of a batch that wrote nothing of it: the batch goes on without it.
bool FailsAlone(const Error& error) {
  return error.code == ErrorCode::kConflict || error.code == ErrorCode::kNotFound ||
         error.code == ErrorCode::kInvalidArgument;
}

}  // namespace

Expected<void> SqlStore::UpdateJob(const TenantId& tenant, JobStatus expected,
                                   const DialerJob& next) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  if (next.status != JobStatus::kSkipped && !IsFinal(next.status)) {
    // One statement: no transaction needed.
    return ApplyJobUpdate(connection, tenant, expected, next);
  }
  return InTransaction(connection,
                       [&] { return ApplyJobUpdate(connection, tenant, expected, next); });
}

Expected<std::vector<Expected<void>>> SqlStore::UpdateJobs(const std::vector<JobUpdate>& updates) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&] {
    return ApplyEach(
        updates,
        // A compare-and-set that does not apply writes nothing (CompareAndSetJob).
        [&](const JobUpdate& update) {
          return ApplyJobUpdate(connection, update.tenant, update.expected, update.next);
        },
        FailsAlone);
  });
}

Expected<int> SqlStore::CloseWaitingJobs(const TenantId& tenant, const CampaignId& campaign,
                                         bool only_do_not_call, const std::string& reason,
                                         Instant at) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  std::string sql =
      "UPDATE dialer_jobs SET status = 'non_retryable', last_error = $3, completed_at = $4 "
      "WHERE tenant_id = $1 AND campaign_id = $2 "
      "AND status IN ('pending', 'skipped', 'retry_scheduled')";
  if (only_do_not_call) {
    sql += " AND phone_number IN (SELECT phone_number FROM do_not_call WHERE tenant_id = $1)";
  }
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&]() -> Expected<int> {
    Expected<SqlResult> closed = connection.Execute(
        sql + " RETURNING id",
        std::vector<SqlValue>{tenant.value, campaign.value, reason, sql_rows::Micros(at)});
    if (!closed) return std::unexpected(closed.error());
    const auto count = static_cast<int64_t>(closed->rows.size());
    if (Expected<void> counted = AddOpenJobs(connection, tenant, campaign, -count); !counted) {
      return std::unexpected(counted.error());
    }
    return static_cast<int>(count);
  });
}

Expected<Page<DialerJob>> SqlStore::ListOpenJobs(PageRequest page) {
  Expected<Cursor> cursor = ParseCursor(page);
  if (!cursor) return std::unexpected(cursor.error());
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<std::vector<DialerJob>> items = All<DialerJob>(
      (*connection)
          ->Execute(Concat({"SELECT ", sql_rows::kJobColumns, " FROM dialer_jobs WHERE ",
                            kOpenJobCondition, PagedSuffix(1)}),
                    std::vector<SqlValue>{cursor->micros, cursor->id, int64_t{page.limit + 1}}),
      sql_rows::ReadJob);
  if (!items) return std::unexpected(items.error());
  return MakePage(std::move(*items), page.limit, [](const DialerJob& j) {
    return std::pair{j.created_at, j.job_id.value};
  });
}

Expected<int> SqlStore::CountOpenJobs(const TenantId& tenant, const CampaignId& campaign) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  Expected<SqlResult> result =
      (*lease)->Execute("SELECT open_jobs FROM campaigns WHERE tenant_id = $1 AND id = $2",
                        std::vector<SqlValue>{tenant.value, campaign.value});
  if (!result) return std::unexpected(result.error());
  if (result->rows.empty()) return std::unexpected(NotFound("campaign", campaign.value));
  return std::stoi(result->rows.front()[0].value_or("0"));
}

namespace {

// A group's campaign counters, summed: one update per campaign, not one per completion.
using CounterSums = std::map<std::pair<std::string, std::string>, CampaignCounterDelta>;

void Add(CampaignCounterDelta& sum, const CampaignCounterDelta& delta) {
  sum.total_leads += delta.total_leads;
  sum.calls_completed += delta.calls_completed;
  sum.calls_failed += delta.calls_failed;
  sum.goals_achieved += delta.goals_achieved;
}

// CompleteAttempt's writes inside the caller's transaction. An error may leave some of them
// written: the caller rolls back. With `sums`, the campaign's counters are added there for the
// caller to write.
Expected<CompletionResult> ApplyAttemptCompletion(SqlConnection& connection, const TenantId& tenant,
                                                  const AttemptCompletion& completion,
                                                  CounterSums* sums = nullptr) {
  std::vector<CallEvent> events = completion.progress_events;
  if (completion.event) events.push_back(*completion.event);
  Expected<std::vector<CallEventResult>> recorded = ApplyCallEvents(connection, tenant, events);
  if (!recorded) return std::unexpected(recorded.error());
  if (completion.event && recorded->back().duplicate) {
    return CompletionResult{.duplicate_event = true};
  }
  Expected<std::pair<CampaignId, LeadId>> job =
      CompareAndSetJob(connection, tenant, completion.expected_job_status, completion.job);
  if (!job) return std::unexpected(job.error());
  if (completion.lead_attempt) {
    Expected<void> lead =
        ApplyLeadAttempt(connection, tenant, job->second, *completion.lead_attempt);
    if (!lead) return std::unexpected(lead.error());
  }
  if (sums) {
    Add((*sums)[{tenant.value, job->first.value}], completion.counters);
    return CompletionResult{};
  }
  Expected<void> counted = ApplyCounters(connection, tenant, job->first, completion.counters);
  if (!counted) return std::unexpected(counted.error());
  return CompletionResult{};
}

}  // namespace

Expected<CompletionResult> SqlStore::CompleteAttempt(const TenantId& tenant,
                                                     const AttemptCompletion& completion) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection,
                       [&] { return ApplyAttemptCompletion(connection, tenant, completion); });
}

Expected<std::vector<Expected<CompletionResult>>> SqlStore::CompleteAttempts(
    const std::vector<TenantAttemptCompletion>& completions) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  // Optimistic: all in one transaction. A completion that fails alone (another process closed
  // its job first) may have written part of itself, so then the whole is rolled back and each
  // completion gets its own transaction; that is rare, and a savepoint per completion would cost
  // every batch two more round trips per completion.
  //
  // Written in campaign order: each completion updates its campaign's row, and two groups that
  // took the same campaigns' rows in different orders would deadlock.
  std::vector<std::size_t> order(completions.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(completions[a].tenant.value, completions[a].completion.job.campaign_id.value) <
           std::tie(completions[b].tenant.value, completions[b].completion.job.campaign_id.value);
  });
  bool one_failed_alone = false;
  Expected<std::vector<Expected<CompletionResult>>> together =
      InTransaction(connection, [&]() -> Expected<std::vector<Expected<CompletionResult>>> {
        std::vector<Expected<CompletionResult>> results(completions.size(), CompletionResult{});
        CounterSums sums;
        for (std::size_t i : order) {
          Expected<CompletionResult> written = ApplyAttemptCompletion(
              connection, completions[i].tenant, completions[i].completion, &sums);
          if (!written) {
            one_failed_alone = FailsAlone(written.error());
            return std::unexpected(written.error());
          }
          results[i] = std::move(written);
        }
        // In (tenant, campaign) order, like the completions: no two groups deadlock on them.
        for (const auto& [campaign, sum] : sums) {
          Expected<void> counted =
              ApplyCounters(connection, TenantId{campaign.first}, CampaignId{campaign.second}, sum);
          if (!counted) {
            one_failed_alone = FailsAlone(counted.error());
            return std::unexpected(counted.error());
          }
        }
        return results;
      });
  if (together || !one_failed_alone) return together;
  std::vector<Expected<CompletionResult>> results(completions.size(), CompletionResult{});
  for (std::size_t i : order) {
    // The database's errors too are the one completion's: others may be written already.
    results[i] = InTransaction(connection, [&] {
      return ApplyAttemptCompletion(connection, completions[i].tenant, completions[i].completion);
    });
  }
  return results;
}

}  // namespace talky
