// SqlStore, one role: campaigns and their leads (store/campaign_store.h).
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

Expected<void> SqlStore::CreateCampaign(const Campaign& campaign) {
  std::vector<FieldError> errors;
  if (campaign.id.empty()) errors.push_back({"id", "must not be empty"});
  if (campaign.tenant_id.empty()) errors.push_back({"tenant_id", "must not be empty"});
  if (campaign.name.empty()) errors.push_back({"name", "must not be empty"});
  for (FieldError& error : ValidateCampaignLimits(campaign)) errors.push_back(std::move(error));
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid campaign", std::move(errors)));
  }
  Campaign stored = campaign;
  stored.total_leads = stored.calls_completed = stored.calls_failed = stored.goals_achieved = 0;
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<std::string> region = TenantRegion(**connection, campaign.tenant_id);
  if (!region) {
    if (region.error().code != ErrorCode::kNotFound) return std::unexpected(region.error());
    return std::unexpected(Error::InvalidArgument(
        "unknown tenant", {{"tenant_id", "no tenant '" + campaign.tenant_id.value + "'"}}));
  }
  return Void(
      (*connection)
          ->Execute(Concat({"INSERT INTO campaigns (", sql_rows::kCampaignColumns, ") VALUES (",
                            sql_rows::Placeholders(sql_rows::kCampaignColumns), ")"}),
                    sql_rows::CampaignRow(stored)));
}

Expected<Campaign> SqlStore::GetCampaign(const TenantId& tenant, const CampaignId& campaign) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<Campaign>((*connection)
                           ->Execute(Concat({"SELECT ", sql_rows::kCampaignColumns,
                                             " FROM campaigns WHERE tenant_id = $1 AND id = $2"}),
                                     std::vector<SqlValue>{tenant.value, campaign.value}),
                       sql_rows::ReadCampaign, NotFound("campaign", campaign.value));
}

Expected<Page<Campaign>> SqlStore::ListCampaigns(const TenantId& tenant, PageRequest page) {
  Expected<Cursor> cursor = ParseCursor(page);
  if (!cursor) return std::unexpected(cursor.error());
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<std::vector<Campaign>> items =
      All<Campaign>((*connection)
                        ->Execute(Concat({"SELECT ", sql_rows::kCampaignColumns,
                                          " FROM campaigns WHERE tenant_id = $1", PagedSuffix(2)}),
                                  std::vector<SqlValue>{tenant.value, cursor->micros, cursor->id,
                                                        int64_t{page.limit + 1}}),
                    sql_rows::ReadCampaign);
  if (!items) return std::unexpected(items.error());
  return MakePage(std::move(*items), page.limit, [](const Campaign& c) {
    return std::pair{c.created_at, c.id.value};
  });
}

Expected<Campaign> SqlStore::UpdateCampaignStatus(const TenantId& tenant,
                                                  const CampaignId& campaign, CampaignStatus to,
                                                  Instant at) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&]() -> Expected<Campaign> {
    Expected<Campaign> current = One<Campaign>(
        connection.Execute(
            Concat({"SELECT ", sql_rows::kCampaignColumns,
                    " FROM campaigns WHERE tenant_id = $1 AND id = $2", ForUpdate(connection)}),
            std::vector<SqlValue>{tenant.value, campaign.value}),
        sql_rows::ReadCampaign, NotFound("campaign", campaign.value));
    if (!current) return current;
    if (!CanTransition(current->status, to)) {
      return std::unexpected(Error::Conflict("campaign '" + campaign.value + "' cannot go from " +
                                             std::string(ToString(current->status)) + " to " +
                                             std::string(ToString(to))));
    }
    Campaign next = *current;
    next.status = to;
    if (to == CampaignStatus::kRunning && !next.started_at) next.started_at = at;
    if (to == CampaignStatus::kCompleted || to == CampaignStatus::kCancelled) {
      next.completed_at = at;
    }
    Expected<SqlResult> updated = connection.Execute(
        "UPDATE campaigns SET status = $3, started_at = $4, completed_at = $5 "
        "WHERE tenant_id = $1 AND id = $2",
        std::vector<SqlValue>{tenant.value, campaign.value, std::string(ToString(to)),
                              sql_rows::OptionalMicros(next.started_at),
                              sql_rows::OptionalMicros(next.completed_at)});
    if (!updated) return std::unexpected(updated.error());
    return next;
  });
}

Expected<CampaignDeletion> SqlStore::DeleteCampaign(const TenantId& tenant,
                                                    const CampaignId& campaign) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&]() -> Expected<CampaignDeletion> {
    Expected<Campaign> current = One<Campaign>(
        connection.Execute(
            Concat({"SELECT ", sql_rows::kCampaignColumns,
                    " FROM campaigns WHERE tenant_id = $1 AND id = $2", ForUpdate(connection)}),
            std::vector<SqlValue>{tenant.value, campaign.value}),
        sql_rows::ReadCampaign, NotFound("campaign", campaign.value));
    if (!current) return std::unexpected(current.error());
    if (current->status == CampaignStatus::kRunning) {
      return std::unexpected(Error::Conflict("campaign '" + campaign.value +
                                             "' is running: pause or cancel it first"));
    }
    const std::vector<SqlValue> params{tenant.value, campaign.value};
    CampaignDeletion deletion;
    Expected<SqlResult> jobs = connection.Execute(
        "DELETE FROM dialer_jobs WHERE tenant_id = $1 AND campaign_id = $2 "
        "AND status <> 'processing'",
        params);
    if (!jobs) return std::unexpected(jobs.error());
    deletion.jobs_deleted = static_cast<int>(jobs->affected);
    Expected<int64_t> processing = ProcessingJobs(connection, tenant, campaign, std::nullopt);
    if (!processing) return std::unexpected(processing.error());
    if (*processing > 0) {
      return std::unexpected(
          Error::Conflict("campaign '" + campaign.value + "' has " + std::to_string(*processing) +
                          " call(s) in progress; delete it once they have ended"));
    }
    Expected<int> kept = AnonymiseCalls(connection, tenant, campaign, std::nullopt);
    if (!kept) return std::unexpected(kept.error());
    deletion.calls_kept = *kept;
    Expected<SqlResult> leads =
        connection.Execute("DELETE FROM leads WHERE tenant_id = $1 AND campaign_id = $2", params);
    if (!leads) return std::unexpected(leads.error());
    deletion.leads_erased = static_cast<int>(leads->affected);
    for (const char* sql : {"DELETE FROM job_skips WHERE tenant_id = $1 AND campaign_id = $2",
                            "DELETE FROM campaigns WHERE tenant_id = $1 AND id = $2"}) {
      if (Expected<SqlResult> deleted = connection.Execute(sql, params); !deleted) {
        return std::unexpected(deleted.error());
      }
    }
    return deletion;
  });
}

Expected<void> SqlStore::AddToCampaignCounters(const TenantId& tenant, const CampaignId& campaign,
                                               const CampaignCounterDelta& delta) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return ApplyCounters(**connection, tenant, campaign, delta);
}

Expected<ImportResult> SqlStore::ImportLeads(const TenantId& tenant, const CampaignId& campaign,
                                             std::span<const Lead> leads) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<std::string> region = TenantRegion(connection, tenant);
  if (!region) return std::unexpected(region.error());

  // Validation (mostly parsing numbers, client CPU) runs one chunk ahead of the writer (database
  // CPU) on a helper thread, so the two overlap. Rows are written inside one transaction as they
  // come; the first bad row stops the writing, validation goes on to list every bad row, and the
  // transaction is rolled back: nothing is written.
  const size_t count = leads.size();
  constexpr size_t kChunk = 20'000;
  const size_t chunks = (count + kChunk - 1) / kChunk;
  std::vector<std::optional<std::string>> numbers(count);
  std::vector<FieldError> errors;
  std::mutex mutex;
  std::condition_variable chunk_ready;
  size_t validated_chunks = 0;
  std::vector<FieldError> validation_errors;
  std::atomic<bool> abandon{false};
  auto validate = [&] {
    for (size_t c = 0; c < chunks && !abandon; ++c) {
      std::vector<FieldError> found;
      for (size_t i = c * kChunk; i < std::min(count, (c + 1) * kChunk); ++i) {
        numbers[i] = ValidateImportedLead(leads[i], i, *region, found);
      }
      std::lock_guard lock(mutex);
      validation_errors.insert(validation_errors.end(), found.begin(), found.end());
      validated_chunks = c + 1;
      chunk_ready.notify_one();
    }
  };
  // Waits for chunk `c`; returns false once validation has found any bad row.
  auto wait_for_chunk = [&](size_t c) {
    std::unique_lock lock(mutex);
    chunk_ready.wait(lock, [&] { return validated_chunks > c; });
    return validation_errors.empty();
  };

  Instant now = clock_.Now();
  // Generated ids share one random base and count up, so rows arrive in id order: the primary key
  // grows at its end instead of at random places, which keeps a large import in cache.
  const std::string base = ids_.Next();
  auto generated_id = [&](size_t i) {
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "%012zx", i);
    return base.substr(0, base.size() - 12) + suffix;
  };

  Expected<ImportResult> result = [&]() -> Expected<ImportResult> {
    std::jthread validator(validate);
    struct StopValidator {
      std::atomic<bool>& abandon;
      ~StopValidator() { abandon = true; }
    } stop_on_exit{abandon};
    return InTransaction(connection, [&]() -> Expected<ImportResult> {
      // Checked inside the transaction: leads carry no foreign key (see migrations.cpp).
      Expected<bool> exists = CampaignExists(connection, tenant, campaign);
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) return std::unexpected(UnknownCampaign(campaign));
      Expected<SqlResult> existing =
          connection.Execute("SELECT phone_number FROM leads WHERE campaign_id = $1",
                             std::vector<SqlValue>{campaign.value});
      if (!existing) return std::unexpected(existing.error());
      std::unordered_set<std::string_view> taken;
      taken.reserve(existing->rows.size() + count);
      for (const Row& row : existing->rows) {
        if (row.front()) taken.insert(*row.front());
      }
      std::unordered_set<std::string_view> given_ids;
      static const std::vector<std::string> kColumns =
          sql_rows::ColumnNames(sql_rows::kLeadColumns);
      std::vector<std::vector<SqlValue>> rows;
      rows.reserve(std::min(kChunk, count));
      for (size_t c = 0; c < chunks; ++c) {
        bool writing = wait_for_chunk(c) && errors.empty();
        rows.clear();
        for (size_t i = c * kChunk; i < std::min(count, (c + 1) * kChunk); ++i) {
          if (!numbers[i]) continue;
          if (!taken.insert(*numbers[i]).second) {
            errors.push_back({"leads[" + std::to_string(i) + "].phone_number",
                              *numbers[i] + " is already a lead of this campaign"});
            writing = false;
            continue;
          }
          if (!leads[i].id.empty() && !given_ids.insert(leads[i].id.value).second) {
            errors.push_back({"leads[" + std::to_string(i) + "].id",
                              "'" + leads[i].id.value + "' appears twice"});
            writing = false;
            continue;
          }
          if (!writing) continue;
          LeadId id{leads[i].id.empty() ? generated_id(i) : leads[i].id.value};
          rows.push_back(sql_rows::LeadRow(leads[i], id, tenant, campaign, *numbers[i], now));
        }
        if (writing && !rows.empty()) {
          if (Expected<void> inserted = connection.BulkInsert("leads", kColumns, rows); !inserted) {
            return std::unexpected(inserted.error());
          }
        }
      }
      {
        std::lock_guard lock(mutex);
        errors.insert(errors.end(), validation_errors.begin(), validation_errors.end());
      }
      if (!errors.empty()) {
        // Sorted by row, so the report reads top to bottom.
        std::stable_sort(errors.begin(), errors.end(),
                         [](const FieldError& a, const FieldError& b) {
                           return RowOfField(a.field) < RowOfField(b.field);
                         });
        std::string message = std::to_string(errors.size()) + " problem(s) in " +
                              std::to_string(count) + " leads; nothing was imported";
        return std::unexpected(Error::InvalidArgument(message, std::move(errors)));
      }
      CampaignCounterDelta delta{.total_leads = static_cast<int>(count)};
      if (Expected<void> counted = ApplyCounters(connection, tenant, campaign, delta); !counted) {
        return std::unexpected(counted.error());
      }
      return ImportResult{.imported = static_cast<int>(count)};
    });
  }();
  return result;
}

Expected<Lead> SqlStore::GetLead(const TenantId& tenant, const LeadId& lead) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<Lead>((*connection)
                       ->Execute(Concat({"SELECT ", sql_rows::kLeadColumns,
                                         " FROM leads WHERE tenant_id = $1 AND id = $2"}),
                                 std::vector<SqlValue>{tenant.value, lead.value}),
                   sql_rows::ReadLead, NotFound("lead", lead.value));
}

Expected<Page<Lead>> SqlStore::ListLeads(const TenantId& tenant, const CampaignId& campaign,
                                         PageRequest page) {
  // Leads page in phone-number order over the (campaign_id, phone_number) unique index; the cursor
  // is the last number of the previous page.
  if (Expected<Cursor> checked = ParseCursor({.limit = page.limit}); !checked) {
    return std::unexpected(checked.error());
  }
  if (!page.after.empty() && !page.after.starts_with("+")) {
    return std::unexpected(Error::InvalidArgument(
        "invalid page", {{"after", "is not a cursor from a previous page"}}));
  }
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<std::vector<Lead>> items =
      All<Lead>((*connection)
                    ->Execute(Concat({"SELECT ", sql_rows::kLeadColumns,
                                      " FROM leads WHERE campaign_id = $1 AND tenant_id = $2 AND "
                                      "phone_number > $3 ORDER BY phone_number LIMIT $4"}),
                              std::vector<SqlValue>{campaign.value, tenant.value, page.after,
                                                    int64_t{page.limit + 1}}),
                sql_rows::ReadLead);
  if (!items) return std::unexpected(items.error());
  Page<Lead> result;
  if (items->size() > static_cast<size_t>(page.limit)) {
    items->resize(static_cast<size_t>(page.limit));
    result.next = items->back().phone_number;
  }
  result.items = std::move(*items);
  return result;
}

Expected<void> SqlStore::RecordLeadAttempt(const TenantId& tenant, const LeadId& lead,
                                           const LeadAttempt& attempt) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return ApplyLeadAttempt(**connection, tenant, lead, attempt);
}

Expected<LeadErasure> SqlStore::EraseLead(const TenantId& tenant, const LeadId& lead, Instant at) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&]() -> Expected<LeadErasure> {
    Expected<SqlResult> found =
        connection.Execute(Concat({"SELECT campaign_id FROM leads WHERE tenant_id = $1 AND id = $2",
                                   ForUpdate(connection)}),
                           std::vector<SqlValue>{tenant.value, lead.value});
    if (!found) return std::unexpected(found.error());
    if (found->rows.empty()) return std::unexpected(NotFound("lead", lead.value));
    LeadErasure erasure{.campaign_id = CampaignId{found->rows.front().front().value_or("")}};
    const std::vector<SqlValue> job_params{tenant.value, erasure.campaign_id.value, lead.value,
                                           sql_rows::Micros(at)};
    Expected<SqlResult> closed = connection.Execute(
        "UPDATE dialer_jobs SET status = 'non_retryable', last_error = 'lead_erased', "
        "completed_at = $4, phone_number = '' WHERE tenant_id = $1 AND campaign_id = $2 AND "
        "lead_id = $3 AND status IN ('pending', 'skipped', 'retry_scheduled') RETURNING id",
        job_params);
    if (!closed) return std::unexpected(closed.error());
    erasure.jobs_closed = static_cast<int>(closed->rows.size());
    Expected<int64_t> processing =
        ProcessingJobs(connection, tenant, erasure.campaign_id, std::optional<LeadId>(lead));
    if (!processing) return std::unexpected(processing.error());
    if (*processing > 0) {
      return std::unexpected(Error::Conflict("lead '" + lead.value +
                                             "' has a call in progress; erase it once the call "
                                             "has ended"));
    }
    if (Expected<SqlResult> unnumbered = connection.Execute(
            "UPDATE dialer_jobs SET phone_number = '' WHERE tenant_id = $1 AND campaign_id = $2 "
            "AND lead_id = $3",
            std::vector<SqlValue>{tenant.value, erasure.campaign_id.value, lead.value});
        !unnumbered) {
      return std::unexpected(unnumbered.error());
    }
    if (Expected<void> counted =
            AddOpenJobs(connection, tenant, erasure.campaign_id, -erasure.jobs_closed);
        !counted) {
      return std::unexpected(counted.error());
    }
    Expected<int> kept =
        AnonymiseCalls(connection, tenant, erasure.campaign_id, std::optional<LeadId>(lead));
    if (!kept) return std::unexpected(kept.error());
    erasure.calls_kept = *kept;
    if (Expected<SqlResult> deleted =
            connection.Execute("DELETE FROM leads WHERE tenant_id = $1 AND id = $2",
                               std::vector<SqlValue>{tenant.value, lead.value});
        !deleted) {
      return std::unexpected(deleted.error());
    }
    if (Expected<void> counted = ApplyCounters(connection, tenant, erasure.campaign_id,
                                               CampaignCounterDelta{.total_leads = -1});
        !counted) {
      return std::unexpected(counted.error());
    }
    return erasure;
  });
}

}  // namespace talky
