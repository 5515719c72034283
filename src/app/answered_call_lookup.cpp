#include "app/answered_call_lookup.h"

#include <spdlog/spdlog.h>

#include <functional>

#include "app/offline_voice.h"
#include "app/store_conversation_recorder.h"
#include "voice/campaign_script.h"
#include "voice/conversation_engine.h"
#include "voice/prompt_manager.h"
#include "voice/voice_settings.h"

namespace talky {
namespace {

// What the script's lines may name of this call.
LineFields FieldsOf(const Lead& lead, const std::string& business) {
  LineFields fields{{"business", business}};
  if (lead.first_name) fields["first_name"] = *lead.first_name;
  if (lead.last_name) fields["last_name"] = *lead.last_name;
  for (const auto& [key, value] : lead.custom_fields.items()) {
    if (value.is_string()) {
      fields["custom." + key] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      fields["custom." + key] = value.dump();
    }
  }
  return fields;
}

// Checked when the campaign was created; a row written otherwise runs its goal's default script.
ConversationScript ScriptOf(const Campaign& campaign, const std::string& tenant_name) {
  Expected<ConversationScript> script = CampaignScript(campaign, tenant_name);
  if (script) return *script;
  spdlog::warn("campaign {}: {}; the default script for its goal runs", campaign.id.value,
               script.error().Describe());
  return *ParseConversationScript(DefaultScriptConfig(GoalKindOf(campaign.goal)), tenant_name);
}

// TCPA: a telemarketing message offers an automated opt-out; the greeting says how.
std::string OptOutNotice(const Campaign& campaign, std::optional<char> key) {
  if (!campaign.marketing || !key) return "";
  const std::string said = *key == '*' ? "star" : *key == '#' ? "pound" : std::string(1, *key);
  return "To stop these calls at any time, press " + said + " or say stop calling me.";
}

// Once, as the call's media closes (on its connection's thread: one write per call).
std::function<void(std::string)> KeepRecordingIn(Store& store, const Clock& clock,
                                                 const CallRecord& call) {
  return [&store, &clock, tenant = call.tenant_id, id = call.id](std::string wav) {
    if (Expected<void> kept = store.SaveCallRecording(tenant, id, wav, clock.Now()); !kept) {
      spdlog::warn("voice: call {}: the recording could not be kept: {}", id.value,
                   kept.error().Describe());
    }
  };
}

// The campaign's cloud provider from `cloud`, or null (logged) when it cannot have it: the
// offline one serves.
template <typename Provider, typename Settings, typename Make>
std::shared_ptr<Provider> CloudOrOffline(CloudProviders* cloud, const Settings& settings, Make make,
                                         const CallId& call, const Campaign& campaign,
                                         const char* what) {
  if (!settings.cloud) return nullptr;
  Expected<std::shared_ptr<Provider>> provider =
      cloud ? make(*cloud, settings)
            : std::unexpected(Error::Unavailable("this process has no cloud providers"));
  if (provider) return std::move(*provider);
  spdlog::error("call {}: campaign {}: {}; the offline {} serves instead", call.value,
                campaign.id.value, provider.error().message, what);
  return nullptr;
}

}  // namespace

Expected<AnsweredCall> LookUpAnsweredCall(Store& store, const Clock& clock, const CallId& call_id,
                                          CloudProviders* cloud) {
  Expected<CallRecord> call = store.FindCall(call_id);
  if (!call) return std::unexpected(call.error());
  if (call->status == CallStatus::kCompleted) {
    return std::unexpected(Error::NotFound("call " + call_id.value + " is over"));
  }
  Expected<Tenant> tenant = store.GetTenant(call->tenant_id);
  if (!tenant) return std::unexpected(tenant.error());
  Expected<Campaign> campaign = store.GetCampaign(call->tenant_id, call->campaign_id);
  if (!campaign) return std::unexpected(campaign.error());
  Expected<Lead> lead = store.GetLead(call->tenant_id, call->lead_id);
  if (!lead) return std::unexpected(lead.error());
  ConversationScript script = ScriptOf(*campaign, tenant->name);
  const std::string business = script.business_name.value_or(tenant->name);
  LineFields fields = FieldsOf(*lead, business);
  VoicePipelineConfig config;
  // The answer, when its event is stored already (webhooks); else about now, as media comes with
  // the answer.
  config.timeline_origin = call->answered_at.value_or(clock.Now());
  bool record_calls = false;
  LanguageModelSettings model_settings;
  SpeechToTextSettings stt_settings;
  TextToSpeechSettings tts_settings;
  // Validated when the campaign was created; a row written otherwise falls back to the defaults.
  if (Expected<VoiceSettings> voice = VoiceSettingsFromCallingConfig(campaign->calling_config)) {
    config.turn_taking = voice->turn_taking;
    config.opt_out_key = voice->opt_out_key;
    config.max_call_length = voice->max_call_length;
    config.detect_answering_machine = voice->voicemail.detect;
    record_calls = voice->record_calls;
    model_settings = voice->language_model;
    stt_settings = voice->speech_to_text;
    tts_settings = voice->text_to_speech;
    if (voice->voicemail.message) {
      config.voicemail_message = RenderLine(*voice->voicemail.message, fields);
    }
  } else {
    spdlog::warn("campaign {}: {}; the default voice settings apply", campaign->id.value,
                 voice.error().Describe());
  }
  auto engine = std::make_shared<ConversationEngine>(
      std::make_shared<const ConversationScript>(std::move(script)), fields,
      OptOutNotice(*campaign, config.opt_out_key));
  std::shared_ptr<LanguageModel> language_model = CloudOrOffline<LanguageModel>(
      cloud, model_settings, std::mem_fn(&CloudProviders::ModelFor), call_id, *campaign, "engine");
  if (!language_model) language_model = engine;
  return AnsweredCall{
      .session = {.call_id = call->id,
                  .campaign_id = call->campaign_id,
                  .lead_id = call->lead_id,
                  .tenant_id = call->tenant_id,
                  .vonage_call_uuid = call->provider_call_id,
                  .system_prompt = BuildSystemPrompt({.campaign_prompt = campaign->system_prompt,
                                                      .goal = campaign->goal,
                                                      .business = business,
                                                      .lead = fields}),
                  .voice_id = OfflineVoiceFor(campaign->voice_id)},
      .config = std::move(config),
      .speech_to_text = CloudOrOffline<SpeechToText>(cloud, stt_settings,
                                                     std::mem_fn(&CloudProviders::SpeechToTextFor),
                                                     call_id, *campaign, "recognizer"),
      .text_to_speech = CloudOrOffline<TextToSpeech>(cloud, tts_settings,
                                                     std::mem_fn(&CloudProviders::TextToSpeechFor),
                                                     call_id, *campaign, "voice"),
      .language_model = std::move(language_model),
      .reply_grammar = engine,
      .recorder = std::make_shared<StoreConversationRecorder>(store, clock, *call),
      .keep_recording =
          record_calls ? KeepRecordingIn(store, clock, *call) : std::function<void(std::string)>()};
}

}  // namespace talky
