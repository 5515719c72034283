#include "app/answered_call_lookup.h"

#include <spdlog/spdlog.h>

#include "app/offline_voice.h"
#include "voice/scripted_language_model.h"
#include "voice/voice_settings.h"

namespace talky {

Expected<AnsweredCall> LookUpAnsweredCall(Store& store, const Clock& clock, const CallId& call_id) {
  Expected<CallRecord> call = store.FindCall(call_id);
  if (!call) return std::unexpected(call.error());
  if (call->status == CallStatus::kCompleted) {
    return std::unexpected(Error::NotFound("call " + call_id.value + " is over"));
  }
  Expected<Campaign> campaign = store.GetCampaign(call->tenant_id, call->campaign_id);
  if (!campaign) return std::unexpected(campaign.error());
  Expected<Lead> lead = store.GetLead(call->tenant_id, call->lead_id);
  if (!lead) return std::unexpected(lead.error());
  VoicePipelineConfig config;
  // Validated when the campaign was created; a row written otherwise falls back to the defaults.
  if (Expected<VoiceSettings> voice = VoiceSettingsFromCallingConfig(campaign->calling_config)) {
    config.turn_taking = voice->turn_taking;
    config.opt_out_key = voice->opt_out_key;
  } else {
    spdlog::warn("campaign {}: {}; the default voice settings apply", campaign->id.value,
                 voice.error().Describe());
  }
  // The opt-out key puts the number on the tenant's Do-Not-Call list, which every later dial of
  // the tenant checks before calling.
  config.opt_out = [&store, &clock, tenant = call->tenant_id,
                    number = call->to_number]() -> Expected<void> {
    Expected<std::string> listed = store.AddDoNotCall(tenant, number, clock.Now());
    if (!listed) return std::unexpected(listed.error());
    return {};
  };
  auto script = std::make_shared<ScriptedLanguageModel>(
      ScriptedCallFacts{.first_name = lead->first_name.value_or("")});
  return AnsweredCall{.session = {.call_id = call->id,
                                  .campaign_id = call->campaign_id,
                                  .lead_id = call->lead_id,
                                  .tenant_id = call->tenant_id,
                                  .vonage_call_uuid = call->provider_call_id,
                                  .system_prompt = campaign->system_prompt,
                                  .voice_id = OfflineVoiceFor(campaign->voice_id)},
                      .config = std::move(config),
                      .language_model = script,
                      .reply_grammar = script};
}

}  // namespace talky
