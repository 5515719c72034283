// The outcome of one call attempt, with the specification's exact strings (document 000 §2.2),
// and do_not_call.
// How the call progressed at the provider is a separate thing: see call_status.h.
#pragma once

#include <optional>
#include <string_view>

namespace talky {

enum class CallOutcome {
  kAnswered,
  kNoAnswer,
  kBusy,
  kFailed,
  kTimeout,
  kSpam,
  kInvalid,
  kUnavailable,
  kDisconnected,
  kGoalAchieved,
  kGoalNotAchieved,
  kVoicemail,
  kRejected,
  // Ours, beyond the specification's: the callee asked not to be called again (their number is on
  // the tenant's Do-Not-Call list). Always final, whatever the tenant's retry sets say.
  kDoNotCall,
};

inline constexpr int kCallOutcomeCount = 14;

std::string_view ToString(CallOutcome outcome);
std::optional<CallOutcome> ParseCallOutcome(std::string_view text);

}  // namespace talky
