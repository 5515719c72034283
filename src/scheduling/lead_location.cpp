#include "scheduling/lead_location.h"

#include <date/tz.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "scheduling/data/embedded_tables.h"

namespace talky {
namespace {

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream stream(text);
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

std::vector<std::string> SplitFields(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream stream(line);
  for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
  return fields;
}

// The tables are compiled in and checked by tests; a malformed row is a build mistake.
std::vector<NanpAreaCode> ParseNanpTable() {
  std::vector<NanpAreaCode> rows;
  std::istringstream text(data::kNanpAreaCodesCsv);
  for (std::string line; std::getline(text, line);) {
    if (line.empty()) continue;
    std::vector<std::string> fields = SplitFields(line);
    if (fields.size() != 4) throw std::logic_error("nanp_area_codes.cpp: bad row '" + line + "'");
    rows.push_back({std::stoi(fields[0]), fields[1], fields[2], SplitWords(fields[3])});
  }
  std::sort(rows.begin(), rows.end(),
            [](const NanpAreaCode& a, const NanpAreaCode& b) { return a.area_code < b.area_code; });
  return rows;
}

std::map<std::string, std::vector<std::string>, std::less<>> ParseCountryTable() {
  std::map<std::string, std::vector<std::string>, std::less<>> countries;
  std::istringstream text(data::kCountryZonesCsv);
  for (std::string line; std::getline(text, line);) {
    if (line.empty()) continue;
    std::vector<std::string> fields = SplitFields(line);
    if (fields.size() != 2) throw std::logic_error("country_zones.cpp: bad row '" + line + "'");
    countries[fields[0]] = SplitWords(fields[1]);
  }
  return countries;
}

bool IsUsJurisdiction(std::string_view region) {
  return region == "US" || region == "PR" || region == "VI" || region == "GU" || region == "MP" ||
         region == "AS";
}

bool IsKnownZone(const std::string& name) {
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string_view ToString(ZoneSource source) {
  switch (source) {
    case ZoneSource::kLeadTimeZone:
      return "lead_time_zone";
    case ZoneSource::kAreaCode:
      return "area_code";
    case ZoneSource::kCountry:
      return "country";
  }
  return "unknown";
}

const std::vector<NanpAreaCode>& AllNanpAreaCodes() {
  static const std::vector<NanpAreaCode> table = ParseNanpTable();
  return table;
}

const NanpAreaCode* FindNanpAreaCode(int area_code) {
  const std::vector<NanpAreaCode>& table = AllNanpAreaCodes();
  auto it =
      std::lower_bound(table.begin(), table.end(), area_code,
                       [](const NanpAreaCode& row, int code) { return row.area_code < code; });
  return it != table.end() && it->area_code == area_code ? &*it : nullptr;
}

bool IsKnownRegion(std::string_view region) {
  const auto& util = *i18n::phonenumbers::PhoneNumberUtil::GetInstance();
  return util.GetCountryCodeForRegion(std::string(region)) != 0;
}

const std::vector<std::string>& CountryZones(std::string_view region) {
  static const auto table = ParseCountryTable();
  static const std::vector<std::string> none;
  auto it = table.find(region);
  return it == table.end() ? none : it->second;
}

Expected<LeadLocation> LocateLead(std::string_view phone_number, std::string_view default_region,
                                  const std::optional<std::string>& lead_time_zone) {
  Expected<PhoneNumber> number = ParsePhoneNumber(phone_number, default_region);
  if (!number) return std::unexpected(number.error());
  LeadLocation location;
  location.number = *number;
  location.us_law_applies = IsUsJurisdiction(number->region);

  const NanpAreaCode* area = nullptr;
  if (number->country_code == 1 && number->national_number.size() == 10) {
    area = FindNanpAreaCode(std::stoi(number->national_number.substr(0, 3)));
  }
  if (area != nullptr) location.subdivision = area->subdivision;

  if (lead_time_zone) {
    if (!IsKnownZone(*lead_time_zone)) {
      return std::unexpected(Error::InvalidArgument(
          "lead time zone '" + *lead_time_zone + "' is not a time zone of the tz database",
          {{"time_zone", "unknown time zone '" + *lead_time_zone + "'"}}));
    }
    location.zones = {*lead_time_zone};
    location.zone_source = ZoneSource::kLeadTimeZone;
  } else if (area != nullptr) {
    location.zones = area->zones;
    location.zone_source = ZoneSource::kAreaCode;
  } else {
    // Toll-free and other non-geographic numbers can ring anywhere in their country.
    location.zones = CountryZones(number->region);
    location.zone_source = ZoneSource::kCountry;
  }
  if (location.zones.empty()) {
    return std::unexpected(Error::InvalidArgument("no time zone is known for " + number->e164 +
                                                      " (region '" + number->region +
                                                      "'); give the lead an explicit time_zone",
                                                  {{"time_zone", "required for this number"}}));
  }
  return location;
}

}  // namespace talky
