#include "domain/job_status.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<JobStatus, 8> kJobStatusNames{{
    {JobStatus::kPending, "pending"},
    {JobStatus::kProcessing, "processing"},
    {JobStatus::kCompleted, "completed"},
    {JobStatus::kFailed, "failed"},
    {JobStatus::kRetryScheduled, "retry_scheduled"},
    {JobStatus::kSkipped, "skipped"},
    {JobStatus::kGoalAchieved, "goal_achieved"},
    {JobStatus::kNonRetryable, "non_retryable"},
}};

}  // namespace

std::string_view ToString(JobStatus status) { return NameOf(kJobStatusNames, status); }
std::optional<JobStatus> ParseJobStatus(std::string_view text) {
  return ValueOf(kJobStatusNames, text);
}

std::vector<JobStatus> AllJobStatuses() {
  std::vector<JobStatus> all;
  for (const auto& [status, name] : kJobStatusNames) all.push_back(status);
  return all;
}

bool IsFinal(JobStatus status) {
  return status == JobStatus::kCompleted || status == JobStatus::kFailed ||
         status == JobStatus::kGoalAchieved || status == JobStatus::kNonRetryable;
}

}  // namespace talky
