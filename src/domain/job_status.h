// The state of a dialer job, with the specification's exact strings (document 000 §2.1).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace talky {

enum class JobStatus {
  kPending,         // waiting in a queue
  kProcessing,      // taken by a worker under a lease
  kCompleted,       // finished
  kFailed,          // gave up: maximum attempts reached or an unknown outcome
  kRetryScheduled,  // waiting for its retry instant
  kSkipped,         // deferred by the calling rules (window, cooldown)
  kGoalAchieved,    // the campaign goal was reached
  kNonRetryable,    // a permanent failure (invalid number, spam, DNC ...)
};

std::string_view ToString(JobStatus status);
std::optional<JobStatus> ParseJobStatus(std::string_view text);

// Every status, in declaration order.
std::vector<JobStatus> AllJobStatuses();

// A closed job is never reopened (the store's compare-and-set relies on this).
bool IsFinal(JobStatus status);

}  // namespace talky
