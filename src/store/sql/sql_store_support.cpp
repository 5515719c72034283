#include "store/sql/sql_store_support.h"

#include <charconv>

#include "domain/phone_number.h"
#include "store/sql/sql_rows.h"

namespace talky::sql_support {

std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) text += part;
  return text;
}

std::string_view ForUpdate(const SqlConnection& connection) {
  return connection.dialect() == SqlDialect::kPostgres ? " FOR UPDATE" : "";
}

Expected<void> Void(const Expected<SqlResult>& result) {
  if (!result) return std::unexpected(result.error());
  return {};
}

Error NotFound(std::string_view what, std::string_view id) {
  return Error::NotFound(std::string(what) + " '" + std::string(id) + "' not found");
}

Expected<Cursor> ParseCursor(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageSize) {
    return std::unexpected(Error::InvalidArgument(
        "invalid page", {{"limit", "must be 1 to " + std::to_string(kMaxPageSize)}}));
  }
  Cursor cursor;
  if (page.after.empty()) return cursor;
  const size_t colon = page.after.find(':');
  const auto bad = [] {
    return std::unexpected(Error::InvalidArgument(
        "invalid page", {{"after", "is not a cursor from a previous page"}}));
  };
  if (colon == std::string::npos) return bad();
  auto [end, error] = std::from_chars(page.after.data(), page.after.data() + colon, cursor.micros);
  if (error != std::errc() || end != page.after.data() + colon) return bad();
  cursor.id = page.after.substr(colon + 1);
  return cursor;
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
  return NormalizeNumberIn(*region, number, field);
}

Expected<std::string> NormalizeNumberIn(const std::string& region, std::string_view number,
                                        std::string_view field) {
  Expected<PhoneNumber> parsed = ParsePhoneNumber(number, region);
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

Expected<void> AddOpenJobs(SqlConnection& connection, const TenantId& tenant,
                           const CampaignId& campaign, int64_t delta) {
  if (delta == 0) return {};
  return Void(connection.Execute(
      "UPDATE campaigns SET open_jobs = open_jobs + $3 WHERE tenant_id = $1 AND id = $2",
      std::vector<SqlValue>{tenant.value, campaign.value, delta}));
}

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
  if (Expected<SqlResult> recordings = connection.Execute(
          "DELETE FROM call_recordings WHERE call_id IN (" + call_ids + ")", params);
      !recordings) {
    return std::unexpected(recordings.error());
  }
  Expected<SqlResult> kept =
      connection.Execute("UPDATE calls SET to_number = '' WHERE " + calls, params);
  if (!kept) return std::unexpected(kept.error());
  return static_cast<int>(kept->affected);
}

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

// Machine detection's verdict (`machine`: voicemail) comes after the answer with the answer's
// status, so it repeats (provider call id, answered); its outcome still counts while the call has
// none and is not over. Its body is not stored (the answer's row holds that key).
namespace {
bool IsVerdictAfterTheAnswer(const CallRecord& call, const CallEvent& event) {
  return event.outcome && !call.outcome && event.status == CallStatus::kAnswered &&
         call.status == CallStatus::kAnswered;
}

// The call of a provider call id, its row locked until the transaction ends.
Expected<CallRecord> ReadCallForEvent(SqlConnection& connection, const TenantId& tenant,
                                      const std::string& provider_call_id) {
  return One<CallRecord>(
      connection.Execute(Concat({"SELECT ", sql_rows::kCallColumns,
                                 " FROM calls WHERE tenant_id = $1 AND provider_call_id = $2",
                                 ForUpdate(connection)}),
                         std::vector<SqlValue>{tenant.value, provider_call_id}),
      sql_rows::ReadCall, NotFound("call with provider call id", provider_call_id));
}

Expected<void> WriteCallProgress(SqlConnection& connection, const CallRecord& call) {
  return Void(connection.Execute(
      "UPDATE calls SET status = $2, outcome = $3, answered_at = $4, ended_at = $5, "
      "duration_seconds = $6 WHERE id = $1",
      std::vector<SqlValue>{call.id.value, std::string(ToString(call.status)),
                            call.outcome ? SqlValue(std::string(ToString(*call.outcome)))
                                         : SqlValue(std::monostate{}),
                            sql_rows::OptionalMicros(call.answered_at),
                            sql_rows::OptionalMicros(call.ended_at),
                            call.duration_seconds ? SqlValue(int64_t{*call.duration_seconds})
                                                  : SqlValue(std::monostate{})}));
}

// Moves `call` by `event` in memory; false when the event changes nothing.
bool AdvanceCall(CallRecord& call, const CallEvent& event, bool duplicate) {
  if (duplicate) {
    if (!IsVerdictAfterTheAnswer(call, event)) return false;
    call.outcome = event.outcome;
    return true;
  }
  if (!CanAdvance(call.status, event.status)) return false;
  call.status = event.status;
  if (event.outcome) call.outcome = event.outcome;
  if (event.status == CallStatus::kAnswered) call.answered_at = event.occurred_at;
  if (event.status == CallStatus::kCompleted) {
    call.ended_at = event.occurred_at;
    call.duration_seconds = call.answered_at
                                ? static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                                       event.occurred_at - *call.answered_at)
                                                       .count())
                                : 0;
  }
  return true;
}

}  // namespace

Expected<std::vector<CallEventResult>> ApplyCallEvents(SqlConnection& connection,
                                                       const TenantId& tenant,
                                                       std::span<const CallEvent> events) {
  std::vector<CallEventResult> results;
  results.reserve(events.size());
  std::optional<CallRecord> call;  // the row as this transaction leaves it
  bool changed = false;
  auto write_changes = [&]() -> Expected<void> {
    if (!changed) return {};
    changed = false;
    return WriteCallProgress(connection, *call);
  };
  for (const CallEvent& event : events) {
    if (!call || call->provider_call_id != event.provider_call_id) {
      if (Expected<void> written = write_changes(); !written) {
        return std::unexpected(written.error());
      }
      Expected<CallRecord> read = ReadCallForEvent(connection, tenant, event.provider_call_id);
      if (!read) return std::unexpected(read.error());
      call = std::move(*read);
    }
    Expected<SqlResult> inserted = connection.Execute(
        Concat({"INSERT INTO call_events (", sql_rows::kCallEventColumns, ") VALUES (",
                sql_rows::Placeholders(sql_rows::kCallEventColumns),
                ") ON CONFLICT (provider_call_id, status) DO NOTHING"}),
        sql_rows::CallEventRow(event, tenant, call->id));
    if (!inserted) return std::unexpected(inserted.error());
    const bool duplicate = inserted->affected == 0;
    const bool advanced = AdvanceCall(*call, event, duplicate);
    changed = changed || advanced;
    // A verdict that counts is news, though its row repeats the answer's key.
    results.push_back({.duplicate = duplicate && !advanced, .call = *call});
  }
  if (Expected<void> written = write_changes(); !written) return std::unexpected(written.error());
  return results;
}

Expected<CallEventResult> ApplyCallEvent(SqlConnection& connection, const TenantId& tenant,
                                         const CallEvent& event) {
  Expected<std::vector<CallEventResult>> applied =
      ApplyCallEvents(connection, tenant, std::span(&event, 1));
  if (!applied) return std::unexpected(applied.error());
  return std::move(applied->front());
}

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

}  // namespace talky::sql_support
