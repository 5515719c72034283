// `talky bench queue`: a load generator for the job queue. Enqueues N jobs across T tenants in
// batches, lets W worker threads take and finish them all, then measures how late due retries are
// handed out, and checks that every job was finished exactly once. Uses the real clock; runs
// against Redis when given a URL, else against the embedded queue. Not used by the core paths.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "domain/error.h"

namespace talky {

struct QueueBenchOptions {
  std::optional<std::string> redis_url;
  std::string key_prefix;  // empty: a fresh "{bench-...}:" prefix per run
  int jobs = 100'000;
  int workers = 4;
  int tenants = 10;
  int batch = 1'000;    // jobs per enqueue call
  int producers = 1;    // threads enqueueing at once
  int take_batch = 1;   // jobs per take call (finished together, in one round trip)
  int retries = 2'000;  // jobs that go through one scheduled retry, for the lateness figures
  std::uint64_t seed = 1;
};

struct QueueBenchResult {
  std::string backend;
  double enqueue_jobs_per_s = 0;
  double take_finish_jobs_per_s = 0;
  double retry_lateness_p50_ms = 0;
  double retry_lateness_p99_ms = 0;
  bool exactly_once = false;

  nlohmann::json ToJson(const QueueBenchOptions& options) const;
};

Expected<QueueBenchResult> RunQueueBench(const QueueBenchOptions& options);

}  // namespace talky
