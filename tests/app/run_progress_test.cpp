#include "app/run_progress.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;

CampaignStats Stats(CampaignStatus status, int leads, int goals, StoreTally tally) {
  CampaignStats stats;
  stats.campaign.status = status;
  stats.campaign.total_leads = leads;
  stats.campaign.goals_achieved = goals;
  stats.tally = std::move(tally);
  return stats;
}

// Two campaigns: one done, one still running with a retry waiting and a call in flight.
std::vector<CampaignStats> FixedStats() {
  return {
      Stats(CampaignStatus::kCompleted, 4, 2,
            {.jobs_by_status =
                 {{"goal_achieved", 2}, {"failed", 1}, {"non_retryable", 1}, {"pending", 0}},
             .calls_by_outcome = {{"goal_achieved", 2}, {"busy", 3}, {"invalid", 1}},
             .leads_by_attempts = {{1, 2}, {2, 1}, {3, 1}},
             .skips_by_reason = {{"outside_calling_window", 5}, {"cooldown", 1}},
             .calls_total = 6,
             .calls_in_progress = 0}),
      Stats(CampaignStatus::kRunning, 4, 1,
            {.jobs_by_status =
                 {{"goal_achieved", 1}, {"retry_scheduled", 1}, {"processing", 1}, {"pending", 1}},
             .calls_by_outcome = {{"goal_achieved", 1}, {"no_answer", 1}},
             .leads_by_attempts = {{0, 1}, {1, 3}},
             .skips_by_reason = {{"outside_legal_hours", 2}, {"holiday", 1}},
             .calls_total = 3,
             .calls_in_progress = 1}),
  };
}

TEST(RunProgress, SumsTheCampaigns) {
  const RunTotals totals = SumStats(FixedStats());
  EXPECT_EQ(totals.campaigns, 2);
  EXPECT_EQ(totals.campaigns_done, 1);
  EXPECT_EQ(totals.leads, 8);
  EXPECT_EQ(totals.jobs, 8);
  EXPECT_EQ(totals.jobs_final, 5);  // goal_achieved 3, failed 1, non_retryable 1
  EXPECT_EQ(totals.calls_total, 9);
  EXPECT_EQ(totals.calls_in_progress, 1);
  EXPECT_EQ(totals.calls_done(), 8);
  EXPECT_EQ(totals.retries_waiting, 1);
  EXPECT_EQ(totals.goals_achieved, 3);
  EXPECT_EQ(totals.leads_called, 7);  // leads with 0 attempts are not counted
  EXPECT_DOUBLE_EQ(totals.goal_rate(), 3.0 / 7.0);
  EXPECT_EQ(totals.calls_by_outcome,
            (std::map<std::string, int64_t>{
                {"goal_achieved", 3}, {"busy", 3}, {"invalid", 1}, {"no_answer", 1}}));
  EXPECT_EQ(totals.leads_by_attempts, (std::map<int, int64_t>{{0, 1}, {1, 5}, {2, 1}, {3, 1}}));
  // Window, legal hours and holiday count as calling hours; a cooldown does not.
  EXPECT_EQ(totals.skips_for_calling_hours(), 8);
}

TEST(RunProgress, LineShowsWhatIsGoingOnAndAnEta) {
  const std::string line = RenderProgressLine(SumStats(FixedStats()), {.elapsed = 10s});
  EXPECT_EQ(line,
            "[10.0s] leads 5/8 final | calls 8 done, 1 in flight | retries waiting 1 | skipped for "
            "calling hours 8 | ETA 6.0s | busy 3, goal_achieved 3, invalid 1, no_answer 1");
}

TEST(RunProgress, LineBeforeAnyJobIsFinalHasNoEta) {
  const std::string line = RenderProgressLine(RunTotals{.jobs = 3}, {.elapsed = 850ms});
  EXPECT_EQ(line,
            "[850ms] leads 0/3 final | calls 0 done, 0 in flight | retries waiting 0 | skipped for "
            "calling hours 0 | ETA --");
}

TEST(RunProgress, LineWithSpeedShowsTheSimulatedClock) {
  const Instant start = sys_days{2026y / 11 / 23} + 9h;
  const std::string line = RenderProgressLine(
      RunTotals{.jobs = 3},
      {.elapsed = 2s, .speed = 3600, .clock_now = start + 2h, .clock_start = start});
  EXPECT_TRUE(line.ends_with(" | ETA -- | clock 2026-11-23T11:00Z")) << line;
}

TEST(RunProgress, FinalReportTable) {
  std::vector<CampaignStats> stats = FixedStats();
  stats[1].campaign.status = CampaignStatus::kCompleted;
  stats[0].goal_rate = 0.5;
  stats[1].goal_rate = 1.0 / 3.0;
  const Instant start = sys_days{2026y / 11 / 23} + 9h;
  const std::string report = RenderFinalReport(
      {{.tenant = "acme", .name = "renewals", .status = "completed", .stats = stats[0]},
       {.tenant = "beta", .name = "welcome", .status = "completed", .stats = stats[1]}},
      {.elapsed = 23100ms, .speed = 3600, .clock_now = start + 23h + 8min, .clock_start = start});
  const std::string expected = R"(Campaigns
  tenant               campaign                         status   leads   calls   goals goal rate
  acme                 renewals                      completed       4       6       2     50.0%
  beta                 welcome                       completed       4       3       1     33.3%

Calls by outcome (8 calls)
  busy                       3   37.5%
  goal_achieved              3   37.5%
  invalid                    1   12.5%
  no_answer                  1   12.5%
  (still in progress)        1

Leads by attempts (8 leads)
  0 attempts                 1   12.5%
  1 attempt                  5   62.5%
  2 attempts                 1   12.5%
  3 attempts                 1   12.5%

Goal rate: 42.9% (3 goals from 7 leads called)

Skips by reason (9 deferrals)
  outside_calling_window         5
  outside_legal_hours            2
  cooldown                       1
  holiday                        1

Jobs by status (5 of 8 final)
  goal_achieved              3
  failed                     1
  non_retryable              1
  pending                    1
  processing                 1
  retry_scheduled            1

Time taken: 23.1s (simulated clock at 3600-times speed: 23h 08m of simulated time, 2026-11-23T09:00Z to 2026-11-24T08:08Z)
)";
  EXPECT_EQ(report, expected);
}

TEST(RunProgress, FinalReportWithoutSpeedSaysNothingOfAClock) {
  const std::string report = RenderFinalReport({}, {.elapsed = 75s});
  EXPECT_NE(report.find("Time taken: 1m 15s\n"), std::string::npos) << report;
  EXPECT_EQ(report.find("simulated"), std::string::npos);
  EXPECT_NE(report.find("Skips by reason (0 deferrals)\n  (none)\n"), std::string::npos);
}

}  // namespace
}  // namespace talky
