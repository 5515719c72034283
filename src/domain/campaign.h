// A tenant's outbound campaign (document 002 "Campaign Model"), its statuses and the moves between
// them. Plain data; the counters are kept by the store, atomically.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

enum class CampaignStatus { kDraft, kScheduled, kRunning, kPaused, kCompleted, kCancelled };

std::string_view ToString(CampaignStatus status);
std::optional<CampaignStatus> ParseCampaignStatus(std::string_view text);

// The allowed moves: draft -> scheduled | running | cancelled; scheduled -> running | cancelled;
// running -> paused | completed | cancelled; paused -> running | cancelled. Completed and
// cancelled are final.
bool CanTransition(CampaignStatus from, CampaignStatus to);

struct Campaign {
  CampaignId id;
  TenantId tenant_id;
  std::string name;
  std::optional<std::string> description;
  CampaignStatus status = CampaignStatus::kDraft;
  std::string system_prompt;
  std::string voice_id;
  int max_concurrent_calls = 10;
  bool retry_failed = true;
  int max_retries = 3;
  Instant created_at{};
  std::optional<Instant> started_at;
  std::optional<Instant> completed_at;

  int total_leads = 0;
  int calls_completed = 0;
  int calls_failed = 0;
  int goals_achieved = 0;

  std::optional<std::string> goal;
  nlohmann::json script_config;   // null when not set
  nlohmann::json calling_config;  // null when not set
  // Telemarketing: its calls need the callee's written consent (domain/consent.h).
  bool marketing = false;

  bool operator==(const Campaign&) const = default;
};

// A campaign's own limits, one rule for the REST API, the campaign file and the store: calls at
// once 1-100 (as a tenant's max_concurrent_calls; the tenant's cap binds first anyway) and 0-10
// retries. Each answers the problem with a value, or nullopt when it is fine.
inline constexpr int kMaxCampaignConcurrency = 100;
inline constexpr int kMaxCampaignRetries = 10;
std::optional<std::string> CampaignConcurrencyProblem(int64_t max_concurrent_calls);
std::optional<std::string> CampaignRetriesProblem(int64_t max_retries);
// Both checks on a campaign, each bad field named.
std::vector<FieldError> ValidateCampaignLimits(const Campaign& campaign);

}  // namespace talky
