// The decisions both queue backends share, as plain functions, so the two cannot drift apart:
// which lane a job goes to, its place in the lane, how deep a take looks, and input validation.
// The Redis backend's Lua scripts (redis/lua_scripts.cpp) encode the same rules; the conformance
// suite checks that they agree.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "domain/dialer_job.h"
#include "domain/error.h"
#include "queue/job_queue.h"

namespace talky {

// A take looks at this many waiting jobs of the priority lane and of each tenant's queue for one
// whose campaign has a free slot and is not paused; deeper ones wait for a later take. Bounds the
// work of one take (it runs inside a Lua script on Redis).
inline constexpr int kTakeScanDepth = 64;

// Events (jobs added, a slot freed, a resume) leave wake-up tokens for WaitForWork, at most this
// many; a take that finds nothing clears them, since nothing is then waiting to be handed out.
inline constexpr int kMaxWakeTokens = 64;

// Place of a waiting job in its lane: lower first. Higher priority first, then the enqueue sequence
// (oldest first). Fits a double exactly (Redis sorted-set scores) while sequence < 10^12.
inline constexpr std::int64_t kPriorityBand = 1'000'000'000'000;
inline std::int64_t QueueScore(int priority, std::int64_t sequence) {
  return (kMaxPriority - priority) * kPriorityBand + sequence;
}

inline bool GoesToPriorityLane(int priority, const TenantLimits& limits) {
  return priority >= limits.high_priority_threshold;
}

// Field errors of one job as the queue needs it: ids, priority, attempt.
std::vector<FieldError> ValidateJobForQueue(const DialerJob& job);
// Checks every job of a batch; the error names the job's index and field ("jobs[3].priority").
Expected<void> ValidateJobBatch(const std::vector<DialerJob>& jobs);
Expected<void> ValidateTenantLimits(const TenantLimits& limits);
Expected<void> ValidateCampaignLimit(int max_concurrent_calls);
Expected<void> ValidateLeaseDuration(std::chrono::milliseconds duration);
Expected<void> ValidateTakeBatch(std::size_t max_jobs, std::chrono::milliseconds lease);

// 128 random bits as 32 hex digits, from the caller's seeded generator.
std::string NewLeaseToken(std::mt19937_64& rng);
// The lease tokens' seed: `seed`, or a random one when it is 0.
std::uint64_t SeedOrRandom(std::uint64_t seed);

// The Conflict a queue answers for a lease it no longer holds.
Error StaleLease(const Lease& lease);

}  // namespace talky
