// The state of a live call session's conversation loop (document 002 "CallState Enum"): where the
// voice pipeline is between listening, thinking and speaking. Distinct from CallStatus, which is
// the provider's view of the phone call.
#pragma once

#include <optional>
#include <string_view>

namespace talky {

enum class CallState {
  kConnecting,  // media WebSocket connecting
  kActive,      // call in progress
  kListening,   // waiting for the user's speech
  kProcessing,  // STT/LLM/TTS at work
  kSpeaking,    // the agent is speaking
  kEnding,      // graceful shutdown
  kEnded,       // call over
  kError,       // unrecoverable error
};

std::string_view ToString(CallState state);
std::optional<CallState> ParseCallState(std::string_view text);

}  // namespace talky
