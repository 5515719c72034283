// The campaign file of `talky run --campaign`: never crashes; a rejection is InvalidArgument
// naming a key or the file's line; whatever is accepted holds together (each campaign's tenant is
// one of the file's tenants, keys are unique, every tenant's rules are valid and read back the same
// through their JSON form), and parsing is deterministic.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "campaigns/campaign_file.h"
#include "domain/calling_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::CampaignFile> parsed = talky::ParseCampaignFile(text, "fuzz.toml");
  if (!parsed) {
    if (parsed.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    // A bad key is named in `fields`; a TOML syntax error names the file and line in the message.
    if (parsed.error().fields.empty() &&
        parsed.error().message.find("fuzz.toml:") == std::string::npos) {
      std::abort();
    }
    return 0;
  }
  std::set<std::string> tenant_ids;
  for (const talky::Tenant& tenant : parsed->tenants) {
    if (tenant.id.value.empty() || !tenant_ids.insert(tenant.id.value).second) std::abort();
    if (!talky::ValidateCallingRules(tenant.rules).empty()) std::abort();
    talky::Expected<talky::CallingRules> again =
        talky::CallingRulesFromJson(talky::ToJson(tenant.rules));
    if (!again || *again != tenant.rules) std::abort();
  }
  std::set<std::string> keys;
  for (const talky::CampaignFileEntry& entry : parsed->campaigns) {
    if (entry.key.empty() || !keys.insert(entry.key).second) std::abort();
    if (!tenant_ids.contains(entry.campaign.tenant_id.value)) std::abort();
    if (entry.campaign.max_concurrent_calls < 1) std::abort();
  }
  talky::Expected<talky::CampaignFile> twice = talky::ParseCampaignFile(text, "fuzz.toml");
  if (!twice || twice->tenants != parsed->tenants) std::abort();
  return 0;
}
