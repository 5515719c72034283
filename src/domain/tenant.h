// A tenant: one customer of Talky, with its calling rules (which carry its retry policy), the
// region assumed for phone numbers written without a country code, and its holidays (no calls on
// those dates). Plain data, kept by the store; the API key is stored only as a hash.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "domain/calling_rules.h"
#include "domain/ids.h"

namespace talky {

struct Tenant {
  TenantId id;
  std::string name;
  std::string api_key_hash;
  CallingRules rules;
  std::string default_region = "US";  // ISO 3166 two-letter code, for libphonenumber
  std::vector<std::chrono::year_month_day> holidays;

  bool operator==(const Tenant&) const = default;
};

}  // namespace talky
