// The outcome of one call attempt, with the specification's exact strings (document 000 §2.2).
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
};

inline constexpr int kCallOutcomeCount = 13;

std::string_view ToString(CallOutcome outcome);
std::optional<CallOutcome> ParseCallOutcome(std::string_view text);

}  // namespace talky
