// SqlStore, one role: tenants (store/tenant_store.h).

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

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

Expected<Page<Tenant>> SqlStore::ListTenants(PageRequest page) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<std::vector<Tenant>> items =
      All<Tenant>((*connection)
                      ->Execute(Concat({"SELECT ", sql_rows::kTenantColumns,
                                        " FROM tenants WHERE id > $1 ORDER BY id LIMIT $2"}),
                                std::vector<SqlValue>{page.after, int64_t{page.limit + 1}}),
                  sql_rows::ReadTenant);
  if (!items) return std::unexpected(items.error());
  Page<Tenant> result{.items = std::move(*items), .next = std::nullopt};
  if (result.items.size() > static_cast<size_t>(page.limit)) {
    result.items.resize(static_cast<size_t>(page.limit));
    result.next = result.items.back().id.value;
  }
  return result;
}

}  // namespace talky
