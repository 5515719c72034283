// The conformance suite on the Redis backend (the harness's real redis-server), plus what only it
// has: the key layout under a prefix, and surviving a Redis stop and restart.
#include "queue/redis/redis_job_queue.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/test_servers.h"
#include "queue/job_queue_conformance.h"
#include "redis/redis_connection.h"

namespace talky::testing {
namespace {

// Every test gets its own key prefix on the shared server; handles opened in one test are
// separate clients on the same keys, as separate worker processes would be.
struct RedisQueueFactory {
  std::shared_ptr<JobQueue> Open(const Clock& clock) {
    Expected<RedisServer*> server = SharedRedis();
    if (!server) throw std::runtime_error(server.error().Describe());
    if (prefix.empty()) {
      static int counter = 0;
      prefix = "{test" + std::to_string(++counter) + "}:";
    }
    Expected<std::unique_ptr<RedisJobQueue>> queue =
        RedisJobQueue::Connect(clock, {.url = (*server)->url(), .key_prefix = prefix});
    if (!queue) throw std::runtime_error(queue.error().Describe());
    return std::move(*queue);
  }
  std::string prefix;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Redis, JobQueueConformance, RedisQueueFactory);

std::vector<std::string> Keys(const std::string& url, const std::string& pattern) {
  auto address = redis::ParseRedisUrl(url);
  auto connection = redis::Connection::Open(*address, 1000ms, 1000ms);
  EXPECT_TRUE(connection) << connection.error().Describe();
  if (!connection) return {};
  auto reply = (*connection)->Run({"KEYS", pattern});
  EXPECT_TRUE(reply) << reply.error().Describe();
  if (!reply) return {};
  const redis::ReplyView view(*reply, "KEYS");
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < view.Size().value_or(0); ++i) {
    Expected<std::string_view> key = view.At(i)->Text();
    keys.emplace_back(key.value_or("(not a string)"));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(RedisJobQueue, KeepsTheSpecKeyNamesUnderItsPrefix) {
  Expected<RedisServer*> server = SharedRedis();
  ASSERT_TRUE(server) << server.error().Describe();
  ManualClock clock(kStart);
  auto queue = RedisJobQueue::Connect(clock, {.url = (*server)->url(), .key_prefix = "dialer:"});
  ASSERT_TRUE(queue) << queue.error().Describe();
  ASSERT_TRUE((*queue)->Enqueue({MakeJob("j1", "acme"), MakeJob("j2", "acme", "c", 9),
                                 MakeJob("j3", "acme"), MakeJob("j4", "acme")}));
  auto one = (*queue)->Take(kDefaultLease);  // j2, from the lane
  auto two = (*queue)->Take(kDefaultLease);  // j1
  ASSERT_TRUE(one && one->has_value() && two && two->has_value());
  ASSERT_TRUE((*queue)->ScheduleRetry((*two)->lease, (*two)->job, kStart + 1h));
  ASSERT_TRUE((*queue)->Finish((*one)->lease, FinishOutcome::kCompleted));
  auto three = (*queue)->Take(kDefaultLease);
  ASSERT_TRUE(three && three->has_value());
  EXPECT_EQ(Keys((*server)->url(), "dialer:*"),
            (std::vector<std::string>{"dialer:jobs", "dialer:leases", "dialer:meta",
                                      "dialer:processing", "dialer:scheduled", "dialer:sequence",
                                      "dialer:slots", "dialer:stats", "dialer:tenant:acme:queue",
                                      "dialer:tenants", "dialer:wake"}));
}

// A queue upgraded in place: bodies that an earlier version wrote as JSON, waiting or scheduled,
// are handed out like new ones.
TEST(RedisJobQueue, HandsOutJobsWhoseBodiesEarlierVersionsWroteAsJson) {
  Expected<RedisServer*> server = SharedRedis();
  ASSERT_TRUE(server) << server.error().Describe();
  ManualClock clock(kStart);
  auto queue = RedisJobQueue::Connect(clock, {.url = (*server)->url(), .key_prefix = "{upgrade}:"});
  ASSERT_TRUE(queue) << queue.error().Describe();
  DialerJob waiting = MakeJob("old-waiting", "acme");
  DialerJob retried = MakeJob("old-retried", "acme");
  ASSERT_TRUE((*queue)->Enqueue({retried, waiting}));
  auto first = (*queue)->Take(kDefaultLease);
  ASSERT_TRUE(first && first->has_value());
  retried.attempt_number = 2;
  retried.status = JobStatus::kRetryScheduled;
  retried.last_outcome = CallOutcome::kNoAnswer;
  ASSERT_TRUE((*queue)->ScheduleRetry((*first)->lease, retried, kStart + 1min));

  auto address = redis::ParseRedisUrl((*server)->url());
  auto connection = redis::Connection::Open(*address, 1000ms, 1000ms);
  ASSERT_TRUE(connection) << connection.error().Describe();
  auto rewritten = (*connection)
                       ->Run({"HSET", "{upgrade}:jobs", "old-waiting", ToJson(waiting).dump(),
                              "old-retried", ToJson(retried).dump()});
  ASSERT_TRUE(rewritten) << rewritten.error().Describe();

  auto second = (*queue)->Take(kDefaultLease);
  ASSERT_TRUE(second && second->has_value()) << (second ? "nothing" : second.error().Describe());
  waiting.status = JobStatus::kProcessing;
  EXPECT_EQ((*second)->job, waiting);
  ASSERT_TRUE((*queue)->Finish((*second)->lease, FinishOutcome::kCompleted));
  clock.Advance(1min);
  auto third = (*queue)->Take(kDefaultLease);
  ASSERT_TRUE(third && third->has_value()) << (third ? "nothing" : third.error().Describe());
  retried.status = JobStatus::kProcessing;
  EXPECT_EQ((*third)->job, retried);
}

TEST(RedisJobQueue, BadUrlOrPrefixIsAClearError) {
  ManualClock clock(kStart);
  auto bad_url = RedisJobQueue::Connect(clock, {.url = "http://localhost"});
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().fields[0].field, "redis_url");
  auto bad_prefix = RedisJobQueue::Connect(clock, {.url = "redis://127.0.0.1:1", .key_prefix = ""});
  ASSERT_FALSE(bad_prefix);
  EXPECT_EQ(bad_prefix.error().fields[0].field, "key_prefix");
  auto unreachable = RedisJobQueue::Connect(clock, {.url = "redis://127.0.0.1:1"});
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(unreachable.error().message.find("127.0.0.1:1"), std::string::npos);
}

// Behaviour 9: while Redis is down calls fail with a clear error; afterwards the client reconnects
// (with backoff) and every acknowledged change is still there (AOF, fsync always).
TEST(RedisJobQueue, SurvivesARedisRestartWithoutLosingAcknowledgedJobs) {
  auto server = RedisServer::Start({.append_only = true});
  ASSERT_TRUE(server) << server.error().Describe();
  ManualClock clock(kStart);
  // A first backoff long enough that the test sees it, however slow the machine.
  auto queue = RedisJobQueue::Connect(
      clock, {.url = (*server)->url(), .first_reconnect_backoff = std::chrono::milliseconds{1000}});
  ASSERT_TRUE(queue) << queue.error().Describe();

  std::vector<DialerJob> jobs;
  for (int i = 0; i < 100; ++i) jobs.push_back(MakeJob("job-" + std::to_string(i), "t"));
  ASSERT_EQ((*queue)->Enqueue(jobs).value_or(0), 100u);
  ASSERT_TRUE((*queue)->SetTenantLimits(TenantId{"t"}, {.max_concurrent_calls = 100}));
  ASSERT_TRUE((*queue)->SetCampaignLimit(CampaignId{"campaign-1"}, 100));
  std::vector<TakenJob> held;
  for (int i = 0; i < 10; ++i) held.push_back(*(*queue)->Take(kDefaultLease).value());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE((*queue)->Finish(held[i].lease, FinishOutcome::kCompleted));

  (*server)->Stop();
  Expected<std::optional<TakenJob>> down = (*queue)->Take(kDefaultLease);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(down.error().message.find("redis"), std::string::npos) << down.error().message;
  Expected<std::size_t> refused = (*queue)->Enqueue(MakeJob("during-outage", "t"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);

  // While the backoff runs, calls fail at once instead of hammering the dead server.
  Expected<QueueStats> backing_off = (*queue)->Stats();
  ASSERT_FALSE(backing_off);
  EXPECT_EQ(backing_off.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(backing_off.error().message.find("next reconnect attempt in"), std::string::npos)
      << backing_off.error().message;

  ASSERT_TRUE((*server)->Restart());
  // Reconnecting waits out the backoff; wait for it with a generous bound.
  Expected<QueueStats> stats = std::unexpected(Error::Unavailable("not tried"));
  for (auto give_up = std::chrono::steady_clock::now() + 20s;
       !stats && std::chrono::steady_clock::now() < give_up;) {
    stats = (*queue)->Stats();
    if (!stats) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(stats) << stats.error().Describe();
  EXPECT_EQ(stats->total_enqueued, 100);
  EXPECT_EQ(stats->total_completed, 5);
  EXPECT_EQ(stats->processing_size, 5);
  EXPECT_EQ(stats->tenant_queue_sizes[TenantId{"t"}], 90);

  // The held leases survived too: the old workers may finish, or the leases expire and recover.
  ASSERT_TRUE((*queue)->Finish(held[5].lease, FinishOutcome::kCompleted));
  clock.Advance(kDefaultLease);
  EXPECT_EQ((*queue)->RecoverExpired().value_or(0), 4u);  // the scripts were reloaded (NOSCRIPT)
  std::set<std::string> rest;
  while (true) {
    Expected<std::optional<TakenJob>> taken = (*queue)->Take(kDefaultLease);
    ASSERT_TRUE(taken) << taken.error().Describe();
    if (!taken->has_value()) break;
    rest.insert((*taken)->job.job_id.value);
    ASSERT_TRUE((*queue)->Finish((*taken)->lease, FinishOutcome::kCompleted));
  }
  EXPECT_EQ(rest.size(), 94u);
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(rest.contains(held[i].job.job_id.value));
}

}  // namespace
}  // namespace talky::testing
