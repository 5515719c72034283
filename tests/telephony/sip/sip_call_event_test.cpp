// A SIP agent's events as the dialer records them: 18x ringing, 200 answered, the end completed
// with the table's outcome and SIP's own words kept in the payload.
#include "telephony/sip/sip_call_event.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

const Instant kAt = *ParseIso8601("2026-12-03T15:00:00Z");

SipCallEvent Event(SipCallEventKind kind, int status_code = 0) {
  return SipCallEvent{.kind = kind,
                      .call_id = CallId{"call-1"},
                      .provider_call_id = "abc@127.0.0.1",
                      .status_code = status_code,
                      .reason_phrase = std::string(SipStandardReasonPhrase(status_code))};
}

TEST(SipCallEventTest, ProgressIsRingingAndTheAnswerIsAnswered) {
  SipCallEvent progress = Event(SipCallEventKind::kProgress, 183);
  progress.early_media = true;
  std::optional<CallEvent> ringing = ToCallEvent(progress, kAt);
  ASSERT_TRUE(ringing);
  EXPECT_EQ(ringing->status, CallStatus::kRinging);
  EXPECT_EQ(ringing->call_id, CallId{"call-1"});
  EXPECT_EQ(ringing->provider_call_id, "abc@127.0.0.1");
  EXPECT_EQ(ringing->occurred_at, kAt);
  EXPECT_FALSE(ringing->outcome);
  EXPECT_EQ(ringing->payload["sip_status"], 183);
  EXPECT_EQ(ringing->payload["early_media"], true);

  std::optional<CallEvent> answered = ToCallEvent(Event(SipCallEventKind::kAnswered, 200), kAt);
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, CallStatus::kAnswered);
  EXPECT_FALSE(answered->outcome);
  EXPECT_EQ(answered->payload["status"], "answered");

  EXPECT_FALSE(ToCallEvent(Event(SipCallEventKind::kMediaChanged), kAt));
}

TEST(SipCallEventTest, TheEndIsCompletedWithTheTablesOutcome) {
  struct Row {
    SipEndCause cause;
    int status_code;
    CallOutcome outcome;
  };
  const Row rows[] = {
      {SipEndCause::kFinalResponse, 486, CallOutcome::kBusy},
      {SipEndCause::kFinalResponse, 404, CallOutcome::kInvalid},
      {SipEndCause::kFinalResponse, 503, CallOutcome::kFailed},
      {SipEndCause::kRingTimeout, 487, CallOutcome::kNoAnswer},
      {SipEndCause::kRemoteHangup, 0, CallOutcome::kGoalNotAchieved},
      {SipEndCause::kAuthFailed, 403, CallOutcome::kFailed},
      {SipEndCause::kTransportError, 0, CallOutcome::kFailed},
  };
  for (const Row& row : rows) {
    SipCallEvent ended = Event(SipCallEventKind::kEnded, row.status_code);
    ended.end_cause = row.cause;
    ended.end_reason = SipEndReason(row.cause, row.status_code);
    std::optional<CallEvent> completed = ToCallEvent(ended, kAt);
    ASSERT_TRUE(completed) << ToString(row.cause);
    EXPECT_EQ(completed->status, CallStatus::kCompleted) << ToString(row.cause);
    EXPECT_EQ(completed->outcome, row.outcome) << ToString(row.cause) << " " << row.status_code;
    EXPECT_EQ(completed->payload["end_cause"], ToString(row.cause));
    EXPECT_EQ(completed->payload["detail"], ended.end_reason);
    EXPECT_EQ(completed->payload.contains("sip_status"), row.status_code != 0);
  }
}

}  // namespace
}  // namespace talky
