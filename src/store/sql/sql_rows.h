// How each record maps to a table row, for both engines: the column lists, a row's parameter values
// in column order, and the record read back from a result row (values arrive as text). Instants
// are BIGINT microseconds since the epoch; JSON is text; enums are their specification strings.
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/call_record.h"
#include "domain/campaign.h"
#include "domain/dialer_job.h"
#include "domain/error.h"
#include "domain/lead.h"
#include "domain/tenant.h"
#include "store/sql/sql_connection.h"

namespace talky::sql_rows {

using Row = std::vector<std::optional<std::string>>;

// Comma-separated column lists, in the order of the row functions below.
extern const std::string_view kTenantColumns;
extern const std::string_view kCampaignColumns;
extern const std::string_view kLeadColumns;
extern const std::string_view kJobColumns;
extern const std::string_view kCallColumns;
extern const std::string_view kCallEventColumns;
extern const std::string_view kTurnColumns;

// The list split into names (for BulkInsert).
std::vector<std::string> ColumnNames(std::string_view columns);
// "$1, $2, ... $n" for a column list, starting at `first`.
std::string Placeholders(std::string_view columns, int first = 1);

SqlValue Micros(Instant instant);
SqlValue OptionalMicros(const std::optional<Instant>& instant);
SqlValue OptionalText(const std::optional<std::string>& text);
SqlValue JsonText(const nlohmann::json& json);  // null JSON is SQL NULL
Instant FromMicros(int64_t micros);

std::vector<SqlValue> TenantRow(const Tenant& tenant);
std::vector<SqlValue> CampaignRow(const Campaign& campaign);
std::vector<SqlValue> LeadRow(const Lead& lead);
// The row of an imported lead: its contact fields with the store's id, owners, number and time.
std::vector<SqlValue> LeadRow(const Lead& lead, const LeadId& id, const TenantId& tenant,
                              const CampaignId& campaign, const std::string& e164,
                              Instant created_at);
std::vector<SqlValue> JobRow(const DialerJob& job);
std::vector<SqlValue> CallRow(const CallRecord& call);
std::vector<SqlValue> CallEventRow(const CallEvent& event, const TenantId& tenant,
                                   const CallId& call);
std::vector<SqlValue> TurnRow(const ConversationTurn& turn, const TenantId& tenant);

// A stored row that does not decode is an Internal error (the database was changed behind us).
Expected<Tenant> ReadTenant(const Row& row);
Expected<Campaign> ReadCampaign(const Row& row);
Expected<Lead> ReadLead(const Row& row);
Expected<DialerJob> ReadJob(const Row& row);
Expected<CallRecord> ReadCall(const Row& row);
Expected<CallEvent> ReadCallEvent(const Row& row);
Expected<ConversationTurn> ReadTurn(const Row& row);

std::string FormatDate(std::chrono::year_month_day date);
std::optional<std::chrono::year_month_day> ParseDate(std::string_view text);

}  // namespace talky::sql_rows
