// Tenants: who calls, with which calling rules and API key.
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <string>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/tenant.h"
#include "store/page.h"

namespace talky {

class TenantStore {
 public:
  virtual ~TenantStore() = default;

  // Create fails with Conflict on a taken id or API key hash.
  virtual Expected<void> CreateTenant(const Tenant& tenant) = 0;
  virtual Expected<Tenant> GetTenant(const TenantId& tenant) = 0;
  virtual Expected<Tenant> FindTenantByApiKeyHash(const std::string& api_key_hash) = 0;
  virtual Expected<void> UpdateTenant(const Tenant& tenant) = 0;
  // Every tenant, in id order (the admin's view; `after` is the last id of the previous page).
  virtual Expected<Page<Tenant>> ListTenants(PageRequest page) = 0;
};

}  // namespace talky
