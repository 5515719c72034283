// SqlStore, one role: the Do-Not-Call list (store/do_not_call_store.h).

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

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

Expected<Page<DoNotCallEntry>> SqlStore::ListDoNotCall(const TenantId& tenant,
                                                       const std::string& digits,
                                                       PageRequest page) {
  // Numbers page in number order over the (tenant_id, phone_number) key, as leads do; the cursor
  // is the last number of the previous page.
  if (Expected<Cursor> checked = ParseCursor({.limit = page.limit}); !checked) {
    return std::unexpected(checked.error());
  }
  if (digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::unexpected(
        Error::InvalidArgument("invalid search", {{"digits", "may hold only the digits 0-9"}}));
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
              "tenant_id = $1 AND phone_number > $2 AND phone_number LIKE $3 "
              "ORDER BY phone_number LIMIT $4",
              std::vector<SqlValue>{tenant.value, page.after, "%" + digits + "%",
                                    int64_t{page.limit + 1}});
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

}  // namespace talky
