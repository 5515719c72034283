// `talky bench queue` end to end on small numbers: every job finished exactly once, every figure
// measured. No figure is compared with a bar: timings are never asserted.
#include "bench/queue_bench.h"

#include <gtest/gtest.h>

#ifdef TALKY_BENCH_WITH_REDIS
#include "harness/test_servers.h"
#endif

namespace talky::testing {
namespace {

QueueBenchOptions SmallRun() {
  return {.jobs = 3000, .workers = 3, .tenants = 4, .batch = 500, .take_batch = 4, .retries = 40};
}

// Fatal when the run failed: callers wrap it in ASSERT_NO_FATAL_FAILURE, so they never read the
// result of a failed run.
void ExpectCompleteRun(const Expected<QueueBenchResult>& result) {
  ASSERT_TRUE(result) << result.error().Describe();
  EXPECT_TRUE(result->exactly_once);
  EXPECT_GT(result->enqueue_jobs_per_s, 0);
  EXPECT_GT(result->take_finish_jobs_per_s, 0);
  EXPECT_GE(result->retry_lateness_p99_ms, result->retry_lateness_p50_ms);
  EXPECT_GE(result->retry_lateness_p50_ms, 0);
}

#ifdef TALKY_BENCH_WITH_REDIS
TEST(QueueBench, RedisRunFinishesEveryJobExactlyOnce) {
  Expected<RedisServer*> server = SharedRedis();
  ASSERT_TRUE(server) << server.error().Describe();
  QueueBenchOptions options = SmallRun();
  options.redis_url = (*server)->url();
  Expected<QueueBenchResult> result = RunQueueBench(options);
  ASSERT_NO_FATAL_FAILURE(ExpectCompleteRun(result));
  EXPECT_EQ(result->backend, "redis");
}
#else
TEST(QueueBench, EmbeddedRunFinishesEveryJobExactlyOnce) {
  Expected<QueueBenchResult> result = RunQueueBench(SmallRun());
  ASSERT_NO_FATAL_FAILURE(ExpectCompleteRun(result));
  EXPECT_EQ(result->backend, "embedded");
  nlohmann::json line = result->ToJson(SmallRun());
  for (const char* key : {"enqueue_jobs_per_s", "take_finish_jobs_per_s", "retry_lateness_p50_ms",
                          "retry_lateness_p99_ms", "exactly_once"}) {
    EXPECT_TRUE(line.contains(key)) << key;
  }
}
#endif

TEST(QueueBench, UnreachableRedisIsAClearError) {
  QueueBenchOptions options = SmallRun();
  options.redis_url = "redis://127.0.0.1:1";
  Expected<QueueBenchResult> result = RunQueueBench(options);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace talky::testing
