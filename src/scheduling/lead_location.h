// Where a called person is, as far as calling rules care: the tz zones they may be in, and the
// state or province whose laws apply. From the number (libphonenumber; NANP area codes through
// data/nanp_area_codes.cpp, other countries through the tz database's zone.tab), unless the lead
// names its own time zone. Tables are parsed once on first use and never change: any thread may
// call these functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/phone_number.h"

namespace talky {

enum class ZoneSource { kLeadTimeZone, kAreaCode, kCountry };
std::string_view ToString(ZoneSource source);

struct LeadLocation {
  PhoneNumber number;
  std::vector<std::string> zones;  // IANA names; a call must be allowed in every one
  ZoneSource zone_source = ZoneSource::kAreaCode;
  std::string subdivision;      // "FL", "ON"; empty when unknown or outside the US and Canada
  bool us_law_applies = false;  // the US and its territories (the TCPA floor)
};

// Errors (InvalidArgument): a number libphonenumber rejects, an explicit time zone the tz
// database does not know, or a number whose country has no known zone.
Expected<LeadLocation> LocateLead(std::string_view phone_number, std::string_view default_region,
                                  const std::optional<std::string>& lead_time_zone);

struct NanpAreaCode {
  int area_code = 0;
  std::string region;       // libphonenumber region: "US", "CA", "PR", ...
  std::string subdivision;  // state or province, empty outside the US and Canada
  std::vector<std::string> zones;
};

// The row of data/nanp_area_codes.cpp, or nullptr for an area code not in it (toll free, 5XX).
const NanpAreaCode* FindNanpAreaCode(int area_code);
const std::vector<NanpAreaCode>& AllNanpAreaCodes();
// Whether libphonenumber knows `region` ("US", "GB") as a region for national numbers.
bool IsKnownRegion(std::string_view region);

// The zones of an ISO 3166 country (tz database zone.tab); empty when unknown.
const std::vector<std::string>& CountryZones(std::string_view region);

}  // namespace talky
