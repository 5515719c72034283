// A tenant's Do-Not-Call list.
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <string>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"
#include "store/page.h"

namespace talky {

// One number on a tenant's Do-Not-Call list.
struct DoNotCallEntry {
  std::string phone_number;  // E.164
  Instant added_at{};

  bool operator==(const DoNotCallEntry&) const = default;
};

class DoNotCallStore {
 public:
  virtual ~DoNotCallStore() = default;

  // Add returns the number as stored (E.164); adding twice is fine. Remove is NotFound for a
  // number that is not on the list.
  virtual Expected<std::string> AddDoNotCall(const TenantId& tenant,
                                             const std::string& phone_number, Instant at) = 0;
  virtual Expected<void> RemoveDoNotCall(const TenantId& tenant,
                                         const std::string& phone_number) = 0;
  virtual Expected<bool> IsDoNotCall(const TenantId& tenant, const std::string& phone_number) = 0;
  // The tenant's Do-Not-Call numbers in number order; `after` is a previous page's `next`. With
  // `digits` (only 0-9; empty for all), those whose number contains them.
  virtual Expected<Page<DoNotCallEntry>> ListDoNotCall(const TenantId& tenant,
                                                       const std::string& digits,
                                                       PageRequest page) = 0;
};

}  // namespace talky
