#include "voice/voice_settings.h"

#include <string_view>

namespace talky {

Expected<VoiceSettings> VoiceSettingsFromCallingConfig(const nlohmann::json& calling_config) {
  VoiceSettings settings;
  if (!calling_config.is_object()) return settings;
  std::vector<FieldError> errors;
  if (auto turns = calling_config.find("turn_taking"); turns != calling_config.end()) {
    Expected<TurnTaking> read = TurnTakingFromJson(*turns, "calling_config.turn_taking");
    if (read) {
      settings.turn_taking = *read;
    } else {
      errors = std::move(read.error().fields);
    }
  }
  if (auto key = calling_config.find("opt_out_key"); key != calling_config.end()) {
    constexpr std::string_view kKeys = "0123456789*#";
    if (key->is_null()) {
      settings.opt_out_key = std::nullopt;
    } else if (key->is_string() && key->get_ref<const std::string&>().size() == 1 &&
               kKeys.find(key->get_ref<const std::string&>()[0]) != std::string_view::npos) {
      settings.opt_out_key = key->get_ref<const std::string&>()[0];
    } else {
      errors.push_back({"calling_config.opt_out_key", "must be one key of 0-9, * or #, or null"});
    }
  }
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid voice settings", std::move(errors)));
  }
  return settings;
}

}  // namespace talky
