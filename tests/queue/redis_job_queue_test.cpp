// The conformance suite on the Redis backend (the harness's real redis-server), plus what only it
// has: the key layout under a prefix, and surviving a Redis stop and restart.
#include "queue/redis/redis_job_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "harness/test_servers.h"
#include "queue/job_queue_conformance.h"
#include "queue/local/local_job_queue.h"
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

// The take script reads ahead and writes the rotation back once per call; whatever the batch sizes,
// it must hand out what the embedded queue (the same rules, kept in memory) hands out, in the same
// order. A seeded mix of tenants that run empty, capped and paused campaigns, new tenants arriving
// between batches (the client's view of the rotation goes stale), and finishes in between.
TEST(RedisJobQueue, TakeBatchesHandOutWhatTheEmbeddedQueueHandsOut) {
  Expected<RedisServer*> server = SharedRedis();
  ASSERT_TRUE(server) << server.error().Describe();
  ManualClock clock(kStart);
  auto redis = RedisJobQueue::Connect(clock, {.url = (*server)->url(), .key_prefix = "{same}:"});
  ASSERT_TRUE(redis) << redis.error().Describe();
  LocalJobQueue local(clock);
  std::vector<JobQueue*> queues{redis->get(), &local};

  std::mt19937 rng(7);
  auto pick = [&](int below) { return std::uniform_int_distribution<int>(0, below - 1)(rng); };
  for (JobQueue* queue : queues) {
    ASSERT_TRUE(queue->SetCampaignLimit(CampaignId{"capped"}, 2));
    ASSERT_TRUE(queue->SetTenantLimits(TenantId{"t3"}, {.max_concurrent_calls = 3}));
    ASSERT_TRUE(queue->PauseCampaign(CampaignId{"paused"}));
  }
  const std::vector<std::string> campaigns{"c", "c", "c", "capped", "paused"};
  int next_job = 0;
  std::vector<std::vector<TakenJob>> held(queues.size());
  for (int round = 0; round < 40; ++round) {
    if (round % 4 == 0) {
      std::vector<DialerJob> jobs;
      const int tenants = 3 + round / 4;  // new tenants join as rounds go on
      for (int k = pick(30); k >= 0; --k) {
        const std::string tenant = "t" + std::to_string(pick(tenants));
        jobs.push_back(MakeJob("j" + std::to_string(next_job++), tenant,
                               campaigns[static_cast<std::size_t>(pick(5))], 1 + pick(10)));
      }
      for (JobQueue* queue : queues) ASSERT_TRUE(queue->Enqueue(jobs));
    }
    const std::size_t batch = std::vector<std::size_t>{1, 2, 3, 5, 8, 16, 40}[pick(7)];
    const bool finish_some = pick(2) == 0;
    std::vector<std::vector<std::string>> handed_out(queues.size());
    for (std::size_t q = 0; q < queues.size(); ++q) {
      if (finish_some && !held[q].empty()) {
        std::vector<Lease> leases;
        for (std::size_t k = 0; k < held[q].size(); k += 2) leases.push_back(held[q][k].lease);
        ASSERT_TRUE(queues[q]->FinishBatch(leases, FinishOutcome::kCompleted));
        std::erase_if(held[q], [&](const TakenJob& taken) {
          return std::find(leases.begin(), leases.end(), taken.lease) != leases.end();
        });
      }
      Expected<std::vector<TakenJob>> taken = queues[q]->TakeBatch(batch, kDefaultLease);
      ASSERT_TRUE(taken) << taken.error().Describe();
      for (TakenJob& job : *taken) {
        handed_out[q].push_back(job.job.job_id.value);
        held[q].push_back(std::move(job));
      }
    }
    ASSERT_EQ(handed_out[0], handed_out[1]) << "round " << round << ", batch of " << batch;
  }
  Expected<QueueStats> redis_stats = (*redis)->Stats();
  Expected<QueueStats> local_stats = local.Stats();
  ASSERT_TRUE(redis_stats && local_stats);
  EXPECT_EQ(*redis_stats, *local_stats);
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
