#include "bench/bench_command.h"

#include "app/cli.h"

namespace talky {

BenchCommand::BenchCommand(CLI::App& app) {
  queue_ = BenchGroup(app)->add_subcommand(
      "queue", "Enqueue, take and finish jobs, schedule retries; print one JSON line of figures");
  queue_->add_option("--redis-url", redis_url_,
                     "Redis to measure (redis://host:port); without it, the embedded queue");
  queue_->add_option("--key-prefix", options_.key_prefix,
                     "Redis key prefix (default: a fresh {bench-...}: per run)");
  queue_->add_option("--jobs", options_.jobs, "Jobs to enqueue, take and finish")
      ->check(CLI::Range(1, 100'000'000));
  queue_->add_option("--workers", options_.workers, "Worker threads")->check(CLI::Range(1, 1024));
  queue_->add_option("--tenants", options_.tenants, "Tenants the jobs are spread over")
      ->check(CLI::Range(1, 100'000));
  queue_->add_option("--batch", options_.batch, "Jobs per enqueue call")
      ->check(CLI::Range(1, 100'000));
  queue_->add_option("--producers", options_.producers, "Threads enqueueing at once")
      ->check(CLI::Range(1, 64));
  queue_
      ->add_option("--take-batch", options_.take_batch,
                   "Jobs per take call; the worker finishes them together")
      ->check(CLI::Range(1, 1000));
  queue_
      ->add_option("--retries", options_.retries,
                   "Jobs that go through one scheduled retry (lateness figures)")
      ->check(CLI::Range(0, 10'000'000));
  queue_->add_option("--seed", options_.seed, "Seed for the retry delays and lease tokens");
}

bool BenchCommand::Selected() const { return queue_->parsed(); }

int BenchCommand::Run(std::ostream& out, std::ostream& err) const {
  QueueBenchOptions options = options_;
  if (!redis_url_.empty()) options.redis_url = redis_url_;
  Expected<QueueBenchResult> result = RunQueueBench(options);
  if (!result) {
    err << "talky bench queue: " << result.error().Describe() << "\n";
    return result.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  out << result->ToJson(options).dump() << "\n";
  return kExitOk;
}

}  // namespace talky
