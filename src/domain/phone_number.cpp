#include "domain/phone_number.h"

#include <phonenumbers/phonenumberutil.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace talky {
namespace {

using i18n::phonenumbers::PhoneNumberUtil;

std::string Reason(PhoneNumberUtil::ErrorType error) {
  switch (error) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return "has no valid country code (use E.164, e.g. +14155550100)";
    case PhoneNumberUtil::NOT_A_NUMBER:
      return "is not a phone number";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return "is too short";
    case PhoneNumberUtil::TOO_LONG_NSN:
      return "is too long";
    default:
      return "cannot be parsed";
  }
}

// The common case of a bulk import, canonical E.164 text ("+12125550123") of a number in the
// default region, which is its country's main region: libphonenumber's Parse runs a dozen ICU
// regular expressions (about 25 us a number); building the number directly and validating it for
// that one region gives the same answer in about a seventh of the time. Anything else returns
// nullopt and takes the full path, which also words the errors.
std::optional<PhoneNumber> ParseCanonicalInMainRegion(const PhoneNumberUtil& util,
                                                      std::string_view text,
                                                      std::string_view default_region) {
  if (text.size() < 3 || text.size() > 16 || text.front() != '+') return std::nullopt;
  for (char c : text.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const std::string region(default_region);
  const int country_code = util.GetCountryCodeForRegion(region);
  if (country_code == 0) return std::nullopt;
  std::string main_region;
  util.GetRegionCodeForCountryCode(country_code, &main_region);
  const std::string code = std::to_string(country_code);
  if (main_region != region || !text.substr(1).starts_with(code)) return std::nullopt;
  const std::string_view national = text.substr(1 + code.size());
  if (national.empty() || national.front() == '0') return std::nullopt;  // leading zeros: full path
  uint64_t national_value = 0;
  for (char c : national) national_value = national_value * 10 + static_cast<uint64_t>(c - '0');
  i18n::phonenumbers::PhoneNumber number;
  number.set_country_code(country_code);
  number.set_national_number(national_value);
  if (!util.IsValidNumberForRegion(number, region)) return std::nullopt;
  PhoneNumber parsed;
  util.Format(number, PhoneNumberUtil::E164, &parsed.e164);
  if (parsed.e164 != text) return std::nullopt;
  parsed.region = region;
  parsed.country_code = country_code;
  parsed.national_number = std::string(national);
  return parsed;
}

// Valid numbers already parsed, by default region and text. The dialer looks up the same few
// numbers several times per call (the lead's, the caller id) and a full parse costs tens of
// microseconds of ICU regular expressions. Bounded: emptied when full, which a bulk import of
// distinct numbers does now and then at the cost of one hash insert per number.
class ParsedNumbers {
 public:
  std::optional<PhoneNumber> Find(std::string_view region, std::string_view text) {
    std::lock_guard lock(mutex_);
    auto it = parsed_.find(Key(region, text));
    if (it == parsed_.end()) return std::nullopt;
    return it->second;
  }

  void Add(std::string_view region, std::string_view text, const PhoneNumber& number) {
    std::lock_guard lock(mutex_);
    if (parsed_.size() >= kCapacity) parsed_.clear();
    parsed_.emplace(Key(region, text), number);
  }

 private:
  static constexpr size_t kCapacity = 50'000;

  static std::string Key(std::string_view region, std::string_view text) {
    std::string key(region);
    key += '|';
    key += text;
    return key;
  }

  std::mutex mutex_;
  std::unordered_map<std::string, PhoneNumber> parsed_;
};

ParsedNumbers& Parsed() {
  static ParsedNumbers parsed;
  return parsed;
}

Expected<PhoneNumber> ParseUncached(std::string_view text, std::string_view default_region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  if (std::optional<PhoneNumber> fast = ParseCanonicalInMainRegion(util, text, default_region)) {
    return *fast;
  }
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
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  // Formatting is not always a fixed point: "+52 1 ..." (Mexico's old mobile prefix) formats as
  // +521..., which parses again as +52... (found by fuzz/phone_number_fuzzer). One number must
  // have one spelling, or Do-Not-Call and duplicate checks miss it; so normalise once more.
  i18n::phonenumbers::PhoneNumber again;
  if (util.Parse(e164, std::string(default_region), &again) == PhoneNumberUtil::NO_PARSING_ERROR &&
      util.IsValidNumber(again)) {
    number = again;
    util.Format(number, PhoneNumberUtil::E164, &e164);
  }
  PhoneNumber parsed;
  parsed.e164 = std::move(e164);
  util.GetRegionCodeForNumber(number, &parsed.region);
  parsed.country_code = number.country_code();
  util.GetNationalSignificantNumber(number, &parsed.national_number);
  return parsed;
}

}  // namespace

Expected<PhoneNumber> ParsePhoneNumber(std::string_view text, std::string_view default_region) {
  if (std::optional<PhoneNumber> known = Parsed().Find(default_region, text)) return *known;
  Expected<PhoneNumber> parsed = ParseUncached(text, default_region);
  if (parsed) Parsed().Add(default_region, text, *parsed);
  return parsed;
}

bool IsSupportedRegion(std::string_view region) {
  return region.size() == 2 &&
         PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(std::string(region)) != 0;
}

}  // namespace talky
