#include "scheduling/lead_location.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <set>

namespace talky {
namespace {

struct LocationCase {
  const char* phone;
  const char* default_region;
  std::vector<std::string> zones;
  const char* source;
  const char* subdivision;
  bool us_law;
};

const LocationCase kLocationCases[] = {
    {"+12125550123", "US", {"America/New_York"}, "area_code", "NY", true},
    {"(312) 555-0123", "US", {"America/Chicago"}, "area_code", "IL", true},
    {"+16025550123", "US", {"America/Phoenix"}, "area_code", "AZ", true},
    {"+19285550123", "US", {"America/Phoenix", "America/Denver"}, "area_code", "AZ", true},
    {"+18085550123", "US", {"Pacific/Honolulu"}, "area_code", "HI", true},
    {"+19075550123", "US", {"America/Anchorage", "America/Adak"}, "area_code", "AK", true},
    {"+18505550123", "US", {"America/Chicago", "America/New_York"}, "area_code", "FL", true},
    {"+13055550123", "US", {"America/New_York"}, "area_code", "FL", true},
    {"+12065550123", "US", {"America/Los_Angeles"}, "area_code", "WA", true},
    {"+16055550123", "US", {"America/Chicago", "America/Denver"}, "area_code", "SD", true},
    {"+14165550123", "US", {"America/Toronto"}, "area_code", "ON", false},
    {"+13065550123", "US", {"America/Regina", "America/Edmonton"}, "area_code", "SK", false},
    {"+17875550123", "US", {"America/Puerto_Rico"}, "area_code", "", true},
    {"+18095550123", "US", {"America/Santo_Domingo"}, "area_code", "", false},
    {"+442079460000", "US", {"Europe/London"}, "country", "", false},
    {"020 7946 0000", "GB", {"Europe/London"}, "country", "", false},
    {"+4930901820", "US", {"Europe/Berlin", "Europe/Busingen"}, "country", "", false},
};

TEST(LeadLocation, FromTheNumber) {
  for (const LocationCase& c : kLocationCases) {
    Expected<LeadLocation> location = LocateLead(c.phone, c.default_region, std::nullopt);
    ASSERT_TRUE(location) << c.phone << ": " << location.error().Describe();
    EXPECT_EQ(location->zones, c.zones) << c.phone;
    EXPECT_EQ(ToString(location->zone_source), c.source) << c.phone;
    EXPECT_EQ(location->subdivision, c.subdivision) << c.phone;
    EXPECT_EQ(location->us_law_applies, c.us_law) << c.phone;
  }
}

TEST(LeadLocation, TollFreeMayBeAnywhereInTheCountry) {
  Expected<LeadLocation> location = LocateLead("+18002345678", "US", std::nullopt);
  ASSERT_TRUE(location);
  EXPECT_EQ(location->zone_source, ZoneSource::kCountry);
  EXPECT_EQ(location->zones, CountryZones("US"));
  EXPECT_GT(location->zones.size(), 20u);
}

TEST(LeadLocation, ExplicitZoneOverridesTheNumberButNotTheState) {
  Expected<LeadLocation> location =
      LocateLead("+13055550123", "US", std::string("America/Los_Angeles"));
  ASSERT_TRUE(location);
  EXPECT_EQ(location->zones, (std::vector<std::string>{"America/Los_Angeles"}));
  EXPECT_EQ(location->zone_source, ZoneSource::kLeadTimeZone);
  EXPECT_EQ(location->subdivision, "FL");
}

TEST(LeadLocation, BadInputIsAClearError) {
  struct Bad {
    const char* phone;
    std::optional<std::string> zone;
    const char* says;
  };
  for (const Bad& bad : {Bad{"12345", std::nullopt, "is not a valid number"},
                         Bad{"hello", std::nullopt, "is not a phone number"},
                         Bad{"", std::nullopt, "'' is not a phone number"},
                         Bad{"+12125550123", "Mars/Base", "'Mars/Base' is not a time zone"}}) {
    Expected<LeadLocation> location = LocateLead(bad.phone, "US", bad.zone);
    ASSERT_FALSE(location) << bad.phone;
    EXPECT_EQ(location.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(location.error().message.find(bad.says), std::string::npos)
        << location.error().message;
  }
}

// The compiled-in tables are consistent with the tz database and with libphonenumber.
TEST(LeadLocation, EveryTableZoneIsInTheTzDatabase) {
  for (const NanpAreaCode& row : AllNanpAreaCodes()) {
    EXPECT_FALSE(row.zones.empty()) << row.area_code;
    for (const std::string& zone : row.zones) {
      EXPECT_NO_THROW(date::locate_zone(zone)) << row.area_code << " " << zone;
    }
  }
  for (const char* country : {"US", "CA", "GB", "AU", "BR", "IN", "DE"}) {
    EXPECT_FALSE(CountryZones(country).empty()) << country;
    for (const std::string& zone : CountryZones(country)) {
      EXPECT_NO_THROW(date::locate_zone(zone)) << country << " " << zone;
    }
  }
}

TEST(LeadLocation, EveryAreaCodeRowAgreesWithLibphonenumber) {
  std::set<int> seen;
  for (const NanpAreaCode& row : AllNanpAreaCodes()) {
    EXPECT_TRUE(seen.insert(row.area_code).second) << "duplicate " << row.area_code;
    if (row.region == "US" || row.region == "CA") {
      EXPECT_EQ(row.subdivision.size(), 2u) << row.area_code;
    }
    // Some exchange of the area code parses to the row's region.
    bool matched = false;
    for (int exchange = 200; exchange < 1000 && !matched; exchange += 7) {
      Expected<PhoneNumber> number = ParsePhoneNumber(
          "+1" + std::to_string(row.area_code) + std::to_string(exchange) + "1234", "US");
      matched = number && number->region == row.region;
    }
    EXPECT_TRUE(matched) << row.area_code << " " << row.region;
  }
  EXPECT_GT(seen.size(), 400u);
}

}  // namespace
}  // namespace talky
