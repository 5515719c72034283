// Phone numbers as tenants upload them: never crashes, and an accepted number's E.164 form is
// accepted again and is stable.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/phone_number.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::PhoneNumber> number = talky::ParsePhoneNumber(text, "US");
  if (!number) return 0;
  talky::Expected<talky::PhoneNumber> again = talky::ParsePhoneNumber(number->e164, "US");
  if (!again || again->e164 != number->e164 || again->region != number->region) std::abort();
  return 0;
}
