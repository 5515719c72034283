#include "domain/job_completion.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;
using O = CallOutcome;
using S = JobStatus;

const Instant kNow = sys_days{2026y / 11 / 21} + 15h;

struct CompletionCase {
  CallOutcome outcome;
  int attempt;
  JobStatus status;
  const char* reason;
};

// Default policy: document 000's sets, 7200 s, 3 attempts.
const CompletionCase kCases[] = {
    {O::kGoalAchieved, 1, S::kGoalAchieved, "goal_achieved"},
    {O::kGoalAchieved, 3, S::kGoalAchieved, "goal_achieved"},
    {O::kAnswered, 1, S::kGoalAchieved, "goal_achieved"},
    {O::kBusy, 1, S::kRetryScheduled, "retrying_busy"},
    {O::kNoAnswer, 2, S::kRetryScheduled, "retrying_no_answer"},
    {O::kTimeout, 1, S::kRetryScheduled, "retrying_timeout"},
    {O::kFailed, 1, S::kRetryScheduled, "retrying_failed"},
    {O::kVoicemail, 1, S::kRetryScheduled, "retrying_voicemail"},
    {O::kBusy, 3, S::kFailed, "max_attempts_reached"},
    {O::kVoicemail, 3, S::kFailed, "max_attempts_reached"},
    {O::kSpam, 1, S::kNonRetryable, "non_retryable_spam"},
    {O::kInvalid, 1, S::kNonRetryable, "non_retryable_invalid"},
    {O::kUnavailable, 2, S::kNonRetryable, "non_retryable_unavailable"},
    {O::kDisconnected, 1, S::kNonRetryable, "non_retryable_disconnected"},
    {O::kRejected, 3, S::kNonRetryable, "non_retryable_rejected"},
    {O::kGoalNotAchieved, 1, S::kCompleted, "goal_not_achieved"},
    {O::kGoalNotAchieved, 2, S::kCompleted, "goal_not_achieved"},
    {O::kGoalNotAchieved, 3, S::kFailed, "max_attempts_reached"},
};

TEST(JobCompletion, DecidesLikeTheSpecsCompletionHandler) {
  for (const CompletionCase& c : kCases) {
    const JobCompletion completion = DecideJobCompletion(RetryPolicy{}, c.outcome, c.attempt, kNow);
    EXPECT_EQ(completion.status, c.status) << ToString(c.outcome) << " attempt " << c.attempt;
    EXPECT_EQ(completion.reason, c.reason) << ToString(c.outcome) << " attempt " << c.attempt;
    if (c.status == S::kRetryScheduled) {
      EXPECT_EQ(completion.retry_at, kNow + 7200s);
      EXPECT_EQ(completion.next_attempt_number, c.attempt + 1);
    } else {
      EXPECT_EQ(completion.retry_at, std::nullopt);
    }
  }
}

TEST(JobCompletion, UsesTheTenantsDelayAndAttempts) {
  RetryPolicy policy;
  policy.retry_delay = 1800s;
  policy.max_attempts = 5;
  const JobCompletion completion = DecideJobCompletion(policy, O::kBusy, 4, kNow);
  EXPECT_EQ(completion.status, S::kRetryScheduled);
  EXPECT_EQ(completion.retry_at, kNow + 1800s);
  EXPECT_EQ(completion.next_attempt_number, 5);
  EXPECT_EQ(DecideJobCompletion(policy, O::kBusy, 5, kNow).status, S::kFailed);
}

}  // namespace
}  // namespace talky
