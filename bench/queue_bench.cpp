#include "bench/queue_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "bench/figures.h"
#include "domain/clock.h"
#include "queue/local/local_job_queue.h"
#include "queue/redis/redis_job_queue.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr int kUnlimited = 1'000'000;

double Seconds(Steady::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

DialerJob BenchJob(int index, int tenants, Instant now) {
  DialerJob job;
  job.job_id = JobId{"j" + std::to_string(index)};
  job.tenant_id = TenantId{"tenant-" + std::to_string(index % tenants)};
  job.campaign_id = CampaignId{"campaign-" + std::to_string(index % tenants)};
  job.lead_id = LeadId{"lead-" + std::to_string(index)};
  job.phone_number = "+14155550100";
  job.priority = 1 + index % 10;
  job.created_at = now;
  job.scheduled_at = now;
  return job;
}

int IndexOf(const JobId& id) { return std::stoi(id.value.substr(1)); }

// Enqueues jobs [first, first + count) in batches, split over `producers` threads (as several API
// servers starting campaigns would); returns the elapsed time.
Expected<Steady::duration> EnqueueAll(JobQueue& queue, const QueueBenchOptions& options, int first,
                                      int count, int producers, const Clock& clock) {
  const auto started = Steady::now();
  std::mutex error_mutex;
  std::optional<Error> first_error;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      const int begin = first + static_cast<int>(static_cast<long long>(count) * p / producers);
      const int end = first + static_cast<int>(static_cast<long long>(count) * (p + 1) / producers);
      std::vector<DialerJob> batch;
      for (int i = begin; i < end;) {
        batch.clear();
        for (int stop = std::min(end, i + options.batch); i < stop; ++i) {
          batch.push_back(BenchJob(i, options.tenants, clock.Now()));
        }
        if (Expected<std::size_t> added = queue.Enqueue(batch); !added) {
          std::lock_guard lock(error_mutex);
          if (!first_error) first_error = added.error();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (first_error) return std::unexpected(*first_error);
  return Steady::now() - started;
}

}  // namespace

nlohmann::json QueueBenchResult::ToJson(const QueueBenchOptions& options) const {
  return {{"backend", backend},
          {"jobs", options.jobs},
          {"workers", options.workers},
          {"tenants", options.tenants},
          {"batch", options.batch},
          {"producers", options.producers},
          {"take_batch", options.take_batch},
          {"retries", options.retries},
          {"enqueue_jobs_per_s", std::round(enqueue_jobs_per_s)},
          {"take_finish_jobs_per_s", std::round(take_finish_jobs_per_s)},
          {"retry_lateness_p50_ms", std::round(retry_lateness_p50_ms * 100) / 100},
          {"retry_lateness_p99_ms", std::round(retry_lateness_p99_ms * 100) / 100},
          {"exactly_once", exactly_once}};
}

Expected<QueueBenchResult> RunQueueBench(const QueueBenchOptions& options) {
  SystemClock clock;
  QueueBenchResult result;
  std::unique_ptr<JobQueue> queue;
  if (options.redis_url) {
    std::string prefix = options.key_prefix;
    if (prefix.empty()) prefix = fmt::format("{{bench-{:x}}}:", std::random_device{}());
    Expected<std::unique_ptr<RedisJobQueue>> redis =
        RedisJobQueue::Connect(clock, {.url = *options.redis_url, .key_prefix = prefix});
    if (!redis) return std::unexpected(redis.error());
    queue = std::move(*redis);
    result.backend = "redis";
  } else {
    queue = std::make_unique<LocalJobQueue>(clock, LocalQueueOptions{.seed = options.seed});
    result.backend = "embedded";
  }
  for (int t = 0; t < options.tenants; ++t) {
    const std::string suffix = std::to_string(t);
    if (auto set = queue->SetTenantLimits(TenantId{"tenant-" + suffix},
                                          {.max_concurrent_calls = kUnlimited});
        !set) {
      return std::unexpected(set.error());
    }
    if (auto set = queue->SetCampaignLimit(CampaignId{"campaign-" + suffix}, kUnlimited); !set) {
      return std::unexpected(set.error());
    }
  }

  // Phase 1: enqueue in batches.
  Expected<Steady::duration> enqueue_time =
      EnqueueAll(*queue, options, 0, options.jobs, options.producers, clock);
  if (!enqueue_time) return std::unexpected(enqueue_time.error());
  result.enqueue_jobs_per_s = options.jobs / Seconds(*enqueue_time);

  // Phase 2: W workers take and finish everything.
  const int total = options.jobs + options.retries;
  std::vector<std::atomic<int>> finished(static_cast<std::size_t>(total));
  std::atomic<int> done{0};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  auto fail = [&](const Error& error) {
    std::lock_guard lock(error_mutex);
    if (!first_error) first_error = error;
    done = total;  // stop every worker
  };
  // Each worker takes up to take_batch jobs per call and hands the batch to `handle`.
  auto run_workers = [&](int until, auto&& handle) {
    std::vector<std::thread> workers;
    for (int w = 0; w < options.workers; ++w) {
      workers.emplace_back([&, w] {
        std::mt19937_64 rng(options.seed * 1000 + static_cast<std::uint64_t>(w));
        while (done.load() < until) {
          Expected<std::vector<TakenJob>> taken =
              queue->TakeBatch(static_cast<std::size_t>(options.take_batch), kDefaultLease);
          if (!taken) return fail(taken.error());
          if (!taken->empty()) {
            if (Expected<void> handled = handle(*taken, rng); !handled) {
              return fail(handled.error());
            }
            continue;
          }
          // Take promotes due retries itself; waiting ends at the next due one.
          if (Expected<void> waited = queue->WaitForWork(200ms); !waited) {
            return fail(waited.error());
          }
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
  };
  auto finish = [&](const std::vector<TakenJob>& jobs) -> Expected<void> {
    std::vector<Lease> leases;
    for (const TakenJob& taken : jobs) leases.push_back(taken.lease);
    Expected<std::vector<JobId>> refused = queue->FinishBatch(leases, FinishOutcome::kCompleted);
    if (!refused) return std::unexpected(refused.error());
    if (!refused->empty()) {
      return std::unexpected(Error::Internal("finish refused for job " + refused->front().value));
    }
    for (const TakenJob& taken : jobs) {
      ++finished[static_cast<std::size_t>(IndexOf(taken.job.job_id))];
    }
    done += static_cast<int>(jobs.size());
    return {};
  };
  const auto work_started = Steady::now();
  run_workers(options.jobs,
              [&](const std::vector<TakenJob>& jobs, std::mt19937_64&) { return finish(jobs); });
  if (first_error) return std::unexpected(*first_error);
  result.take_finish_jobs_per_s = options.jobs / Seconds(Steady::now() - work_started);

  // Phase 3: each retry job is taken, scheduled 0.1-1.5 s ahead, then taken again when due.
  if (options.retries > 0) {
    if (auto queued = EnqueueAll(*queue, options, options.jobs, options.retries, 1, clock);
        !queued) {
      return std::unexpected(queued.error());
    }
    std::mutex lateness_mutex;
    std::vector<double> lateness_ms;
    run_workers(
        total, [&](const std::vector<TakenJob>& jobs, std::mt19937_64& rng) -> Expected<void> {
          std::vector<TakenJob> second_attempts;
          for (const TakenJob& taken : jobs) {
            if (taken.job.attempt_number == 1) {
              DialerJob retry = taken.job;
              retry.attempt_number = 2;
              retry.status = JobStatus::kRetryScheduled;
              std::uniform_int_distribution<int> delay_ms(100, 1500);
              retry.scheduled_at = clock.Now() + std::chrono::milliseconds(delay_ms(rng));
              if (Expected<void> scheduled =
                      queue->ScheduleRetry(taken.lease, retry, retry.scheduled_at);
                  !scheduled) {
                return scheduled;
              }
              continue;
            }
            const double late =
                std::chrono::duration<double, std::milli>(clock.Now() - taken.job.scheduled_at)
                    .count();
            {
              std::lock_guard lock(lateness_mutex);
              lateness_ms.push_back(late);
            }
            second_attempts.push_back(taken);
          }
          return second_attempts.empty() ? Expected<void>{} : finish(second_attempts);
        });
    if (first_error) return std::unexpected(*first_error);
    result.retry_lateness_p50_ms = Percentile(lateness_ms, 0.50);
    result.retry_lateness_p99_ms = Percentile(lateness_ms, 0.99);
  }

  result.exactly_once = std::all_of(finished.begin(), finished.end(),
                                    [](const std::atomic<int>& count) { return count == 1; });
  return result;
}

}  // namespace talky
