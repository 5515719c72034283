// SqlStore, one role: calls and their provider events (store/call_store.h).

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

namespace {

// RecordCall's checks and insert on an open connection. InvalidArgument (nothing written) for an
// invalid call or a job that is not the tenant's.
Expected<void> InsertCallRecord(SqlConnection& connection, const CallRecord& call) {
  std::vector<FieldError> errors;
  if (call.id.empty()) errors.push_back({"id", "must not be empty"});
  if (call.provider_call_id.empty()) errors.push_back({"provider_call_id", "must not be empty"});
  if (!errors.empty()) return std::unexpected(Error::InvalidArgument("invalid call", errors));
  CallRecord stored = call;
  Expected<std::string> region = TenantRegion(connection, call.tenant_id);
  if (!region) return std::unexpected(region.error());
  Expected<std::string> number = NormalizeNumberIn(*region, call.to_number, "to_number");
  if (!number) return std::unexpected(number.error());
  stored.to_number = *number;
  if (call.caller_id) {
    Expected<std::string> caller = NormalizeNumberIn(*region, *call.caller_id, "caller_id");
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

}  // namespace

Expected<void> SqlStore::RecordCall(const CallRecord& call) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  return InsertCallRecord(**lease, call);
}

Expected<std::vector<Expected<void>>> SqlStore::RecordCalls(const std::vector<CallRecord>& calls) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&] {
    return ApplyEach(
        calls, [&](const CallRecord& call) { return InsertCallRecord(connection, call); },
        // Only the checks fail alone (before anything of the call is written).
        [](const Error& error) {
          return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kNotFound;
        });
  });
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

Expected<CallRecord> SqlStore::FindCall(const CallId& call) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return One<CallRecord>(
      (*connection)
          ->Execute(Concat({"SELECT ", sql_rows::kCallColumns, " FROM calls WHERE id = $1"}),
                    std::vector<SqlValue>{call.value}),
      sql_rows::ReadCall, NotFound("call", call.value));
}

Expected<Page<CallRecord>> SqlStore::ListCalls(const TenantId& tenant, const CallFilter& filter,
                                               PageRequest page) {
  Expected<Cursor> cursor = ParseCursor(page);
  if (!cursor) return std::unexpected(cursor.error());
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  std::string sql = Concat({"SELECT ", sql_rows::kCallColumns, " FROM calls WHERE tenant_id = $1"});
  std::vector<SqlValue> params{tenant.value};
  auto where = [&](std::string_view condition, SqlValue value) {
    params.push_back(std::move(value));
    sql += Concat({" AND ", condition, " $", std::to_string(params.size())});
  };
  if (filter.campaign) where("campaign_id =", filter.campaign->value);
  if (filter.outcome) where("outcome =", std::string(ToString(*filter.outcome)));
  if (filter.since) where("created_at >=", sql_rows::Micros(*filter.since));
  if (filter.until) where("created_at <", sql_rows::Micros(*filter.until));
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

Expected<std::vector<Expected<CallEventResult>>> SqlStore::RecordCallEvents(
    const std::vector<TenantCallEvent>& events) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  return InTransaction(connection, [&] {
    return ApplyEach(
        events,
        [&](const TenantCallEvent& item) {
          return ApplyCallEvent(connection, item.tenant, item.event);
        },
        // An unknown call is found out before anything of the event is written.
        [](const Error& error) { return error.code == ErrorCode::kNotFound; });
  });
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

}  // namespace talky
