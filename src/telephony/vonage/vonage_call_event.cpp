#include "telephony/vonage/vonage_call_event.h"

#include <array>
#include <utility>

namespace talky {
namespace {

using enum CallStatus;
using O = CallOutcome;

struct StatusRow {
  std::string_view status;
  VonageCallEvent event;
};

// The spec's map, kept where it holds: answered is a status, not an outcome (ARCHITECTURE.md
// defect 11), and "disconnected" is Vonage's leg hang-up, not a disconnected number.
constexpr std::array kStatuses{
    StatusRow{"started", {kStarted, std::nullopt}},
    StatusRow{"ringing", {kRinging, std::nullopt}},
    StatusRow{"answered", {kAnswered, std::nullopt}},
    StatusRow{"human", {kAnswered, std::nullopt}},     // machine detection: a person
    StatusRow{"machine", {kAnswered, O::kVoicemail}},  // machine detection: voicemail
    StatusRow{"completed", {kCompleted, O::kGoalNotAchieved}},
    StatusRow{"disconnected", {kCompleted, O::kGoalNotAchieved}},
    StatusRow{"busy", {kCompleted, O::kBusy}},
    StatusRow{"timeout", {kCompleted, O::kNoAnswer}},
    StatusRow{"unanswered", {kCompleted, O::kNoAnswer}},
    StatusRow{"cancelled", {kCompleted, O::kFailed}},  // we ended it before an answer
    StatusRow{"rejected", {kCompleted, O::kRejected}},
    StatusRow{"failed", {kCompleted, O::kFailed}},
};

struct DetailRow {
  std::string_view detail;
  CallOutcome outcome;
};

// A failure's `detail` says more than its status: a rejected call whose detail is invalid_number is
// an invalid number, not a refusal. Details not listed (no_detail, unmapped_detail, ...) leave the
// status's outcome as it is.
constexpr std::array kFailureDetails{
    DetailRow{"invalid_number", O::kInvalid},
    DetailRow{"number_out_of_service", O::kDisconnected},
    DetailRow{"declined", O::kRejected},
    DetailRow{"restricted", O::kRejected},   // the carrier refused the call
    DetailRow{"unavailable", O::kNoAnswer},  // the callee is unavailable for now
    DetailRow{"timeout", O::kNoAnswer},
    DetailRow{"ring_timeout", O::kNoAnswer},
    DetailRow{"carrier_timeout", O::kFailed},
    DetailRow{"cannot_route", O::kFailed},
    DetailRow{"internal_error", O::kFailed},
};

bool IsFailure(CallOutcome outcome) {
  return outcome != O::kGoalNotAchieved && outcome != O::kVoicemail;
}

}  // namespace

std::optional<VonageCallEvent> MapVonageCallEvent(std::string_view status,
                                                  std::string_view detail) {
  for (const StatusRow& row : kStatuses) {
    if (row.status != status) continue;
    VonageCallEvent event = row.event;
    if (event.outcome && IsFailure(*event.outcome)) {
      for (const DetailRow& refinement : kFailureDetails) {
        if (refinement.detail == detail) event.outcome = refinement.outcome;
      }
    }
    return event;
  }
  return std::nullopt;
}

}  // namespace talky
