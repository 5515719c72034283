// A person a campaign calls (document 002 "Lead Model"), with what priority routing and the calling
// rules need: tags, priority, high-value flag, an optional explicit time zone and their consent.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/consent.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

enum class LeadStatus { kPending, kCalled, kCompleted, kDnc };

std::string_view ToString(LeadStatus status);
std::optional<LeadStatus> ParseLeadStatus(std::string_view text);

struct Lead {
  LeadId id;
  CampaignId campaign_id;
  TenantId tenant_id;
  std::string phone_number;  // E.164
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> email;
  nlohmann::json custom_fields = nlohmann::json::object();
  Instant created_at{};
  std::optional<Instant> last_called_at;
  int call_attempts = 0;
  LeadStatus status = LeadStatus::kPending;
  std::optional<std::string> last_call_result = "pending";

  std::vector<std::string> tags;
  int priority = 5;  // 1-10
  bool is_high_value = false;
  std::optional<std::string> time_zone;  // IANA name; overrides the zone implied by the number
  Consent consent;                       // to be called; none unless imported

  bool operator==(const Lead&) const = default;
};

// The spec's priority at campaign start (document 000 §4.1): the base priority, +2 for a high-value
// lead, +1 for an "urgent" or "appointment" tag, capped at 10.
int ComputeLeadPriority(int base_priority, bool is_high_value,
                        const std::vector<std::string>& tags);
int ComputeLeadPriority(const Lead& lead);

// What a lead must be to be stored: a valid phone number (a national one read in
// `default_region`), priority 1-10, custom_fields an object, call_attempts not negative, and a
// time_zone of the tz database if any, consent given_at and source only with a kind of consent.
// Returns the number in E.164, or InvalidArgument naming every bad field (phone_number, priority,
// custom_fields, call_attempts, time_zone, consent).
Expected<std::string> ValidateLead(const Lead& lead, std::string_view default_region);

}  // namespace talky
