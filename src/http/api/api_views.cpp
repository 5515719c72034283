#include "http/api/api_views.h"

#include <cstdio>
#include <type_traits>

#include "campaigns/lead_json.h"
#include "domain/calling_rules.h"
#include "domain/transcript.h"

namespace talky {
namespace {

nlohmann::json Optional(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json Optional(const std::optional<Instant>& value) {
  return value ? nlohmann::json(FormatIso8601(*value)) : nlohmann::json(nullptr);
}

// Numbers; strings and instants take the overloads above.
template <typename Number>
nlohmann::json Optional(const std::optional<Number>& value) {
  static_assert(std::is_arithmetic_v<Number>);
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json TurnJson(const ConversationTurn& turn, const CallRecord& call) {
  return {
      {"turn_index", turn.turn_index},
      {"role", ToString(turn.role)},
      {"text", turn.text},
      {"at", FormatIso8601(turn.at)},
      {"offset_seconds", std::chrono::duration<double>(OffsetInCall(call, turn.at)).count()},
      {"latency_ms",
       {{"stt", Optional(turn.stt_latency_ms)},
        {"llm", Optional(turn.llm_latency_ms)},
        {"tts", Optional(turn.tts_latency_ms)}}},
      {"tokens",
       {{"prompt", Optional(turn.prompt_tokens)},
        {"completion", Optional(turn.completion_tokens)}}},
  };
}

}  // namespace

std::string FormatDate(std::chrono::year_month_day day) {
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text;
}

nlohmann::json CampaignJson(const Campaign& campaign) {
  return {
      {"id", campaign.id.value},
      {"name", campaign.name},
      {"description", Optional(campaign.description)},
      {"status", ToString(campaign.status)},
      {"system_prompt", campaign.system_prompt},
      {"voice_id", campaign.voice_id},
      {"max_concurrent_calls", campaign.max_concurrent_calls},
      {"retry_failed", campaign.retry_failed},
      {"max_retries", campaign.max_retries},
      {"created_at", FormatIso8601(campaign.created_at)},
      {"started_at", Optional(campaign.started_at)},
      {"completed_at", Optional(campaign.completed_at)},
      {"total_leads", campaign.total_leads},
      {"calls_completed", campaign.calls_completed},
      {"calls_failed", campaign.calls_failed},
      {"goals_achieved", campaign.goals_achieved},
      {"goal", Optional(campaign.goal)},
      {"marketing", campaign.marketing},
      {"script_config", campaign.script_config},
      {"calling_config", campaign.calling_config},
  };
}

nlohmann::json LeadJson(const Lead& lead) {
  return {
      {"id", lead.id.value},
      {"campaign_id", lead.campaign_id.value},
      {"phone_number", lead.phone_number},
      {"first_name", Optional(lead.first_name)},
      {"last_name", Optional(lead.last_name)},
      {"email", Optional(lead.email)},
      {"custom_fields", lead.custom_fields},
      {"created_at", FormatIso8601(lead.created_at)},
      {"last_called_at", Optional(lead.last_called_at)},
      {"call_attempts", lead.call_attempts},
      {"status", ToString(lead.status)},
      {"last_call_result", Optional(lead.last_call_result)},
      {"tags", lead.tags},
      {"priority", lead.priority},
      {"is_high_value", lead.is_high_value},
      {"time_zone", Optional(lead.time_zone)},
      {"consent", ConsentJson(lead.consent)},
  };
}

nlohmann::json JobJson(const DialerJob& job) { return ToJson(job); }

nlohmann::json CallJson(const CallRecord& call, std::optional<int> attempt) {
  return {
      {"id", call.id.value},
      {"campaign_id", call.campaign_id.value},
      {"lead_id", call.lead_id.value},
      {"job_id", call.job_id.value},
      {"attempt", Optional(attempt)},
      {"provider_call_id", call.provider_call_id},
      {"to_number", call.to_number},
      {"caller_id", Optional(call.caller_id)},
      {"status", ToString(call.status)},
      {"outcome", call.outcome ? nlohmann::json(ToString(*call.outcome)) : nlohmann::json(nullptr)},
      {"created_at", FormatIso8601(call.created_at)},
      {"answered_at", Optional(call.answered_at)},
      {"ended_at", Optional(call.ended_at)},
      {"duration_seconds", Optional(call.duration_seconds)},
  };
}

nlohmann::json CallDetailJson(const CallRecord& call, std::optional<int> attempt,
                              const std::vector<ConversationTurn>& turns) {
  nlohmann::json transcript = nlohmann::json::array();
  for (const ConversationTurn& turn : turns) transcript.push_back(TurnJson(turn, call));
  nlohmann::json detail = CallJson(call, attempt);
  detail["transcript"] = std::move(transcript);
  return detail;
}

nlohmann::json CampaignStatsJson(const CampaignStats& stats) {
  nlohmann::json attempts = nlohmann::json::object();
  for (const auto& [made, leads] : stats.tally.leads_by_attempts) {
    attempts[std::to_string(made)] = leads;
  }
  return {
      {"campaign", CampaignJson(stats.campaign)},
      {"jobs_by_status", stats.tally.jobs_by_status},
      {"calls_by_outcome", stats.tally.calls_by_outcome},
      {"leads_by_attempts", std::move(attempts)},
      {"skips_by_reason", stats.tally.skips_by_reason},
      {"calls_total", stats.tally.calls_total},
      {"calls_in_progress", stats.tally.calls_in_progress},
      {"goals_achieved", stats.campaign.goals_achieved},
      {"goal_rate", stats.goal_rate},
  };
}

nlohmann::json TenantJson(const Tenant& tenant) {
  nlohmann::json holidays = nlohmann::json::array();
  for (const std::chrono::year_month_day& day : tenant.holidays) {
    holidays.push_back(FormatDate(day));
  }
  return {
      {"id", tenant.id.value},
      {"name", tenant.name},
      {"default_region", tenant.default_region},
      {"holidays", std::move(holidays)},
      {"calling_rules", ToJson(tenant.rules)},
  };
}

nlohmann::json DoNotCallJson(const DoNotCallEntry& entry) {
  return {{"phone_number", entry.phone_number}, {"added_at", FormatIso8601(entry.added_at)}};
}

nlohmann::json CallDecisionJson(const CallDecision& decision, Instant at) {
  return {
      {"allowed", decision.allowed()},
      {"decision", ToString(decision.verdict)},
      {"reason", decision.reason},
      {"reasons", decision.reasons},
      {"message", decision.message},
      {"at", FormatIso8601(at)},
      {"next_allowed_at", decision.next_allowed_at
                              ? nlohmann::json(FormatIso8601(*decision.next_allowed_at))
                              : nlohmann::json(nullptr)},
      {"phone", decision.phone_number},
      {"zones", decision.zones},
      {"zone_source", decision.zone_source},
      {"subdivision", decision.subdivision},
  };
}

}  // namespace talky
