#include "scheduling/calling_laws.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using std::chrono::hours;

struct LawCase {
  const char* phone;
  bool applies;
  int start_hour, end_hour, cap;
  const char* cites;
};

const LawCase kLawCases[] = {
    {"+12125550123", true, 8, 21, 0, "47 CFR 64.1200"},      // New York: the federal floor
    {"+13055550123", true, 8, 20, 3, "Fla. Stat. 501.616"},  // Florida
    {"+18505550123", true, 8, 20, 3, "Fla. Stat. 501.616"},  // Florida, two zones
    {"+14055550123", true, 8, 20, 3, "Okla. Stat."},         // Oklahoma
    {"+14105550123", true, 8, 20, 3, "Md. Code"},            // Maryland
    {"+12065550123", true, 8, 20, 0, "RCW 80.36.390"},       // Washington
    {"+17875550123", true, 8, 21, 0, "47 CFR 64.1200"},      // Puerto Rico
    {"+18002345678", true, 8, 21, 0, "47 CFR 64.1200"},      // toll free, US
    {"+14165550123", false, 0, 0, 0, ""},                    // Canada
    {"+442079460000", false, 0, 0, 0, ""},                   // United Kingdom
};

TEST(CallingLaws, ByNumber) {
  for (const LawCase& c : kLawCases) {
    Expected<LeadLocation> lead = LocateLead(c.phone, "US", std::nullopt);
    ASSERT_TRUE(lead) << c.phone;
    std::optional<CallingLaw> law = ApplicableCallingLaw(*lead);
    ASSERT_EQ(law.has_value(), c.applies) << c.phone;
    if (!law) continue;
    EXPECT_EQ(law->hours.start, hours(c.start_hour)) << c.phone;
    EXPECT_EQ(law->hours.end, hours(c.end_hour)) << c.phone;
    EXPECT_EQ(law->max_calls_per_24h, c.cap) << c.phone;
    EXPECT_NE(law->citation.find(c.cites), std::string::npos) << c.phone << ": " << law->citation;
  }
}

// Every state row names a state the area-code table knows, and never widens the federal floor.
TEST(CallingLaws, StateRowsAreKnownStatesWithinTheFederalFloor) {
  const std::optional<CallingLaw> federal = FindCallingLaw("US");
  ASSERT_TRUE(federal);
  for (const char* state : {"FL", "OK", "MD", "WA"}) {
    const std::optional<CallingLaw> law = FindCallingLaw(state);
    ASSERT_TRUE(law) << state;
    EXPECT_GE(law->hours.start, federal->hours.start) << state;
    EXPECT_LE(law->hours.end, federal->hours.end) << state;
    bool known = false;
    for (const NanpAreaCode& row : AllNanpAreaCodes()) known = known || row.subdivision == state;
    EXPECT_TRUE(known) << state;
  }
  EXPECT_FALSE(FindCallingLaw("ZZ"));
}

}  // namespace
}  // namespace talky
