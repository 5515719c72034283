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

}  // namespace
}  // namespace talky
