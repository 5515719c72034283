// Phone numbers in E.164, normalised and validated with libphonenumber. Pure: no I/O. Used by the
// store (every stored number is E.164) and by the calling rules (the number's country and area).
// Thread-safe: libphonenumber's PhoneNumberUtil is a read-only singleton.
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct PhoneNumber {
  std::string e164;             // "+12125550123"
  std::string region;           // ISO 3166 region of the number, "US"
  int country_code = 0;         // 1
  std::string national_number;  // "2125550123"
};

// Parses `text` (E.164, or a national number of `default_region`, a two-letter ISO 3166 code) and
// accepts it only when libphonenumber knows it as a valid number. The error says why not.
Expected<PhoneNumber> ParsePhoneNumber(std::string_view text,
                                       std::string_view default_region = "US");

// Whether libphonenumber supports `region` ("US", "GB") as the region of national numbers: what a
// tenant's default_region must be. "ZZ" (unknown) and "001" (non-geographic) are not.
bool IsSupportedRegion(std::string_view region);

}  // namespace talky
