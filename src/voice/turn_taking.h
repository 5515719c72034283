// When the caller holds the floor: turn-taking, per campaign (its calling_config.turn_taking, read
// through voice_settings.h when the campaign is created and when a call is answered).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>

#include "domain/error.h"

namespace talky {

// When the caller holds the floor. Per campaign; the defaults are VOICE.md's field values.
struct TurnTaking {
  std::chrono::milliseconds speech_start{60};   // speech this long starts the caller's turn
  std::chrono::milliseconds barge_in_min{200};  // caller speech over the agent this long interrupts
  std::chrono::milliseconds endpointing_min{500};     // silence after speech that ends the turn
  std::chrono::milliseconds endpointing_max{10'000};  // a turn that never pauses ends here
  std::chrono::milliseconds pre_roll{300};  // audio before the start of speech given to the STT
  std::chrono::milliseconds silence_reprompt{6'000};  // caller silence before "are you there"
  // A reply heard as an expected phrase but spoken for much longer than that phrase takes is not
  // that phrase: an offline grammar forces any speech onto its nearest phrase ("the weather is
  // lovely" comes out "yes"). Longer than words * per_word + slack: not understood.
  std::chrono::milliseconds speech_per_word{400};
  std::chrono::milliseconds speech_slack{400};
  int max_reprompts = 2;       // then the goodbye
  int max_not_understood = 3;  // "could you repeat" in a row, then the goodbye
};

// The tunable part of TurnTaking as a campaign gives it, every key optional (the default stays):
//   {"speech_start_ms": 20..1000, "barge_in_min_ms": 60..2000, "endpointing_min_ms": 200..5000,
//    "endpointing_max_ms": endpointing_min_ms..60000, "silence_reprompt_ms": 1000..60000,
//    "max_reprompts": 0..5, "max_not_understood": 1..10}
// Null is all defaults. kInvalidArgument names every bad field as `prefix` + "." + key.
Expected<TurnTaking> TurnTakingFromJson(const nlohmann::json& json, const std::string& prefix);

}  // namespace talky
