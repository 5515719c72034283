#include "store/sql/sql_store.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_set>

#include "domain/phone_number.h"
#include "store/sql/sql_rows.h"

namespace talky {
namespace {

using sql_rows::Row;

// Walked along the (created_at, id) index; final jobs are skipped, not indexed, so that a status
// change touches no index.
constexpr std::string_view kOpenJobCondition =
    "status NOT IN ('completed', 'failed', 'goal_achieved', 'non_retryable')";

std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) text += part;
  return text;
}

// Runs `body` between BEGIN and COMMIT; any error rolls everything back.
template <typename Body>
auto InTransaction(SqlConnection& connection, Body&& body) -> decltype(body()) {
  if (Expected<void> begun = connection.Begin(); !begun) return std::unexpected(begun.error());
  auto result = body();
  if (!result) {
    connection.Rollback();
    return result;
  }
  if (Expected<void> committed = connection.Commit(); !committed) {
    connection.Rollback();
    return std::unexpected(committed.error());
  }
  return result;
}

// Locks the rows a transaction reads before changing them. SQLite needs nothing: BEGIN IMMEDIATE
// already holds the database's only write lock.
std::string_view ForUpdate(const SqlConnection& connection) {
  return connection.dialect() == SqlDialect::kPostgres ? " FOR UPDATE" : "";
}

template <typename T>
Expected<T> One(const Expected<SqlResult>& result, Expected<T> (*read)(const Row&),
                Error not_found) {
  if (!result) return std::unexpected(result.error());
  if (result->rows.empty()) return std::unexpected(std::move(not_found));
  return read(result->rows.front());
}

template <typename T>
Expected<std::vector<T>> All(const Expected<SqlResult>& result, Expected<T> (*read)(const Row&)) {
  if (!result) return std::unexpected(result.error());
  std::vector<T> items;
  items.reserve(result->rows.size());
  for (const Row& row : result->rows) {
    Expected<T> item = read(row);
    if (!item) return std::unexpected(item.error());
    items.push_back(std::move(*item));
  }
  return items;
}

Expected<void> Void(const Expected<SqlResult>& result) {
  if (!result) return std::unexpected(result.error());
  return {};
}

Error NotFound(std::string_view what, std::string_view id) {
  return Error::NotFound(std::string(what) + " '" + std::string(id) + "' not found");
}

// A page cursor is "<created_at micros>:<id>" of the last row of the previous page.
struct Cursor {
  int64_t micros = std::numeric_limits<int64_t>::min();
  std::string id;
};

Expected<Cursor> ParseCursor(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageSize) {
    return std::unexpected(Error::InvalidArgument(
        "invalid page", {{"limit", "must be 1 to " + std::to_string(kMaxPageSize)}}));
  }
  Cursor cursor;
  if (page.after.empty()) return cursor;
  size_t colon = page.after.find(':');
  auto [end, error] = std::from_chars(page.after.data(), page.after.data() + colon, cursor.micros);
  if (colon == std::string::npos || error != std::errc() || end != page.after.data() + colon) {
    return std::unexpected(Error::InvalidArgument(
        "invalid page", {{"after", "is not a cursor from a previous page"}}));
  }
  cursor.id = page.after.substr(colon + 1);
  return cursor;
}

// Asks for limit + 1 rows: the extra one only says whether there is a next page.
template <typename T, typename Key>
Page<T> MakePage(std::vector<T> items, int limit, Key key) {
  Page<T> page;
  if (items.size() > static_cast<size_t>(limit)) {
    items.resize(static_cast<size_t>(limit));
    auto [created_at, id] = key(items.back());
    page.next = std::to_string(created_at.time_since_epoch().count()) + ":" + id;
  }
  page.items = std::move(items);
  return page;
}

std::string PagedSuffix(int first_parameter) {
  std::string a = "$" + std::to_string(first_parameter);
  std::string b = "$" + std::to_string(first_parameter + 1);
  std::string c = "$" + std::to_string(first_parameter + 2);
  return " AND (created_at > " + a + " OR (created_at = " + a + " AND id > " + b +
         ")) ORDER BY created_at, id LIMIT " + c;
}

Expected<std::string> TenantRegion(SqlConnection& connection, const TenantId& tenant) {
  Expected<SqlResult> result = connection.Execute(
      "SELECT default_region FROM tenants WHERE id = $1", std::vector<SqlValue>{tenant.value});
  if (!result) return std::unexpected(result.error());
  if (result->rows.empty()) return std::unexpected(NotFound("tenant", tenant.value));
  return result->rows.front().front().value_or("US");
}

Expected<std::string> NormalizeNumber(SqlConnection& connection, const TenantId& tenant,
                                      std::string_view number, std::string_view field) {
  Expected<std::string> region = TenantRegion(connection, tenant);
  if (!region) return std::unexpected(region.error());
  Expected<PhoneNumber> parsed = ParsePhoneNumber(number, *region);
  if (!parsed) {
    return std::unexpected(Error::InvalidArgument("invalid phone number",
                                                  {{std::string(field), parsed.error().message}}));
  }
  return parsed->e164;
}

std::vector<FieldError> ValidateTenant(const Tenant& tenant) {
  std::vector<FieldError> errors;
  if (tenant.id.empty()) errors.push_back({"id", "must not be empty"});
  if (tenant.name.empty()) errors.push_back({"name", "must not be empty"});
  if (tenant.api_key_hash.empty()) errors.push_back({"api_key_hash", "must not be empty"});
  if (!IsSupportedRegion(tenant.default_region)) {
    errors.push_back({"default_region", "'" + tenant.default_region +
                                            "' is not a supported ISO 3166 region code, e.g. US"});
  }
  for (FieldError& error : ValidateCallingRules(tenant.rules)) {
    errors.push_back({"calling_rules." + error.field, std::move(error.message)});
  }
  for (const std::chrono::year_month_day& day : tenant.holidays) {
    if (!day.ok()) errors.push_back({"holidays", "contains an invalid date"});
  }
  return errors;
}

Expected<bool> CampaignExists(SqlConnection& connection, const TenantId& tenant,
                              const CampaignId& campaign) {
  Expected<SqlResult> result =
      connection.Execute("SELECT 1 FROM campaigns WHERE tenant_id = $1 AND id = $2",
                         std::vector<SqlValue>{tenant.value, campaign.value});
  if (!result) return std::unexpected(result.error());
  return !result->rows.empty();
}

Error UnknownCampaign(const CampaignId& campaign) {
  return Error::InvalidArgument("unknown campaign",
                                {{"campaign_id", "no campaign '" + campaign.value + "'"}});
}

std::vector<FieldError> ValidateJob(const DialerJob& job) {
  std::vector<FieldError> errors;
  if (job.priority < kMinPriority || job.priority > kMaxPriority) {
    errors.push_back({"priority", "must be 1 to 10"});
  }
  if (job.attempt_number < 1) errors.push_back({"attempt_number", "must be at least 1"});
  return errors;
}

// campaigns.open_jobs follows every job that is created or closed, inside the same transaction, so
// that "is the campaign's work done" is one row read instead of a scan of its jobs.
Expected<void> AddOpenJobs(SqlConnection& connection, const TenantId& tenant,
                           const CampaignId& campaign, int64_t delta) {
  if (delta == 0) return {};
  return Void(connection.Execute(
      "UPDATE campaigns SET open_jobs = open_jobs + $3 WHERE tenant_id = $1 AND id = $2",
      std::vector<SqlValue>{tenant.value, campaign.value, delta}));
}

// The job compare-and-set, shared by UpdateJob and CompleteAttempt. Returns the job's campaign and
// lead as stored, so callers never trust the caller's copy for them.
Expected<std::pair<CampaignId, LeadId>> CompareAndSetJob(SqlConnection& connection,
                                                         const TenantId& tenant, JobStatus expected,
                                                         const DialerJob& next) {
  if (std::vector<FieldError> errors = ValidateJob(next); !errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid job update", std::move(errors)));
  }
  if (IsFinal(expected)) {
    return std::unexpected(Error::Conflict("job '" + next.job_id.value + "' is " +
                                           std::string(ToString(expected)) +
                                           ": a finished job is never reopened"));
  }
  std::vector<SqlValue> params{
      tenant.value,
      next.job_id.value,
      std::string(ToString(expected)),
      std::string(ToString(next.status)),
      int64_t{next.attempt_number},
      sql_rows::Micros(next.scheduled_at),
      sql_rows::OptionalMicros(next.processed_at),
      sql_rows::OptionalMicros(next.completed_at),
      next.last_outcome ? SqlValue(std::string(ToString(*next.last_outcome)))
                        : SqlValue(std::monostate{}),
      sql_rows::OptionalText(next.last_error),
      next.call_id ? SqlValue(next.call_id->value) : SqlValue(std::monostate{}),
      int64_t{next.priority}};
  Expected<SqlResult> updated = connection.Execute(
      "UPDATE dialer_jobs SET status = $4, attempt_number = $5, scheduled_at = $6, "
      "processed_at = $7, completed_at = $8, last_outcome = $9, last_error = $10, call_id = $11, "
      "priority = $12 WHERE tenant_id = $1 AND id = $2 AND status = $3 "
      "RETURNING campaign_id, lead_id",
      params);
  if (!updated) return std::unexpected(updated.error());
  if (!updated->rows.empty()) {
    const Row& row = updated->rows.front();
    std::pair<CampaignId, LeadId> owners{CampaignId{row[0].value_or("")},
                                         LeadId{row[1].value_or("")}};
    if (IsFinal(next.status)) {
      if (Expected<void> counted = AddOpenJobs(connection, tenant, owners.first, -1); !counted) {
        return std::unexpected(counted.error());
      }
    }
    return owners;
  }
  Expected<SqlResult> current =
      connection.Execute("SELECT status FROM dialer_jobs WHERE tenant_id = $1 AND id = $2",
                         std::vector<SqlValue>{tenant.value, next.job_id.value});
  if (!current) return std::unexpected(current.error());
  if (current->rows.empty()) return std::unexpected(NotFound("job", next.job_id.value));
  return std::unexpected(Error::Conflict("job '" + next.job_id.value + "' is " +
                                         current->rows.front().front().value_or("?") + ", not " +
                                         std::string(ToString(expected))));
}

Expected<void> ApplyLeadAttempt(SqlConnection& connection, const TenantId& tenant,
                                const LeadId& lead, const LeadAttempt& attempt) {
  Expected<SqlResult> updated = connection.Execute(
      "UPDATE leads SET call_attempts = call_attempts + 1, last_called_at = $3, "
      "last_call_result = $4, status = $5 WHERE tenant_id = $1 AND id = $2",
      std::vector<SqlValue>{tenant.value, lead.value, sql_rows::Micros(attempt.called_at),
                            attempt.result, std::string(ToString(attempt.status))});
  if (!updated) return std::unexpected(updated.error());
  if (updated->affected == 0) return std::unexpected(NotFound("lead", lead.value));
  return {};
}

Expected<void> ApplyCounters(SqlConnection& connection, const TenantId& tenant,
                             const CampaignId& campaign, const CampaignCounterDelta& delta) {
  Expected<SqlResult> updated = connection.Execute(
      "UPDATE campaigns SET total_leads = total_leads + $3, calls_completed = calls_completed + "
      "$4, "
      "calls_failed = calls_failed + $5, goals_achieved = goals_achieved + $6 "
      "WHERE tenant_id = $1 AND id = $2",
      std::vector<SqlValue>{tenant.value, campaign.value, int64_t{delta.total_leads},
                            int64_t{delta.calls_completed}, int64_t{delta.calls_failed},
                            int64_t{delta.goals_achieved}});
  if (!updated) return std::unexpected(updated.error());
  if (updated->affected == 0) return std::unexpected(NotFound("campaign", campaign.value));
  return {};
}

// Erasure keeps a campaign's calls (or one lead's: `lead` given) for the statistics, but takes out
// what identifies the person: the number called, the provider's event payloads (which repeat the
// number) and what was said. Returns how many calls were kept. Runs inside the caller's
// transaction.
Expected<int> AnonymiseCalls(SqlConnection& connection, const TenantId& tenant,
                             const CampaignId& campaign, const std::optional<LeadId>& lead) {
  std::vector<SqlValue> params{tenant.value, campaign.value};
  std::string calls = "tenant_id = $1 AND campaign_id = $2";
  if (lead) {
    params.emplace_back(lead->value);
    calls += " AND lead_id = $3";
  }
  const std::string call_ids = "SELECT id FROM calls WHERE " + calls;
  if (Expected<SqlResult> events = connection.Execute(
          "UPDATE call_events SET payload = NULL WHERE call_id IN (" + call_ids + ")", params);
      !events) {
    return std::unexpected(events.error());
  }
  if (Expected<SqlResult> turns = connection.Execute(
          "UPDATE conversation_turns SET text = '' WHERE call_id IN (" + call_ids + ")", params);
      !turns) {
    return std::unexpected(turns.error());
  }
  Expected<SqlResult> kept =
      connection.Execute("UPDATE calls SET to_number = '' WHERE " + calls, params);
  if (!kept) return std::unexpected(kept.error());
  return static_cast<int>(kept->affected);
}

// How many of the campaign's jobs (or one lead's) are processing: a call in flight, which erasure
// waits for. Read after the caller changed the other jobs, so that on PostgreSQL a worker's
// concurrent move to processing either committed before (and is counted here) or waits on those
// rows and then finds them changed.
Expected<int64_t> ProcessingJobs(SqlConnection& connection, const TenantId& tenant,
                                 const CampaignId& campaign, const std::optional<LeadId>& lead) {
  std::vector<SqlValue> params{tenant.value, campaign.value};
  std::string sql =
      "SELECT COUNT(*) FROM dialer_jobs WHERE tenant_id = $1 AND campaign_id = $2 "
      "AND status = 'processing'";
  if (lead) {
    params.emplace_back(lead->value);
    sql += " AND lead_id = $3";
  }
  Expected<SqlResult> counted = connection.Execute(sql, params);
  if (!counted) return std::unexpected(counted.error());
  return std::stoll(counted->rows.at(0).at(0).value_or("0"));
}

// Records a provider event and moves its call forward; shared by RecordCallEvent and
// CompleteAttempt. Runs inside the caller's transaction.
Expected<CallEventResult> ApplyCallEvent(SqlConnection& connection, const TenantId& tenant,
                                         const CallEvent& event) {
  Expected<CallRecord> call = One<CallRecord>(
      connection.Execute(Concat({"SELECT ", sql_rows::kCallColumns,
                                 " FROM calls WHERE tenant_id = $1 AND provider_call_id = $2",
                                 ForUpdate(connection)}),
                         std::vector<SqlValue>{tenant.value, event.provider_call_id}),
      sql_rows::ReadCall, NotFound("call with provider call id", event.provider_call_id));
  if (!call) return std::unexpected(call.error());

  Expected<SqlResult> inserted =
      connection.Execute(Concat({"INSERT INTO call_events (", sql_rows::kCallEventColumns,
                                 ") VALUES (", sql_rows::Placeholders(sql_rows::kCallEventColumns),
                                 ") ON CONFLICT (provider_call_id, status) DO NOTHING"}),
                         sql_rows::CallEventRow(event, tenant, call->id));
  if (!inserted) return std::unexpected(inserted.error());
  CallEventResult result{.duplicate = inserted->affected == 0, .call = *call};
  if (result.duplicate || !CanAdvance(call->status, event.status)) return result;

  CallRecord& next = result.call;
  next.status = event.status;
  if (event.outcome) next.outcome = event.outcome;
  if (event.status == CallStatus::kAnswered) next.answered_at = event.occurred_at;
  if (event.status == CallStatus::kCompleted) {
    next.ended_at = event.occurred_at;
    next.duration_seconds = next.answered_at
                                ? static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                                       event.occurred_at - *next.answered_at)
                                                       .count())
                                : 0;
  }
  Expected<SqlResult> updated = connection.Execute(
      "UPDATE calls SET status = $2, outcome = $3, answered_at = $4, ended_at = $5, "
      "duration_seconds = $6 WHERE id = $1",
      std::vector<SqlValue>{next.id.value, std::string(ToString(next.status)),
                            next.outcome ? SqlValue(std::string(ToString(*next.outcome)))
                                         : SqlValue(std::monostate{}),
                            sql_rows::OptionalMicros(next.answered_at),
                            sql_rows::OptionalMicros(next.ended_at),
                            next.duration_seconds ? SqlValue(int64_t{*next.duration_seconds})
                                                  : SqlValue(std::monostate{})});
  if (!updated) return std::unexpected(updated.error());
  return result;
}

// Validates one imported lead; returns its number in E.164, or nullopt after adding its errors,
// each named "leads[i].<field>".
std::optional<std::string> ValidateImportedLead(const Lead& lead, size_t index,
                                                const std::string& region,
                                                std::vector<FieldError>& errors) {
  Expected<std::string> number = ValidateLead(lead, region);
  if (number) return std::move(*number);
  for (FieldError& error : number.error().fields) {
    errors.push_back(
        {"leads[" + std::to_string(index) + "]." + error.field, std::move(error.message)});
  }
  return std::nullopt;
}

size_t RowOfField(const std::string& field) {
  return std::stoul(field.substr(6, field.find(']') - 6));  // "leads[12].x" -> 12
}

}  // namespace

SqlStore::SqlStore(std::unique_ptr<ConnectionPool> pool, Clock& clock, IdGenerator& ids)
    : pool_(std::move(pool)), clock_(clock), ids_(ids) {}

// ---- tenants ----

Expected<void> SqlStore::CreateTenant(const Tenant& tenant) {
  if (std::vector<FieldError> errors = ValidateTenant(tenant); !errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid tenant", std::move(errors)));
  }
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return Void((*connection)
                  ->Execute(Concat({"INSERT INTO tenants (", sql_rows::kTenantColumns, ") VALUES (",
                                    sql_rows::Placeholders(sql_rows::kTenantColumns), ")"}),
                            sql_rows::TenantRow(tenant)));
}

Expected<Tenant> SqlStore::GetTenant(const TenantId& tenant) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<Tenant>(
      (*connection)
          ->Execute(Concat({"SELECT ", sql_rows::kTenantColumns, " FROM tenants WHERE id = $1"}),
                    std::vector<SqlValue>{tenant.value}),
      sql_rows::ReadTenant, NotFound("tenant", tenant.value));
}

Expected<Tenant> SqlStore::FindTenantByApiKeyHash(const std::string& api_key_hash) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<Tenant>((*connection)
                         ->Execute(Concat({"SELECT ", sql_rows::kTenantColumns,
                                           " FROM tenants WHERE api_key_hash = $1"}),
                                   std::vector<SqlValue>{api_key_hash}),
                     sql_rows::ReadTenant, Error::NotFound("no tenant has this API key"));
}

Expected<void> SqlStore::UpdateTenant(const Tenant& tenant) {
  if (std::vector<FieldError> errors = ValidateTenant(tenant); !errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid tenant", std::move(errors)));
  }
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<SqlResult> updated = (*connection)
                                    ->Execute(
                                        "UPDATE tenants SET name = $2, api_key_hash = $3, "
                                        "calling_rules = $4, default_region = $5, "
                                        "holidays = $6 WHERE id = $1",
                                        sql_rows::TenantRow(tenant));
  if (!updated) return std::unexpected(updated.error());
  if (updated->affected == 0) return std::unexpected(NotFound("tenant", tenant.id.value));
  return {};
}

// ---- campaigns ----

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

// ---- leads ----

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

// ---- dialer jobs ----

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

Expected<void> SqlStore::UpdateJob(const TenantId& tenant, JobStatus expected,
                                   const DialerJob& next) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  if (next.status != JobStatus::kSkipped && !IsFinal(next.status)) {
    Expected<std::pair<CampaignId, LeadId>> updated =
        CompareAndSetJob(connection, tenant, expected, next);
    if (!updated) return std::unexpected(updated.error());
    return {};
  }
  return InTransaction(connection, [&]() -> Expected<void> {
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

// ---- calls ----

Expected<void> SqlStore::RecordCall(const CallRecord& call) {
  std::vector<FieldError> errors;
  if (call.id.empty()) errors.push_back({"id", "must not be empty"});
  if (call.provider_call_id.empty()) errors.push_back({"provider_call_id", "must not be empty"});
  if (!errors.empty()) return std::unexpected(Error::InvalidArgument("invalid call", errors));
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  CallRecord stored = call;
  Expected<std::string> number =
      NormalizeNumber(connection, call.tenant_id, call.to_number, "to_number");
  if (!number) return std::unexpected(number.error());
  stored.to_number = *number;
  if (call.caller_id) {
    Expected<std::string> caller =
        NormalizeNumber(connection, call.tenant_id, *call.caller_id, "caller_id");
    if (!caller) return std::unexpected(caller.error());
    stored.caller_id = *caller;
  }
  // The job must be this tenant's, and the call must match it.
  Expected<SqlResult> job = connection.Execute(
      "SELECT campaign_id, lead_id FROM dialer_jobs WHERE tenant_id = $1 AND id = $2",
      std::vector<SqlValue>{call.tenant_id.value, call.job_id.value});
  if (!job) return std::unexpected(job.error());
  if (job->rows.empty()) {
    return std::unexpected(Error::InvalidArgument(
        "unknown job", {{"job_id", "no job '" + call.job_id.value + "' for this tenant"}}));
  }
  stored.campaign_id.value = job->rows.front()[0].value_or("");
  stored.lead_id.value = job->rows.front()[1].value_or("");
  return Void(
      connection.Execute(Concat({"INSERT INTO calls (", sql_rows::kCallColumns, ") VALUES (",
                                 sql_rows::Placeholders(sql_rows::kCallColumns), ")"}),
                         sql_rows::CallRow(stored)));
}

Expected<CallRecord> SqlStore::GetCall(const TenantId& tenant, const CallId& call) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<CallRecord>((*connection)
                             ->Execute(Concat({"SELECT ", sql_rows::kCallColumns,
                                               " FROM calls WHERE tenant_id = $1 AND id = $2"}),
                                       std::vector<SqlValue>{tenant.value, call.value}),
                         sql_rows::ReadCall, NotFound("call", call.value));
}

Expected<CallRecord> SqlStore::FindCallByProviderCallId(const std::string& provider_call_id) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<CallRecord>((*connection)
                             ->Execute(Concat({"SELECT ", sql_rows::kCallColumns,
                                               " FROM calls WHERE provider_call_id = $1"}),
                                       std::vector<SqlValue>{provider_call_id}),
                         sql_rows::ReadCall,
                         NotFound("call with provider call id", provider_call_id));
}

Expected<Page<CallRecord>> SqlStore::ListCalls(const TenantId& tenant,
                                               const std::optional<CampaignId>& campaign,
                                               PageRequest page) {
  Expected<Cursor> cursor = ParseCursor(page);
  if (!cursor) return std::unexpected(cursor.error());
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  std::string sql = Concat({"SELECT ", sql_rows::kCallColumns, " FROM calls WHERE tenant_id = $1"});
  std::vector<SqlValue> params{tenant.value};
  if (campaign) {
    sql += " AND campaign_id = $2";
    params.push_back(campaign->value);
  }
  sql += PagedSuffix(static_cast<int>(params.size()) + 1);
  params.insert(params.end(), {cursor->micros, cursor->id, int64_t{page.limit + 1}});
  Expected<SqlResult> result = (*connection)->Execute(sql, params);
  Expected<std::vector<CallRecord>> items = All<CallRecord>(result, sql_rows::ReadCall);
  if (!items) return std::unexpected(items.error());
  return MakePage(std::move(*items), page.limit, [](const CallRecord& c) {
    return std::pair{c.created_at, c.id.value};
  });
}

Expected<CallEventResult> SqlStore::RecordCallEvent(const TenantId& tenant,
                                                    const CallEvent& event) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&] { return ApplyCallEvent(connection, tenant, event); });
}

Expected<std::vector<CallEvent>> SqlStore::ListCallEvents(const TenantId& tenant,
                                                          const CallId& call) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return All<CallEvent>(
      (*connection)
          ->Execute(Concat({"SELECT ", sql_rows::kCallEventColumns,
                            " FROM call_events WHERE tenant_id = $1 AND call_id = $2 "
                            "ORDER BY occurred_at, provider_call_id, status"}),
                    std::vector<SqlValue>{tenant.value, call.value}),
      sql_rows::ReadCallEvent);
}

Expected<NumberCallHistory> SqlStore::CallsToNumberSince(
    const TenantId& tenant, const std::string& phone_number, Instant since,
    const std::optional<CampaignId>& campaign) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<std::string> number = NormalizeNumber(connection, tenant, phone_number, "phone_number");
  if (!number) return std::unexpected(number.error());
  std::vector<SqlValue> params{tenant.value, *number, sql_rows::Micros(since)};
  if (campaign) params.push_back(campaign->value);
  Expected<SqlResult> result = connection.Execute(
      Concat({"SELECT created_at FROM calls WHERE tenant_id = $1 AND to_number = $2 AND "
              "created_at >= $3",
              campaign ? " AND campaign_id = $4" : "", " ORDER BY created_at"}),
      params);
  if (!result) return std::unexpected(result.error());
  NumberCallHistory history;
  for (const Row& row : result->rows) {
    history.call_times.push_back(sql_rows::FromMicros(std::stoll(row[0].value_or("0"))));
  }
  history.count = static_cast<int>(history.call_times.size());
  if (!history.call_times.empty()) history.last_call_at = history.call_times.back();
  return history;
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

Expected<CompletionResult> SqlStore::CompleteAttempt(const TenantId& tenant,
                                                     const AttemptCompletion& completion) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&]() -> Expected<CompletionResult> {
    for (const CallEvent& progress : completion.progress_events) {
      Expected<CallEventResult> recorded = ApplyCallEvent(connection, tenant, progress);
      if (!recorded) return std::unexpected(recorded.error());
    }
    if (completion.event) {
      Expected<CallEventResult> recorded = ApplyCallEvent(connection, tenant, *completion.event);
      if (!recorded) return std::unexpected(recorded.error());
      if (recorded->duplicate) return CompletionResult{.duplicate_event = true};
    }
    Expected<std::pair<CampaignId, LeadId>> job =
        CompareAndSetJob(connection, tenant, completion.expected_job_status, completion.job);
    if (!job) return std::unexpected(job.error());
    if (completion.lead_attempt) {
      Expected<void> lead =
          ApplyLeadAttempt(connection, tenant, job->second, *completion.lead_attempt);
      if (!lead) return std::unexpected(lead.error());
    }
    Expected<void> counted = ApplyCounters(connection, tenant, job->first, completion.counters);
    if (!counted) return std::unexpected(counted.error());
    return CompletionResult{};
  });
}

// ---- Do-Not-Call ----

Expected<std::string> SqlStore::AddDoNotCall(const TenantId& tenant,
                                             const std::string& phone_number, Instant at) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<std::string> number = NormalizeNumber(connection, tenant, phone_number, "phone_number");
  if (!number) return std::unexpected(number.error());
  Expected<SqlResult> inserted = connection.Execute(
      "INSERT INTO do_not_call (tenant_id, phone_number, added_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (tenant_id, phone_number) DO NOTHING",
      std::vector<SqlValue>{tenant.value, *number, sql_rows::Micros(at)});
  if (!inserted) return std::unexpected(inserted.error());
  return *number;
}

Expected<void> SqlStore::RemoveDoNotCall(const TenantId& tenant, const std::string& phone_number) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<std::string> number = NormalizeNumber(connection, tenant, phone_number, "phone_number");
  if (!number) return std::unexpected(number.error());
  Expected<SqlResult> removed =
      connection.Execute("DELETE FROM do_not_call WHERE tenant_id = $1 AND phone_number = $2",
                         std::vector<SqlValue>{tenant.value, *number});
  if (!removed) return std::unexpected(removed.error());
  if (removed->affected == 0) {
    return std::unexpected(Error::NotFound(*number + " is not on the Do-Not-Call list"));
  }
  return {};
}

Expected<bool> SqlStore::IsDoNotCall(const TenantId& tenant, const std::string& phone_number) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<std::string> number = NormalizeNumber(connection, tenant, phone_number, "phone_number");
  if (!number) return std::unexpected(number.error());
  Expected<SqlResult> found =
      connection.Execute("SELECT 1 FROM do_not_call WHERE tenant_id = $1 AND phone_number = $2",
                         std::vector<SqlValue>{tenant.value, *number});
  if (!found) return std::unexpected(found.error());
  return !found->rows.empty();
}

Expected<Page<DoNotCallEntry>> SqlStore::ListDoNotCall(const TenantId& tenant, PageRequest page) {
  // Numbers page in number order over the (tenant_id, phone_number) key, as leads do; the cursor
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
  Expected<SqlResult> result =
      (*connection)
          ->Execute(
              "SELECT phone_number, added_at FROM do_not_call WHERE "
              "tenant_id = $1 AND phone_number > $2 "
              "ORDER BY phone_number LIMIT $3",
              std::vector<SqlValue>{tenant.value, page.after, int64_t{page.limit + 1}});
  if (!result) return std::unexpected(result.error());
  Page<DoNotCallEntry> entries;
  for (const Row& row : result->rows) {
    entries.items.push_back({.phone_number = row[0].value_or(""),
                             .added_at = sql_rows::FromMicros(std::stoll(row[1].value_or("0")))});
  }
  if (entries.items.size() > static_cast<size_t>(page.limit)) {
    entries.items.resize(static_cast<size_t>(page.limit));
    entries.next = entries.items.back().phone_number;
  }
  return entries;
}

// ---- conversation turns ----

Expected<void> SqlStore::AppendConversationTurn(const TenantId& tenant,
                                                const ConversationTurn& turn) {
  std::vector<FieldError> errors;
  if (turn.turn_index < 0) errors.push_back({"turn_index", "must not be negative"});
  for (auto [name, value] : {std::pair{"stt_latency_ms", turn.stt_latency_ms},
                             std::pair{"llm_latency_ms", turn.llm_latency_ms},
                             std::pair{"tts_latency_ms", turn.tts_latency_ms}}) {
    if (value && *value < 0) errors.push_back({name, "must not be negative"});
  }
  if (!errors.empty()) return std::unexpected(Error::InvalidArgument("invalid turn", errors));
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<SqlResult> call =
      connection.Execute("SELECT 1 FROM calls WHERE tenant_id = $1 AND id = $2",
                         std::vector<SqlValue>{tenant.value, turn.call_id.value});
  if (!call) return std::unexpected(call.error());
  if (call->rows.empty()) {
    return std::unexpected(Error::InvalidArgument(
        "unknown call", {{"call_id", "no call '" + turn.call_id.value + "' for this tenant"}}));
  }
  return Void(connection.Execute(
      Concat({"INSERT INTO conversation_turns (", sql_rows::kTurnColumns, ") VALUES (",
              sql_rows::Placeholders(sql_rows::kTurnColumns), ")"}),
      sql_rows::TurnRow(turn, tenant)));
}

Expected<std::vector<ConversationTurn>> SqlStore::ListConversationTurns(const TenantId& tenant,
                                                                        const CallId& call) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return All<ConversationTurn>(
      (*connection)
          ->Execute(Concat({"SELECT ", sql_rows::kTurnColumns,
                            " FROM conversation_turns WHERE tenant_id = $1 AND call_id = $2 "
                            "ORDER BY turn_index"}),
                    std::vector<SqlValue>{tenant.value, call.value}),
      sql_rows::ReadTurn);
}

// --- The embedded queues' shared log ---

namespace {

Expected<QueueEvent> ReadQueueEvent(const Row& row) {
  static constexpr std::array kKinds{QueueEventKind::kEnqueued, QueueEventKind::kPaused,
                                     QueueEventKind::kResumed, QueueEventKind::kCancelled};
  QueueEvent event{.sequence = std::stoll(row.at(0).value_or("0")),
                   .tenant_id = TenantId{row.at(2).value_or("")},
                   .campaign_id = CampaignId{row.at(3).value_or("")},
                   .origin = row.at(4).value_or(""),
                   .at = Instant{std::chrono::microseconds{std::stoll(row.at(5).value_or("0"))}}};
  const std::string kind = row.at(1).value_or("");
  auto found = std::ranges::find_if(kKinds, [&](QueueEventKind k) { return ToString(k) == kind; });
  if (found == kKinds.end()) {
    return std::unexpected(Error::Internal("queue event of unknown kind '" + kind + "'"));
  }
  event.kind = *found;
  return event;
}

}  // namespace

Expected<int64_t> SqlStore::AppendQueueEvent(const QueueEvent& event) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  Expected<SqlResult> inserted = (*lease)->Execute(
      "INSERT INTO queue_events (kind, tenant_id, campaign_id, origin, at)"
      " VALUES ($1, $2, $3, $4, $5) RETURNING sequence",
      std::vector<SqlValue>{std::string(ToString(event.kind)), event.tenant_id.value,
                            event.campaign_id.value, event.origin,
                            int64_t{event.at.time_since_epoch().count()}});
  if (!inserted) return std::unexpected(inserted.error());
  if (inserted->rows.empty()) return std::unexpected(Error::Internal("no queue event sequence"));
  return std::stoll(inserted->rows.front().at(0).value_or("0"));
}

Expected<std::vector<QueueEvent>> SqlStore::ListQueueEvents(int64_t after_sequence, int limit) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  return All((*lease)->Execute("SELECT sequence, kind, tenant_id, campaign_id, origin, at"
                               " FROM queue_events WHERE sequence > $1 ORDER BY sequence LIMIT $2",
                               std::vector<SqlValue>{after_sequence, int64_t{limit}}),
             ReadQueueEvent);
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
