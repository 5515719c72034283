// Calling rules JSON (an API body or a rules file): never crashes, rejects with field errors, and
// whatever is accepted is valid and round-trips.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/calling_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::CallingRules> rules = talky::ParseCallingRules(text);
  if (!rules) {
    if (rules.error().code != talky::ErrorCode::kInvalidArgument || rules.error().fields.empty()) {
      std::abort();
    }
    return 0;
  }
  if (!talky::ValidateCallingRules(*rules).empty()) std::abort();
  talky::Expected<talky::CallingRules> again = talky::CallingRulesFromJson(talky::ToJson(*rules));
  if (!again || *again != *rules) std::abort();
  return 0;
}
