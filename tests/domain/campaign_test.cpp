#include "domain/campaign.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using enum CampaignStatus;

// Every pair of statuses, one row per "from": the statuses it may move to.
struct TransitionRow {
  CampaignStatus from;
  std::set<CampaignStatus> allowed;
};

const TransitionRow kTransitions[] = {
    {kDraft, {kScheduled, kRunning, kCancelled}},
    {kScheduled, {kRunning, kCancelled}},
    {kRunning, {kPaused, kCompleted, kCancelled}},
    {kPaused, {kRunning, kCancelled}},
    {kCompleted, {}},
    {kCancelled, {}},
};

TEST(Campaign, AllowsExactlyTheDocumentedTransitions) {
  for (const TransitionRow& row : kTransitions) {
    for (CampaignStatus to : {kDraft, kScheduled, kRunning, kPaused, kCompleted, kCancelled}) {
      EXPECT_EQ(CanTransition(row.from, to), row.allowed.contains(to))
          << ToString(row.from) << " -> " << ToString(to);
    }
  }
}

TEST(Campaign, DefaultsFollowTheSpec) {
  const Campaign campaign;
  EXPECT_EQ(campaign.status, kDraft);
  EXPECT_EQ(campaign.max_concurrent_calls, 10);
  EXPECT_TRUE(campaign.retry_failed);
  EXPECT_EQ(campaign.max_retries, 3);
  EXPECT_EQ(campaign.total_leads, 0);
  EXPECT_EQ(campaign.calls_completed, 0);
  EXPECT_EQ(campaign.calls_failed, 0);
  EXPECT_TRUE(campaign.script_config.is_null());
}

// One rule for a campaign's limits (API, campaign file and store all use it): a row per value.
struct LimitsRow {
  int max_concurrent_calls;
  int max_retries;
  std::vector<std::string> bad_fields;
};

const LimitsRow kLimits[] = {
    {1, 0, {}},
    {100, 10, {}},
    {10, 3, {}},
    {0, 3, {"max_concurrent_calls"}},
    {101, 3, {"max_concurrent_calls"}},
    {10, -1, {"max_retries"}},
    {10, 11, {"max_retries"}},
    {0, 11, {"max_concurrent_calls", "max_retries"}},
};

TEST(Campaign, LimitsAreOneRuleNamingEachBadField) {
  for (const LimitsRow& row : kLimits) {
    Campaign campaign;
    campaign.max_concurrent_calls = row.max_concurrent_calls;
    campaign.max_retries = row.max_retries;
    std::vector<std::string> bad;
    for (const FieldError& error : ValidateCampaignLimits(campaign)) bad.push_back(error.field);
    EXPECT_EQ(bad, row.bad_fields) << row.max_concurrent_calls << ", " << row.max_retries;
  }
}

}  // namespace
}  // namespace talky
