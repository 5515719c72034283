#include "domain/phone_number.h"

#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

namespace talky {
namespace {

struct ValidCase {
  const char* text;
  const char* region;
  const char* e164;
  const char* number_region;
};

const ValidCase kValid[] = {
    {"+12125550123", "US", "+12125550123", "US"},
    {"(212) 555-0123", "US", "+12125550123", "US"},
    {"212.555.0123", "US", "+12125550123", "US"},
    {"1-212-555-0123", "US", "+12125550123", "US"},
    {"+1 604 555 0123", "US", "+16045550123", "CA"},  // NANP, but Canada
    {"+44 20 7183 8750", "US", "+442071838750", "GB"},
    {"020 7183 8750", "GB", "+442071838750", "GB"},
    {"+49 30 901820", "US", "+4930901820", "DE"},
    {"+61 2 9374 4000", "US", "+61293744000", "AU"},
    // Mexico's old mobile prefix "1": one number, one spelling (found by the fuzzer).
    {"+52112(250200203", "US", "+522250200203", "MX"},
    {"+522250200203", "US", "+522250200203", "MX"},
};

TEST(PhoneNumber, NormalisesToE164) {
  for (const ValidCase& c : kValid) {
    Expected<PhoneNumber> parsed = ParsePhoneNumber(c.text, c.region);
    ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->e164, c.e164) << c.text;
    EXPECT_EQ(parsed->region, c.number_region) << c.text;
  }
  Expected<PhoneNumber> us = ParsePhoneNumber("+12125550123");
  ASSERT_TRUE(us);
  EXPECT_EQ(us->country_code, 1);
  EXPECT_EQ(us->national_number, "2125550123");
}

TEST(PhoneNumber, RejectsWhatIsNotAValidNumber) {
  for (const char* text : {"", "hello", "+1", "12", "+1 212 555 01234567", "+999 1234 5678",
                           "+1 099 555 0123", "2071838750"}) {
    Expected<PhoneNumber> parsed = ParsePhoneNumber(text, "US");
    ASSERT_FALSE(parsed) << "accepted '" << text << "' as " << parsed->e164;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("phone number"), std::string::npos);
  }
}

}  // namespace
}  // namespace talky

namespace talky {
namespace {

// Canonical E.164 in the default region takes a fast path (no regular-expression parse); it must
// agree with libphonenumber's full parse on every field, and leave everything else to it.
TEST(PhoneNumber, FastPathAgreesWithTheFullParse) {
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"+12125550123", "US"}, {"+16045550123", "US"},  {"+12002000000", "US"},
      {"+19175551234", "US"}, {"+442071838750", "GB"}, {"+447911123456", "GB"},
      {"+4930901820", "DE"},  {"+61293744000", "AU"},  {"+390612345678", "IT"},
      {"+12125550123", "CA"}, {"+1212555012", "US"},   {"+121255501234", "US"},
      {"+10995550123", "US"}, {"+4402071838750", "GB"}};
  for (const auto& [text, region] : cases) {
    i18n::phonenumbers::PhoneNumber number;
    bool valid = util.Parse(text, region, &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
                 util.IsValidNumber(number);
    Expected<PhoneNumber> parsed = ParsePhoneNumber(text, region);
    ASSERT_EQ(parsed.has_value(), valid) << text << " in " << region;
    if (!valid) continue;
    std::string e164, region_code, national;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    util.GetRegionCodeForNumber(number, &region_code);
    util.GetNationalSignificantNumber(number, &national);
    EXPECT_EQ(parsed->e164, e164) << text;
    EXPECT_EQ(parsed->region, region_code) << text;
    EXPECT_EQ(parsed->country_code, number.country_code()) << text;
    EXPECT_EQ(parsed->national_number, national) << text;
  }
}

}  // namespace
}  // namespace talky
