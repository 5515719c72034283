#include "app/run_progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "domain/job_status.h"

namespace talky {
namespace {

constexpr std::array<std::string_view, 4> kCallingHoursReasons = {
    "outside_calling_window", "outside_legal_hours", "not_allowed_day", "holiday"};

// "850ms", "12.3s", "4m 05s", "3h 20m", "2d 04h".
std::string FormatSpan(std::chrono::milliseconds span) {
  using namespace std::chrono;
  if (span < 1s) return fmt::format("{}ms", span.count());
  if (span < 1min) return fmt::format("{:.1f}s", static_cast<double>(span.count()) / 1000.0);
  const auto s = duration_cast<seconds>(span).count();
  if (span < 1h) return fmt::format("{}m {:02}s", s / 60, s % 60);
  if (span < days(1)) return fmt::format("{}h {:02}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d {:02}h", s / 86400, (s % 86400) / 3600);
}

std::string Percent(int64_t part, int64_t whole) {
  if (whole <= 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

// Entries with a count, largest first (ties by name), so the common outcomes lead.
std::vector<std::pair<std::string, int64_t>> ByCount(const std::map<std::string, int64_t>& counts) {
  std::vector<std::pair<std::string, int64_t>> rows;
  for (const auto& [name, count] : counts) {
    if (count > 0) rows.emplace_back(name, count);
  }
  std::ranges::stable_sort(rows, [](const auto& a, const auto& b) { return a.second > b.second; });
  return rows;
}

}  // namespace

int64_t RunTotals::skips_for_calling_hours() const {
  int64_t sum = 0;
  for (std::string_view reason : kCallingHoursReasons) {
    auto it = skips_by_reason.find(std::string(reason));
    if (it != skips_by_reason.end()) sum += it->second;
  }
  return sum;
}

double RunTotals::goal_rate() const {
  if (leads_called <= 0) return 0;
  return static_cast<double>(goals_achieved) / static_cast<double>(leads_called);
}

RunTotals SumStats(const std::vector<CampaignStats>& stats) {
  RunTotals totals;
  for (const CampaignStats& one : stats) {
    ++totals.campaigns;
    if (one.campaign.status == CampaignStatus::kCompleted ||
        one.campaign.status == CampaignStatus::kCancelled) {
      ++totals.campaigns_done;
    }
    totals.leads += one.campaign.total_leads;
    totals.goals_achieved += one.campaign.goals_achieved;
    const StoreTally& tally = one.tally;
    totals.calls_total += tally.calls_total;
    totals.calls_in_progress += tally.calls_in_progress;
    for (const auto& [status, count] : tally.jobs_by_status) {
      if (status == ToString(JobStatus::kRetryScheduled)) totals.retries_waiting += count;
      totals.jobs_by_status[status] += count;
      totals.jobs += count;
      std::optional<JobStatus> parsed = ParseJobStatus(status);
      if (parsed && IsFinal(*parsed)) totals.jobs_final += count;
    }
    for (const auto& [outcome, count] : tally.calls_by_outcome) {
      totals.calls_by_outcome[outcome] += count;
    }
    for (const auto& [attempts, count] : tally.leads_by_attempts) {
      totals.leads_by_attempts[attempts] += count;
      if (attempts > 0) totals.leads_called += count;
    }
    for (const auto& [reason, count] : tally.skips_by_reason)
      totals.skips_by_reason[reason] += count;
  }
  return totals;
}

std::string RenderProgressLine(const RunTotals& totals, const RunClockView& clock,
                               std::optional<std::size_t> talking) {
  // Most important first: a terminal narrower than the line cuts its end.
  std::string line =
      fmt::format("[{}] leads {}/{} final | calls {} done, {} in flight", FormatSpan(clock.elapsed),
                  totals.jobs_final, totals.jobs, totals.calls_done(), totals.calls_in_progress);
  if (talking) line += fmt::format(", {} talking", *talking);
  line += fmt::format(" | retries waiting {} | skipped for calling hours {}",
                      totals.retries_waiting, totals.skips_for_calling_hours());
  if (totals.jobs_final > 0 && totals.jobs_final < totals.jobs) {
    const double left = static_cast<double>(totals.jobs - totals.jobs_final) /
                        static_cast<double>(totals.jobs_final);
    line += fmt::format(" | ETA {}", FormatSpan(std::chrono::milliseconds(static_cast<int64_t>(
                                         static_cast<double>(clock.elapsed.count()) * left))));
  } else if (totals.jobs_final == 0) {
    line += " | ETA --";
  }
  if (clock.speed && clock.clock_now) {
    line += fmt::format(" | clock {}", FormatIso8601(*clock.clock_now).substr(0, 16) + "Z");
  }
  std::vector<std::string> outcomes;
  for (const auto& [outcome, count] : ByCount(totals.calls_by_outcome)) {
    outcomes.push_back(fmt::format("{} {}", outcome, count));
  }
  if (!outcomes.empty()) line += fmt::format(" | {}", fmt::join(outcomes, ", "));
  return line;
}

std::string RenderFinalReport(const std::vector<CampaignReportRow>& campaigns,
                              const RunClockView& clock) {
  std::vector<CampaignStats> stats;
  for (const CampaignReportRow& row : campaigns) stats.push_back(row.stats);
  const RunTotals totals = SumStats(stats);
  std::string out;
  auto add = [&out](std::string line) { out += line + "\n"; };

  add("Campaigns");
  add(fmt::format("  {:<20} {:<28} {:>10} {:>7} {:>7} {:>7} {:>9}", "tenant", "campaign", "status",
                  "leads", "calls", "goals", "goal rate"));
  for (const CampaignReportRow& row : campaigns) {
    add(fmt::format("  {:<20} {:<28} {:>10} {:>7} {:>7} {:>7} {:>9}", row.tenant, row.name,
                    row.status, row.stats.campaign.total_leads, row.stats.tally.calls_total,
                    row.stats.campaign.goals_achieved,
                    fmt::format("{:.1f}%", 100.0 * row.stats.goal_rate)));
  }

  add("");
  add(fmt::format("Calls by outcome ({} calls)", totals.calls_done()));
  for (const auto& [outcome, count] : ByCount(totals.calls_by_outcome)) {
    add(fmt::format("  {:<20} {:>7} {:>7}", outcome, count, Percent(count, totals.calls_done())));
  }
  if (totals.calls_in_progress > 0) {
    add(fmt::format("  {:<20} {:>7}", "(still in progress)", totals.calls_in_progress));
  }

  add("");
  add(fmt::format("Leads by attempts ({} leads)", totals.leads));
  for (const auto& [attempts, count] : totals.leads_by_attempts) {
    if (count == 0) continue;
    add(fmt::format("  {:<20} {:>7} {:>7}",
                    fmt::format("{} attempt{}", attempts, attempts == 1 ? "" : "s"), count,
                    Percent(count, totals.leads)));
  }

  add("");
  add(fmt::format("Goal rate: {:.1f}% ({} goals from {} leads called)", 100.0 * totals.goal_rate(),
                  totals.goals_achieved, totals.leads_called));

  add("");
  int64_t skips = 0;
  for (const auto& [reason, count] : totals.skips_by_reason) skips += count;
  add(fmt::format("Skips by reason ({} deferrals)", skips));
  for (const auto& [reason, count] : ByCount(totals.skips_by_reason)) {
    add(fmt::format("  {:<24} {:>7}", reason, count));
  }
  if (skips == 0) add("  (none)");

  add("");
  add(fmt::format("Jobs by status ({} of {} final)", totals.jobs_final, totals.jobs));
  for (const auto& [status, count] : ByCount(totals.jobs_by_status)) {
    add(fmt::format("  {:<20} {:>7}", status, count));
  }

  add("");
  std::string taken = fmt::format("Time taken: {}", FormatSpan(clock.elapsed));
  if (clock.speed) {
    taken += fmt::format(" (simulated clock at {}-times speed", *clock.speed);
    if (clock.clock_now && clock.clock_start) {
      taken += fmt::format(": {} of simulated time, {} to {}",
                           FormatSpan(std::chrono::duration_cast<std::chrono::milliseconds>(
                               *clock.clock_now - *clock.clock_start)),
                           FormatIso8601(*clock.clock_start).substr(0, 16) + "Z",
                           FormatIso8601(*clock.clock_now).substr(0, 16) + "Z");
    }
    taken += ")";
  }
  add(taken);
  return out;
}

}  // namespace talky
