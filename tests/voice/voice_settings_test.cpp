// A campaign's calling_config as the voice path reads it: turn-taking, the opt-out key, the call
// length and what to do on an answering machine.
#include "voice/voice_settings.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> BadSettingsFields(const nlohmann::json& calling_config) {
  Expected<VoiceSettings> settings = VoiceSettingsFromCallingConfig(calling_config);
  std::vector<std::string> fields;
  if (settings) return fields;
  for (const FieldError& field : settings.error().fields) fields.push_back(field.field);
  std::ranges::sort(fields);
  return fields;
}

TEST(VoiceSettings, DefaultsWhenTheCampaignSaysNothingOfTheVoice) {
  for (const nlohmann::json& config :
       {nlohmann::json(), nlohmann::json{{"caller_id", "+12125550100"}}}) {
    Expected<VoiceSettings> settings = VoiceSettingsFromCallingConfig(config);
    ASSERT_TRUE(settings) << settings.error().Describe();
    EXPECT_EQ(settings->opt_out_key, '9');
    EXPECT_EQ(settings->turn_taking.endpointing_min, TurnTaking{}.endpointing_min);
  }
}

TEST(VoiceSettings, ReadsTheOptOutKeyAndTurnTaking) {
  Expected<VoiceSettings> settings = VoiceSettingsFromCallingConfig(
      {{"opt_out_key", "#"}, {"turn_taking", {{"endpointing_min_ms", 700}}}});
  ASSERT_TRUE(settings) << settings.error().Describe();
  EXPECT_EQ(settings->opt_out_key, '#');
  EXPECT_EQ(settings->turn_taking.endpointing_min, 700ms);
  // null: no opt-out key (calls that are not telemarketing).
  settings = VoiceSettingsFromCallingConfig({{"opt_out_key", nullptr}});
  ASSERT_TRUE(settings) << settings.error().Describe();
  EXPECT_EQ(settings->opt_out_key, std::nullopt);
}

TEST(VoiceSettings, ReadsTheCallLengthAndTheVoicemailAction) {
  Expected<VoiceSettings> settings = VoiceSettingsFromCallingConfig(
      {{"max_call_seconds", 120},
       {"voicemail", {{"action", "leave_message"}, {"message", "Hi {first_name}, call us."}}}});
  ASSERT_TRUE(settings) << settings.error().Describe();
  EXPECT_EQ(settings->max_call_length, 120s);
  EXPECT_TRUE(settings->voicemail.detect);
  EXPECT_EQ(settings->voicemail.message, "Hi {first_name}, call us.");
  settings = VoiceSettingsFromCallingConfig({{"voicemail", {{"detect", false}}}});
  ASSERT_TRUE(settings) << settings.error().Describe();
  EXPECT_FALSE(settings->voicemail.detect);
  EXPECT_EQ(settings->voicemail.message, std::nullopt);  // the default action: hang up
  EXPECT_EQ(VoiceSettingsFromCallingConfig({})->max_call_length, 600s);
}

TEST(VoiceSettings, CallsAreRecordedOnlyWhenTheCampaignSaysSo) {
  EXPECT_FALSE(VoiceSettingsFromCallingConfig({})->record_calls);
  EXPECT_TRUE(VoiceSettingsFromCallingConfig({{"record_calls", true}})->record_calls);
  EXPECT_EQ(BadSettingsFields({{"record_calls", "yes"}}),
            std::vector<std::string>{"calling_config.record_calls"});
}

TEST(VoiceSettings, EveryBadFieldIsNamedUnderCallingConfig) {
  EXPECT_EQ(BadSettingsFields({{"max_call_seconds", 10}}),
            std::vector<std::string>{"calling_config.max_call_seconds"});
  EXPECT_EQ(BadSettingsFields({{"voicemail", {{"action", "leave_message"}}}}),
            std::vector<std::string>{"calling_config.voicemail.message"});
  EXPECT_EQ(
      BadSettingsFields(
          {{"voicemail", {{"action", "leave_message"}, {"message", "Hi {nick}"}, {"beep", 1}}}}),
      (std::vector<std::string>{"calling_config.voicemail.beep",
                                "calling_config.voicemail.message"}));
  EXPECT_EQ(BadSettingsFields({{"voicemail", {{"action", "sing"}}}}),
            std::vector<std::string>{"calling_config.voicemail.action"});
  EXPECT_EQ(BadSettingsFields({{"voicemail", "hang up"}}),
            std::vector<std::string>{"calling_config.voicemail"});
  for (const nlohmann::json& key : {nlohmann::json("99"), nlohmann::json(9), nlohmann::json("a"),
                                    nlohmann::json(""), nlohmann::json::array()}) {
    EXPECT_EQ(BadSettingsFields({{"opt_out_key", key}}),
              std::vector<std::string>{"calling_config.opt_out_key"})
        << key;
  }
  EXPECT_EQ(BadSettingsFields({{"opt_out_key", "x"}, {"turn_taking", {{"max_reprompts", 9}}}}),
            (std::vector<std::string>{"calling_config.opt_out_key",
                                      "calling_config.turn_taking.max_reprompts"}));
}

// Which language model speaks: offline by default; an OpenAI-compatible API names its URL, its
// model and the secret that holds its key (never the key).
TEST(VoiceSettings, ReadsTheLanguageModelAndNamesEachBadField) {
  Expected<VoiceSettings> offline = VoiceSettingsFromCallingConfig(nlohmann::json::object());
  ASSERT_TRUE(offline);
  EXPECT_FALSE(offline->language_model.cloud);

  Expected<VoiceSettings> groq =
      VoiceSettingsFromCallingConfig({{"language_model",
                                       {{"provider", "openai"},
                                        {"base_url", "https://api.groq.com/openai/v1/"},
                                        {"model", "llama-3.1-8b-instant"},
                                        {"api_key_name", "GROQ_API_KEY"}}}});
  ASSERT_TRUE(groq) << groq.error().Describe();
  EXPECT_EQ(groq->language_model,
            (LanguageModelSettings{.cloud = true,
                                   .base_url = "https://api.groq.com/openai/v1",
                                   .model = "llama-3.1-8b-instant",
                                   .api_key_name = "GROQ_API_KEY"}));

  EXPECT_EQ(BadSettingsFields({{"language_model", {{"provider", "gemini"}}}}),
            std::vector<std::string>{"calling_config.language_model.provider"});
  EXPECT_EQ(
      BadSettingsFields({{"language_model",
                          {{"provider", "openai"},
                           {"base_url", "ftp://models.example.com"},
                           {"api_key_name", "gsk-0123456789abcdef"},
                           {"temperature", 2}}}}),
      (std::vector<std::string>{
          "calling_config.language_model.api_key_name", "calling_config.language_model.base_url",
          "calling_config.language_model.model", "calling_config.language_model.temperature"}));
  EXPECT_EQ(BadSettingsFields({{"language_model", "groq"}}),
            std::vector<std::string>{"calling_config.language_model"});
}

// Which ears and voice: offline by default; Deepgram and Cartesia with documented defaults, a
// Cartesia voice required, every name checked before it reaches a URL or a request.
TEST(VoiceSettings, ReadsTheCloudEarsAndVoiceAndNamesEachBadField) {
  Expected<VoiceSettings> offline = VoiceSettingsFromCallingConfig(nlohmann::json::object());
  ASSERT_TRUE(offline);
  EXPECT_FALSE(offline->speech_to_text.cloud);
  EXPECT_FALSE(offline->text_to_speech.cloud);

  Expected<VoiceSettings> cloud = VoiceSettingsFromCallingConfig(
      {{"speech_to_text", {{"provider", "deepgram"}, {"language", "en-GB"}}},
       {"text_to_speech",
        {{"provider", "cartesia"},
         {"voice", "a0e99841-438c-4a64-b679-ae501e7d6091"},
         {"url", "wss://tts.example.com/tts/websocket"},
         {"api_key_name", "TENANT_CARTESIA_KEY"}}}});
  ASSERT_TRUE(cloud) << cloud.error().Describe();
  EXPECT_EQ(cloud->speech_to_text, (SpeechToTextSettings{.cloud = true, .language = "en-GB"}));
  EXPECT_EQ(cloud->text_to_speech,
            (TextToSpeechSettings{.cloud = true,
                                  .url = "wss://tts.example.com/tts/websocket",
                                  .voice = "a0e99841-438c-4a64-b679-ae501e7d6091",
                                  .api_key_name = "TENANT_CARTESIA_KEY"}));

  EXPECT_EQ(BadSettingsFields({{"speech_to_text",
                                {{"provider", "whisper"},
                                 {"url", "https://api.deepgram.com/v1/listen"},
                                 {"model", "nova-3&keyterm=x"},
                                 {"api_key_name", "dg key"}}}}),
            (std::vector<std::string>{
                "calling_config.speech_to_text.api_key_name", "calling_config.speech_to_text.model",
                "calling_config.speech_to_text.provider", "calling_config.speech_to_text.url"}));
  EXPECT_EQ(BadSettingsFields({{"text_to_speech", {{"provider", "cartesia"}, {"speed", 2}}}}),
            (std::vector<std::string>{"calling_config.text_to_speech.speed",
                                      "calling_config.text_to_speech.voice"}));
  EXPECT_EQ(BadSettingsFields({{"text_to_speech", {{"voice", "\"bad\""}}}}),
            std::vector<std::string>{"calling_config.text_to_speech.voice"});
}

}  // namespace
}  // namespace talky
