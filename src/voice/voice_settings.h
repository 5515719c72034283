// What a campaign's calling_config says about the voice of its calls: when the caller holds the
// floor (turn_taking, turn_taking.h) and the key that opts the callee out (opt_out_key: one of
// 0-9, * or #, default "9"; null for none, for calls that are not telemarketing). Read when a
// campaign is created (every bad field named) and when its call is answered.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "domain/error.h"
#include "voice/turn_taking.h"

namespace talky {

struct VoiceSettings {
  TurnTaking turn_taking;
  std::optional<char> opt_out_key = '9';
};

// `calling_config`: null or an object; keys that are not ours (caller_id) are left alone.
// kInvalidArgument names each bad field as "calling_config.<key>[.<key>]".
Expected<VoiceSettings> VoiceSettingsFromCallingConfig(const nlohmann::json& calling_config);

}  // namespace talky
