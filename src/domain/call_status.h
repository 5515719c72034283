// A call's progress at the telephony provider, kept apart from its outcome (ARCHITECTURE.md defect
// 11: a call is answered before anyone knows whether its goal was reached). A status only moves
// forward, which is what makes repeated and reordered provider events harmless.
#pragma once

#include <optional>
#include <string_view>

namespace talky {

enum class CallStatus {
  kStarted,    // the provider accepted the call request
  kRinging,    // the called phone is ringing
  kAnswered,   // somebody or something picked up
  kCompleted,  // the call is over, for whatever reason; the outcome says which
};

std::string_view ToString(CallStatus status);
std::optional<CallStatus> ParseCallStatus(std::string_view text);

// True when a call in `from` may move to `to`: strictly forward (started < ringing < answered <
// completed). A call can skip steps (started -> completed when the line is busy).
bool CanAdvance(CallStatus from, CallStatus to);

}  // namespace talky
