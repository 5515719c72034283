#include "domain/phone_number.h"

#include <phonenumbers/phonenumberutil.h>

namespace talky {
namespace {

using i18n::phonenumbers::PhoneNumberUtil;

std::string Reason(PhoneNumberUtil::ErrorType error) {
  switch (error) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return "has no valid country code (use E.164, e.g. +14155550100)";
    case PhoneNumberUtil::NOT_A_NUMBER: return "is not a phone number";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN: return "is too short";
    case PhoneNumberUtil::TOO_LONG_NSN: return "is too long";
    default: return "cannot be parsed";
  }
}

}  // namespace

Expected<PhoneNumber> ParsePhoneNumber(std::string_view text, std::string_view default_region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const std::string quoted = "'" + std::string(text) + "'";
  i18n::phonenumbers::PhoneNumber number;
  const PhoneNumberUtil::ErrorType error =
      util.Parse(std::string(text), std::string(default_region), &number);
  if (error != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::unexpected(Error::InvalidArgument("phone number " + quoted + " " + Reason(error)));
  }
  if (!util.IsValidNumber(number)) {
    return std::unexpected(
        Error::InvalidArgument("phone number " + quoted + " is not a valid number"));
  }
  PhoneNumber parsed;
  util.Format(number, PhoneNumberUtil::E164, &parsed.e164);
  util.GetRegionCodeForNumber(number, &parsed.region);
  parsed.country_code = number.country_code();
  util.GetNationalSignificantNumber(number, &parsed.national_number);
  return parsed;
}

}  // namespace talky
