// The wire strings of every domain enum are fixed by the specification; each table lists them all.
#include <gtest/gtest.h>

#include "domain/call_outcome.h"
#include "domain/call_state.h"
#include "domain/call_status.h"
#include "domain/campaign.h"
#include "domain/conversation.h"
#include "domain/job_status.h"
#include "domain/lead.h"

namespace talky {
namespace {

template <typename Enum, typename Parse>
void ExpectNames(const std::vector<std::pair<Enum, std::string>>& table, Parse parse) {
  for (const auto& [value, name] : table) {
    EXPECT_EQ(ToString(value), name);
    EXPECT_EQ(parse(name), value) << name;
  }
  EXPECT_EQ(parse("no_such_value"), std::nullopt);
  EXPECT_EQ(parse(""), std::nullopt);
}

TEST(Enums, JobStatusUsesTheSpecsStrings) {
  using enum JobStatus;
  ExpectNames<JobStatus>({{kPending, "pending"},
                          {kProcessing, "processing"},
                          {kCompleted, "completed"},
                          {kFailed, "failed"},
                          {kRetryScheduled, "retry_scheduled"},
                          {kSkipped, "skipped"},
                          {kGoalAchieved, "goal_achieved"},
                          {kNonRetryable, "non_retryable"}},
                         ParseJobStatus);
}

TEST(Enums, FinalJobStatusesAreTheClosedOnes) {
  using enum JobStatus;
  for (JobStatus s : {kCompleted, kFailed, kGoalAchieved, kNonRetryable}) EXPECT_TRUE(IsFinal(s));
  for (JobStatus s : {kPending, kProcessing, kRetryScheduled, kSkipped}) EXPECT_FALSE(IsFinal(s));
}

TEST(Enums, CallOutcomeUsesTheSpecsStrings) {
  using enum CallOutcome;
  ExpectNames<CallOutcome>({{kAnswered, "answered"},
                            {kNoAnswer, "no_answer"},
                            {kBusy, "busy"},
                            {kFailed, "failed"},
                            {kTimeout, "timeout"},
                            {kSpam, "spam"},
                            {kInvalid, "invalid"},
                            {kUnavailable, "unavailable"},
                            {kDisconnected, "disconnected"},
                            {kGoalAchieved, "goal_achieved"},
                            {kGoalNotAchieved, "goal_not_achieved"},
                            {kVoicemail, "voicemail"},
                            {kRejected, "rejected"}},
                           ParseCallOutcome);
}

TEST(Enums, CallStateUsesTheSpecsStrings) {
  using enum CallState;
  ExpectNames<CallState>({{kConnecting, "connecting"},
                          {kActive, "active"},
                          {kListening, "listening"},
                          {kProcessing, "processing"},
                          {kSpeaking, "speaking"},
                          {kEnding, "ending"},
                          {kEnded, "ended"},
                          {kError, "error"}},
                         ParseCallState);
}

TEST(Enums, CampaignLeadAndMessageStrings) {
  using enum CampaignStatus;
  ExpectNames<CampaignStatus>({{kDraft, "draft"},
                               {kScheduled, "scheduled"},
                               {kRunning, "running"},
                               {kPaused, "paused"},
                               {kCompleted, "completed"},
                               {kCancelled, "cancelled"}},
                              ParseCampaignStatus);
  ExpectNames<LeadStatus>({{LeadStatus::kPending, "pending"},
                           {LeadStatus::kCalled, "called"},
                           {LeadStatus::kCompleted, "completed"},
                           {LeadStatus::kDnc, "dnc"}},
                          ParseLeadStatus);
  ExpectNames<MessageRole>({{MessageRole::kSystem, "system"},
                            {MessageRole::kUser, "user"},
                            {MessageRole::kAssistant, "assistant"}},
                           ParseMessageRole);
}

TEST(Enums, CallStatusIsApartFromOutcome) {
  using enum CallStatus;
  ExpectNames<CallStatus>({{kStarted, "started"},
                           {kRinging, "ringing"},
                           {kAnswered, "answered"},
                           {kCompleted, "completed"}},
                          ParseCallStatus);
}

struct AdvanceCase {
  CallStatus from;
  CallStatus to;
  bool allowed;
};

TEST(Enums, CallStatusOnlyMovesForward) {
  using enum CallStatus;
  const AdvanceCase cases[] = {
      {kStarted, kRinging, true},     {kStarted, kAnswered, true},
      {kStarted, kCompleted, true},   {kRinging, kAnswered, true},
      {kRinging, kCompleted, true},   {kAnswered, kCompleted, true},
      {kStarted, kStarted, false},    {kRinging, kStarted, false},
      {kAnswered, kRinging, false},   {kAnswered, kAnswered, false},
      {kCompleted, kAnswered, false}, {kCompleted, kCompleted, false},
      {kCompleted, kStarted, false},
  };
  for (const AdvanceCase& c : cases) {
    EXPECT_EQ(CanAdvance(c.from, c.to), c.allowed) << ToString(c.from) << " -> " << ToString(c.to);
  }
}

}  // namespace
}  // namespace talky
