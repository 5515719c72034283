// The script a campaign's calls run: its own script_config, or when it names none, the default
// for its kind of goal (appointment, reminder, qualification, renewal), chosen from the words of
// the campaign's goal ("renew the policy" -> renewal; no goal, or one that names none of them ->
// appointment). Each default is an ordinary script_config (conversation_script.h), read and
// checked like a tenant's own.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "domain/campaign.h"
#include "voice/conversation_script.h"

namespace talky {

enum class GoalKind { kAppointment, kReminder, kQualification, kRenewal };

GoalKind GoalKindOf(const std::optional<std::string>& goal);
std::string_view ToString(GoalKind kind);

nlohmann::json DefaultScriptConfig(GoalKind kind);

// `tenant_name` is what {business} means (ParseConversationScript).
Expected<ConversationScript> CampaignScript(const Campaign& campaign, std::string_view tenant_name);

}  // namespace talky
