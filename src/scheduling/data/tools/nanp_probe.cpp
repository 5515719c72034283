// Development tool, not built by CMake: lists every NANP area code libphonenumber knows as valid,
// with its region and the geocoder's descriptions (state names, "City, ST") and how many
// exchanges carry each, for generate_nanp_area_codes.py. See ../README.md for the command.
#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <string>

int main() {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberOfflineGeocoder;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const PhoneNumberOfflineGeocoder geocoder;
  const icu::Locale english("en");
  for (std::uint64_t area = 200; area < 1000; ++area) {
    std::map<std::string, int> descriptions;
    std::string region;
    int valid = 0;
    for (std::uint64_t exchange = 200; exchange < 1000; ++exchange) {
      PhoneNumber number;
      number.set_country_code(1);
      number.set_national_number(area * 10000000 + exchange * 10000 + 1234);
      if (!util.IsValidNumber(number)) continue;
      ++valid;
      util.GetRegionCodeForNumber(number, &region);
      ++descriptions[geocoder.GetDescriptionForNumber(number, english)];
    }
    if (valid == 0) continue;
    std::cout << area << "|" << region << "|" << valid;
    for (const auto& [description, count] : descriptions) {
      std::cout << "|" << description << "=" << count;
    }
    std::cout << "\n";
  }
}
