// One outbound call job (document 000 §2.3, document 002 "DialerJob Model"): plain data that moves
// between the store, the queue and the worker. JSON uses the spec's `to_redis_dict` field names.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "domain/call_outcome.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"
#include "domain/job_status.h"

namespace talky {

inline constexpr int kMinPriority = 1;
inline constexpr int kMaxPriority = 10;
inline constexpr int kDefaultPriority = 5;

struct DialerJob {
  JobId job_id;
  CampaignId campaign_id;
  LeadId lead_id;
  TenantId tenant_id;
  std::string phone_number;  // E.164

  int priority = kDefaultPriority;  // 1-10, higher is more urgent
  JobStatus status = JobStatus::kPending;
  int attempt_number = 1;  // 1-based

  Instant scheduled_at{};
  Instant created_at{};
  std::optional<Instant> processed_at;
  std::optional<Instant> completed_at;

  std::optional<CallOutcome> last_outcome;
  std::optional<std::string> last_error;
  std::optional<CallId> call_id;

  bool operator==(const DialerJob&) const = default;
};

nlohmann::json ToJson(const DialerJob& job);

// Rejects a missing field, a wrong type, an unknown status or outcome, a bad instant, a priority
// outside 1-10 and an attempt below 1; the error lists every such field by name. Keys it does not
// know are ignored, so a newer writer's extra fields do not break an older reader.
Expected<DialerJob> DialerJobFromJson(const nlohmann::json& json);
Expected<DialerJob> ParseDialerJob(std::string_view text);

}  // namespace talky
