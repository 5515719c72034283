#include "domain/call_outcome.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<CallOutcome, kCallOutcomeCount> kCallOutcomeNames{{
    {CallOutcome::kAnswered, "answered"},
    {CallOutcome::kNoAnswer, "no_answer"},
    {CallOutcome::kBusy, "busy"},
    {CallOutcome::kFailed, "failed"},
    {CallOutcome::kTimeout, "timeout"},
    {CallOutcome::kSpam, "spam"},
    {CallOutcome::kInvalid, "invalid"},
    {CallOutcome::kUnavailable, "unavailable"},
    {CallOutcome::kDisconnected, "disconnected"},
    {CallOutcome::kGoalAchieved, "goal_achieved"},
    {CallOutcome::kGoalNotAchieved, "goal_not_achieved"},
    {CallOutcome::kVoicemail, "voicemail"},
    {CallOutcome::kRejected, "rejected"},
    {CallOutcome::kDoNotCall, "do_not_call"},
}};

}  // namespace

std::string_view ToString(CallOutcome outcome) { return NameOf(kCallOutcomeNames, outcome); }
std::optional<CallOutcome> ParseCallOutcome(std::string_view text) {
  return ValueOf(kCallOutcomeNames, text);
}

}  // namespace talky
