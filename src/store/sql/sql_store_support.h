// What the SqlStore's role files (sql_tenants.cpp, sql_campaigns.cpp, ...) share: transactions,
// paging, row reading, tenant and number checks, and the pieces of the job, lead, campaign and
// call writes that several roles make (the completion's transaction touches all of them). Internal
// to src/store/sql/.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/sql/sql_connection.h"
#include "store/sql/sql_rows.h"
#include "store/store.h"

namespace talky::sql_support {

using sql_rows::Row;

// Walked along the (created_at, id) index; final jobs are skipped, not indexed, so that a status
// change touches no index.
inline constexpr std::string_view kOpenJobCondition =
    "status NOT IN ('completed', 'failed', 'goal_achieved', 'non_retryable')";

std::string Concat(std::initializer_list<std::string_view> parts);

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

// A batch's items applied one by one inside the caller's transaction: one result each, in order.
// An item whose error `fails_alone` accepts (found before anything of that item was written)
// keeps its error and the batch goes on; any other error ends the batch with it, and
// InTransaction rolls everything back.
template <typename Item, typename Apply, typename FailsAlone>
auto ApplyEach(const std::vector<Item>& items, Apply&& apply, FailsAlone&& fails_alone)
    -> Expected<std::vector<std::invoke_result_t<Apply&, const Item&>>> {
  std::vector<std::invoke_result_t<Apply&, const Item&>> results;
  results.reserve(items.size());
  for (const Item& item : items) {
    auto result = apply(item);
    if (!result && !fails_alone(result.error())) return std::unexpected(result.error());
    results.push_back(std::move(result));
  }
  return results;
}

// Locks the rows a transaction reads before changing them. SQLite needs nothing: BEGIN IMMEDIATE
// already holds the database's only write lock.
std::string_view ForUpdate(const SqlConnection& connection);

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

Expected<void> Void(const Expected<SqlResult>& result);

Error NotFound(std::string_view what, std::string_view id);

// A page cursor is "<created_at micros>:<id>" of the last row of the previous page.
struct Cursor {
  int64_t micros = std::numeric_limits<int64_t>::min();
  std::string id;
};

Expected<Cursor> ParseCursor(const PageRequest& page);

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

std::string PagedSuffix(int first_parameter);

Expected<std::string> TenantRegion(SqlConnection& connection, const TenantId& tenant);

Expected<std::string> NormalizeNumber(SqlConnection& connection, const TenantId& tenant,
                                      std::string_view number, std::string_view field);
// The same with the tenant's region already read.
Expected<std::string> NormalizeNumberIn(const std::string& region, std::string_view number,
                                        std::string_view field);

std::vector<FieldError> ValidateTenant(const Tenant& tenant);

Expected<bool> CampaignExists(SqlConnection& connection, const TenantId& tenant,
                              const CampaignId& campaign);

Error UnknownCampaign(const CampaignId& campaign);

std::vector<FieldError> ValidateJob(const DialerJob& job);

// campaigns.open_jobs follows every job that is created or closed, inside the same transaction, so
// that "is the campaign's work done" is one row read instead of a scan of its jobs.
Expected<void> AddOpenJobs(SqlConnection& connection, const TenantId& tenant,
                           const CampaignId& campaign, int64_t delta);

// The job compare-and-set, shared by UpdateJob and CompleteAttempt. Returns the job's campaign and
// lead as stored, so callers never trust the caller's copy for them.
Expected<std::pair<CampaignId, LeadId>> CompareAndSetJob(SqlConnection& connection,
                                                         const TenantId& tenant, JobStatus expected,
                                                         const DialerJob& next);

Expected<void> ApplyLeadAttempt(SqlConnection& connection, const TenantId& tenant,
                                const LeadId& lead, const LeadAttempt& attempt);

Expected<void> ApplyCounters(SqlConnection& connection, const TenantId& tenant,
                             const CampaignId& campaign, const CampaignCounterDelta& delta);

// Erasure keeps a campaign's calls (or one lead's: `lead` given) for the statistics, but takes out
// what identifies the person: the number called, the provider's event payloads (which repeat the
// number), what was said and the recordings. Returns how many calls were kept. Runs inside the
// caller's transaction.
Expected<int> AnonymiseCalls(SqlConnection& connection, const TenantId& tenant,
                             const CampaignId& campaign, const std::optional<LeadId>& lead);

// How many of the campaign's jobs (or one lead's) are processing: a call in flight, which erasure
// waits for. Read after the caller changed the other jobs, so that on PostgreSQL a worker's
// concurrent move to processing either committed before (and is counted here) or waits on those
// rows and then finds them changed.
Expected<int64_t> ProcessingJobs(SqlConnection& connection, const TenantId& tenant,
                                 const CampaignId& campaign, const std::optional<LeadId>& lead);

// Records a provider event and moves its call forward; shared by RecordCallEvent and
// CompleteAttempt. Runs inside the caller's transaction.
Expected<CallEventResult> ApplyCallEvent(SqlConnection& connection, const TenantId& tenant,
                                         const CallEvent& event);

// The same for events in order, one result each: consecutive events of one call read its row
// once and write it at most once (a completion brings the call's progress with it).
Expected<std::vector<CallEventResult>> ApplyCallEvents(SqlConnection& connection,
                                                       const TenantId& tenant,
                                                       std::span<const CallEvent> events);

// Validates one imported lead; returns its number in E.164, or nullopt after adding its errors,
// each named "leads[i].<field>".
std::optional<std::string> ValidateImportedLead(const Lead& lead, size_t index,
                                                const std::string& region,
                                                std::vector<FieldError>& errors);

size_t RowOfField(const std::string& field);

}  // namespace talky::sql_support
