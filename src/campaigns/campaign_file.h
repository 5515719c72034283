// The campaign file that `talky run --campaign FILE.toml` reads: the tenants (each with its calling
// rules, the same keys as `talky rules validate` takes in JSON) and their campaigns. Leads come
// separately (a CSV whose `campaign` column names a campaign's `key`).
//
//   [[tenants]]
//   id = "acme-solar"             # the tenant's id in the store; reused when it exists
//   name = "Acme Solar"
//   default_region = "US"         # optional: region of numbers written without a country code
//   holidays = [2026-12-25]       # optional: TOML dates or "YYYY-MM-DD" strings
//   [tenants.rules]               # optional: every calling-rules key; the rest keep defaults
//   timezone = "America/New_York"
//   time_window_start = "09:00"   # or a TOML local time, 09:00:00
//
//   [[campaigns]]
//   key = "acme-winter"           # how the leads file names it
//   tenant = "acme-solar"         # a tenant's id from this file
//   name = "Winter offer"
//   system_prompt = "..."         # optional, like voice_id, description, goal
//   max_concurrent_calls = 20     # optional
//   caller_id = "+12025550142"    # optional: the number the campaign calls from
//
// A bad file is an InvalidArgument error listing every problem, each naming the key (as
// "tenants[0].rules.retry_delay_seconds") and the line in the file. Pure: no I/O but
// LoadCampaignFile.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "domain/campaign.h"
#include "domain/error.h"
#include "domain/tenant.h"

namespace talky {

struct CampaignFileEntry {
  std::string key;  // the leads file's name for it; unique in the file
  // The campaign as written: tenant_id set; id, status, created_at and counters left to the caller.
  Campaign campaign;
};

struct CampaignFile {
  std::vector<Tenant> tenants;  // api_key_hash left empty: keys are made when a tenant is created
  std::vector<CampaignFileEntry> campaigns;
};

// `source_name` appears in messages ("campaign.toml:12").
Expected<CampaignFile> ParseCampaignFile(std::string_view text, std::string_view source_name);
// Reads the file (NotFound when it cannot be read) and parses it.
Expected<CampaignFile> LoadCampaignFile(const std::filesystem::path& path);

}  // namespace talky
