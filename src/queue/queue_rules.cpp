#include "queue/queue_rules.h"

#include <fmt/format.h>

namespace talky {

std::vector<FieldError> ValidateJobForQueue(const DialerJob& job) {
  std::vector<FieldError> errors;
  if (job.job_id.empty()) errors.push_back({"job_id", "must not be empty"});
  if (job.tenant_id.empty()) errors.push_back({"tenant_id", "must not be empty"});
  if (job.campaign_id.empty()) errors.push_back({"campaign_id", "must not be empty"});
  if (job.priority < kMinPriority || job.priority > kMaxPriority) {
    errors.push_back({"priority", "must be between 1 and 10"});
  }
  if (job.attempt_number < 1) errors.push_back({"attempt_number", "must be at least 1"});
  return errors;
}

Expected<void> ValidateJobBatch(const std::vector<DialerJob>& jobs) {
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    for (FieldError& error : ValidateJobForQueue(jobs[i])) {
      errors.push_back({fmt::format("jobs[{}].{}", i, error.field), std::move(error.message)});
    }
  }
  if (errors.empty()) return {};
  return std::unexpected(Error::InvalidArgument("invalid jobs; nothing was enqueued", errors));
}

Expected<void> ValidateTenantLimits(const TenantLimits& limits) {
  std::vector<FieldError> errors;
  if (limits.max_concurrent_calls < 1 || limits.max_concurrent_calls > kMaxConcurrencyCap) {
    errors.push_back(
        {"max_concurrent_calls", fmt::format("must be between 1 and {}", kMaxConcurrencyCap)});
  }
  if (limits.high_priority_threshold < kMinPriority ||
      limits.high_priority_threshold > kMaxPriority) {
    errors.push_back({"high_priority_threshold", "must be between 1 and 10"});
  }
  if (errors.empty()) return {};
  return std::unexpected(Error::InvalidArgument("invalid tenant limits", errors));
}

Expected<void> ValidateCampaignLimit(int max_concurrent_calls) {
  if (max_concurrent_calls >= 1 && max_concurrent_calls <= kMaxConcurrencyCap) return {};
  return std::unexpected(Error::InvalidArgument(
      "invalid campaign limit",
      {{"max_concurrent_calls", fmt::format("must be between 1 and {}", kMaxConcurrencyCap)}}));
}

Expected<void> ValidateLeaseDuration(std::chrono::milliseconds duration) {
  if (duration > std::chrono::milliseconds::zero()) return {};
  return std::unexpected(
      Error::InvalidArgument("invalid lease", {{"lease", "must be longer than zero"}}));
}

Expected<void> ValidateTakeBatch(std::size_t max_jobs, std::chrono::milliseconds lease) {
  std::vector<FieldError> errors;
  if (max_jobs < 1 || max_jobs > kMaxTakeBatch) {
    errors.push_back({"max_jobs", fmt::format("must be between 1 and {}", kMaxTakeBatch)});
  }
  if (lease <= std::chrono::milliseconds::zero()) {
    errors.push_back({"lease", "must be longer than zero"});
  }
  if (errors.empty()) return {};
  return std::unexpected(Error::InvalidArgument("invalid take", errors));
}

std::string NewLeaseToken(std::mt19937_64& rng) {
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

std::uint64_t SeedOrRandom(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

Error StaleLease(const Lease& lease) {
  return Error::Conflict(fmt::format(
      "lease on job '{}' is no longer held (it expired and the job was recovered, or the job "
      "was finished)",
      lease.job_id.value));
}

}  // namespace talky
