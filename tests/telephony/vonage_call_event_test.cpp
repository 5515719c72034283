#include "telephony/vonage/vonage_call_event.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using enum CallStatus;
using O = CallOutcome;

struct EventCase {
  const char* status;
  const char* detail;
  CallStatus call_status;
  std::optional<CallOutcome> outcome;
};

const EventCase kEvents[] = {
    // Progress: no outcome yet.
    {"started", "", kStarted, std::nullopt},
    {"ringing", "", kRinging, std::nullopt},
    {"answered", "", kAnswered, std::nullopt},
    {"human", "", kAnswered, std::nullopt},
    // The spec's VONAGE_STATUS_MAP.
    {"completed", "", kCompleted, O::kGoalNotAchieved},
    {"busy", "", kCompleted, O::kBusy},
    {"timeout", "", kCompleted, O::kNoAnswer},
    {"failed", "", kCompleted, O::kFailed},
    {"rejected", "", kCompleted, O::kRejected},
    {"machine", "", kAnswered, O::kVoicemail},
    // The rest of Vonage's statuses.
    {"unanswered", "", kCompleted, O::kNoAnswer},
    {"unanswered", "timeout", kCompleted, O::kNoAnswer},
    {"unanswered", "unavailable", kCompleted, O::kNoAnswer},
    {"cancelled", "", kCompleted, O::kFailed},
    {"disconnected", "", kCompleted, O::kGoalNotAchieved},
    // Details refine failures.
    {"rejected", "invalid_number", kCompleted, O::kInvalid},
    {"rejected", "declined", kCompleted, O::kRejected},
    {"rejected", "restricted", kCompleted, O::kRejected},
    {"rejected", "number_out_of_service", kCompleted, O::kDisconnected},
    {"failed", "invalid_number", kCompleted, O::kInvalid},
    {"failed", "number_out_of_service", kCompleted, O::kDisconnected},
    {"failed", "cannot_route", kCompleted, O::kFailed},
    {"failed", "internal_error", kCompleted, O::kFailed},
    {"failed", "carrier_timeout", kCompleted, O::kFailed},
    {"busy", "no_detail", kCompleted, O::kBusy},
    {"failed", "unmapped_detail", kCompleted, O::kFailed},
    // A detail never turns a finished conversation into a failure.
    {"completed", "invalid_number", kCompleted, O::kGoalNotAchieved},
    {"machine", "unavailable", kAnswered, O::kVoicemail},
};

TEST(VonageCallEvent, MapsEveryStatusAndDetail) {
  for (const EventCase& c : kEvents) {
    const std::optional<VonageCallEvent> event = MapVonageCallEvent(c.status, c.detail);
    ASSERT_TRUE(event) << c.status;
    EXPECT_EQ(event->status, c.call_status) << c.status << "/" << c.detail;
    EXPECT_EQ(event->outcome, c.outcome) << c.status << "/" << c.detail;
  }
}

TEST(VonageCallEvent, IgnoresEventsThatSayNothingAboutProgress) {
  for (const char* status : {"record", "input", "transfer", "", "ANSWERED", "future_status"}) {
    EXPECT_EQ(MapVonageCallEvent(status), std::nullopt) << status;
  }
}

}  // namespace
}  // namespace talky
