// What `talky run` shows while its campaigns play out and when they are done: a one-line progress
// summary (redrawn in place on a terminal, printed every few seconds otherwise) and the final
// report table. Both are rendered from CampaignStats (the same figures the REST API serves), summed
// over the run's campaigns. Pure functions of their inputs: no clock, no I/O; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "campaigns/campaign_service.h"
#include "domain/instant.h"

namespace talky {

// The figures of several campaigns added up.
struct RunTotals {
  int64_t campaigns = 0;
  int64_t campaigns_done = 0;  // completed or cancelled
  int64_t leads = 0;           // the campaigns' total_leads
  int64_t jobs = 0;
  int64_t jobs_final = 0;  // goal_achieved, completed, failed, non_retryable
  int64_t calls_total = 0;
  int64_t calls_in_progress = 0;
  int64_t retries_waiting = 0;
  int64_t goals_achieved = 0;
  int64_t leads_called = 0;  // leads with at least one attempt
  std::map<std::string, int64_t> jobs_by_status;
  std::map<std::string, int64_t> calls_by_outcome;
  std::map<int, int64_t> leads_by_attempts;
  std::map<std::string, int64_t> skips_by_reason;

  int64_t calls_done() const { return calls_total - calls_in_progress; }
  // Deferrals because of the hour or the day: the tenant's window, the legal hours, allowed days,
  // holidays (not cooldowns or caps).
  int64_t skips_for_calling_hours() const;
  double goal_rate() const;  // goals_achieved / leads_called; 0 when none was called
};

RunTotals SumStats(const std::vector<CampaignStats>& stats);

// What the run is: the real time since it started, and the simulated clock when --speed is given.
struct RunClockView {
  std::chrono::milliseconds elapsed{0};
  std::optional<double> speed;  // set with --speed
  std::optional<Instant> clock_now;
  std::optional<Instant> clock_start;
};

// One line, no newline, the most important figures first: "[12.3s] leads 640/1000 final | calls
// 812 done, 40 in flight | retries waiting 120 | skipped for calling hours 87 | ETA 9s | busy 200,
// ...". The ETA is a linear projection of the share of final jobs; "ETA --" until the first job is
// final. With --speed, the simulated clock's time comes before the outcomes; with `talking` (calls
// speak), ", N talking" follows the calls in flight.
std::string RenderProgressLine(const RunTotals& totals, const RunClockView& clock,
                               std::optional<std::size_t> talking = std::nullopt);

// The final report, several lines ending with a newline: one row per campaign, calls by outcome
// (count and share), leads by attempts, goal rate, skips by reason, time taken, and with --speed
// "simulated clock at Nx speed" with the simulated time covered.
struct CampaignReportRow {
  std::string tenant;
  std::string name;
  std::string status;
  CampaignStats stats;
};
std::string RenderFinalReport(const std::vector<CampaignReportRow>& campaigns,
                              const RunClockView& clock);

}  // namespace talky
