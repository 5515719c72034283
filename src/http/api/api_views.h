// The JSON views the REST API answers with: campaigns, leads, jobs (DialerJob's own ToJson), calls
// and their transcripts, campaign stats, tenants and Do-Not-Call entries. Instants are ISO-8601
// UTC; absent optional values are null. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "campaigns/campaign_service.h"
#include "domain/call_record.h"
#include "domain/campaign.h"
#include "domain/dialer_job.h"
#include "domain/lead.h"
#include "domain/tenant.h"
#include "scheduling/call_permission.h"
#include "store/store.h"

namespace talky {

nlohmann::json CampaignJson(const Campaign& campaign);
nlohmann::json LeadJson(const Lead& lead);
nlohmann::json JobJson(const DialerJob& job);
// `attempt`: which attempt of its job the call was (1 for the first dial), when known.
nlohmann::json CallJson(const CallRecord& call, std::optional<int> attempt);
// CallJson plus "transcript": `turns` in the order given, each placed on the call's timeline
// (offset_seconds, domain/transcript.h) with its latency per component (null when not measured).
nlohmann::json CallDetailJson(const CallRecord& call, std::optional<int> attempt,
                              const std::vector<ConversationTurn>& turns);
nlohmann::json CampaignStatsJson(const CampaignStats& stats);
// Without the key hash: the key is shown once, at creation, and never again.
nlohmann::json TenantJson(const Tenant& tenant);
nlohmann::json DoNotCallJson(const DoNotCallEntry& entry);
// "YYYY-MM-DD".
std::string FormatDate(std::chrono::year_month_day day);

// Whether a call may go out at `at`, and why not: what `talky rules explain` prints and the API's
// lead explanation answers.
nlohmann::json CallDecisionJson(const CallDecision& decision, Instant at);

}  // namespace talky
