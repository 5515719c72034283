#include "domain/retry_policy.h"

#include <gtest/gtest.h>

#include "domain/calling_rules.h"

namespace talky {
namespace {

using enum CallOutcome;

struct RetryCase {
  const char* name;
  std::optional<CallOutcome> outcome;
  int attempt;
  bool goal_flag;
  bool retry;
  const char* reason;
};

// Document 000 §7.2 lists: retry on busy, retry on no answer, no retry on goal achieved, no retry
// on spam, no retry after max attempts. The rest covers every rule and every default outcome.
const RetryCase kDefaultPolicyCases[] = {
    {"should_retry_on_busy", kBusy, 1, false, true, "retrying_busy"},
    {"should_retry_on_no_answer", kNoAnswer, 1, false, true, "retrying_no_answer"},
    {"should_not_retry_on_goal_achieved", kGoalAchieved, 1, false, false, "goal_achieved"},
    {"should_not_retry_on_spam", kSpam, 1, false, false, "non_retryable_spam"},
    {"should_not_retry_after_max_attempts", kBusy, 3, false, false, "max_attempts_reached"},
    {"retry_on_timeout", kTimeout, 1, false, true, "retrying_timeout"},
    {"retry_on_failed", kFailed, 2, false, true, "retrying_failed"},
    {"voicemail_is_retryable_by_default", kVoicemail, 1, false, true, "retrying_voicemail"},
    {"answered_counts_as_goal", kAnswered, 1, false, false, "goal_achieved"},
    {"goal_flag_wins_over_busy", kBusy, 1, true, false, "goal_achieved"},
    {"goal_flag_without_outcome", std::nullopt, 1, true, false, "goal_achieved"},
    {"invalid_never_retries", kInvalid, 1, false, false, "non_retryable_invalid"},
    {"unavailable_never_retries", kUnavailable, 1, false, false, "non_retryable_unavailable"},
    {"disconnected_never_retries", kDisconnected, 1, false, false, "non_retryable_disconnected"},
    {"rejected_never_retries", kRejected, 1, false, false, "non_retryable_rejected"},
    {"non_retryable_before_max_attempts", kSpam, 3, false, false, "non_retryable_spam"},
    {"goal_before_max_attempts", kGoalAchieved, 5, false, false, "goal_achieved"},
    {"max_attempts_past_the_limit", kNoAnswer, 4, false, false, "max_attempts_reached"},
    {"second_attempt_still_retries", kNoAnswer, 2, false, true, "retrying_no_answer"},
    {"goal_not_achieved_is_a_normal_end", kGoalNotAchieved, 1, false, false, "goal_not_achieved"},
    {"goal_not_achieved_second_attempt", kGoalNotAchieved, 2, false, false, "goal_not_achieved"},
    {"no_outcome_is_unknown", std::nullopt, 1, false, false, "unknown_outcome_none"},
    {"max_attempts_before_unknown", kGoalNotAchieved, 3, false, false, "max_attempts_reached"},
};

class DefaultRetryPolicy : public ::testing::TestWithParam<RetryCase> {};

TEST_P(DefaultRetryPolicy, DecidesAsTheSpec) {
  const RetryCase& c = GetParam();
  EXPECT_EQ(ShouldRetry(RetryPolicy{}, c.outcome, c.attempt, c.goal_flag),
            (RetryDecision{c.retry, c.reason}));
}

INSTANTIATE_TEST_SUITE_P(RetryPolicy, DefaultRetryPolicy, ::testing::ValuesIn(kDefaultPolicyCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(RetryPolicy, DefaultsAreDocument000s) {
  const RetryPolicy policy;
  EXPECT_EQ(policy.outcomes.retryable,
            (std::set<CallOutcome>{kBusy, kNoAnswer, kTimeout, kFailed, kVoicemail}));
  EXPECT_EQ(policy.outcomes.non_retryable,
            (std::set<CallOutcome>{kSpam, kInvalid, kUnavailable, kDisconnected, kRejected}));
  EXPECT_EQ(policy.outcomes.goal, (std::set<CallOutcome>{kGoalAchieved, kAnswered}));
  EXPECT_EQ(policy.retry_delay, std::chrono::seconds(7200));
  EXPECT_EQ(policy.max_attempts, 3);
  EXPECT_EQ(CallingRules{}.retry_policy(), policy);
}

TEST(RetryPolicy, TenantCanMakeVoicemailFinalAsDocument002Does) {
  RetryPolicy policy;
  policy.outcomes.retryable.erase(kVoicemail);
  EXPECT_EQ(ShouldRetry(policy, kVoicemail, 1),
            (RetryDecision{false, "unknown_outcome_voicemail"}));
  policy.outcomes.non_retryable.insert(kVoicemail);
  EXPECT_EQ(ShouldRetry(policy, kVoicemail, 1), (RetryDecision{false, "non_retryable_voicemail"}));
}

TEST(RetryPolicy, TenantSetsDecideForGoalNotAchieved) {
  RetryPolicy policy;
  policy.outcomes.retryable.insert(kGoalNotAchieved);
  EXPECT_EQ(ShouldRetry(policy, kGoalNotAchieved, 1),
            (RetryDecision{true, "retrying_goal_not_achieved"}));
  policy.outcomes.retryable.erase(kGoalNotAchieved);
  policy.outcomes.non_retryable.insert(kGoalNotAchieved);
  EXPECT_EQ(ShouldRetry(policy, kGoalNotAchieved, 1),
            (RetryDecision{false, "non_retryable_goal_not_achieved"}));
}

TEST(RetryPolicy, MaxAttemptsComesFromTheTenantsRules) {
  CallingRules rules;
  rules.max_retry_attempts = 5;
  rules.retry_delay_seconds = 1800;
  const RetryPolicy policy = rules.retry_policy();
  EXPECT_EQ(policy.retry_delay, std::chrono::seconds(1800));
  EXPECT_EQ(ShouldRetry(policy, kBusy, 4), (RetryDecision{true, "retrying_busy"}));
  EXPECT_EQ(ShouldRetry(policy, kBusy, 5), (RetryDecision{false, "max_attempts_reached"}));
}

}  // namespace
}  // namespace talky
