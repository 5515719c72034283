// The distributed mode through a restart of its database, then of its queue, as an operator sees
// it: one `talky serve` and two `talky worker` processes on the harness's PostgreSQL and Redis
// (Redis with an fsync'd append-only file, so a restart keeps the queue). In the middle of a
// campaign the server is stopped for a few seconds and started again on the same port and data.
//
// While PostgreSQL is down the API answers 503 naming it, and no call is placed (the workers'
// rules checks cannot be made). While Redis is down the queue's routes answer 503 naming it.
// After the restart every process reconnects by itself: the campaign completes, every lead is
// called exactly once (one attempt allowed), no call is left without an end, and the queue ends
// empty: nothing lost, nothing dialed twice. serve's /metrics counts the store's reconnections.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "domain/clock.h"
#include "harness/test_servers.h"
#include "queue/redis/redis_job_queue.h"
#include "talky_processes.h"

namespace talky {
namespace {

using namespace std::chrono;
using nlohmann::json;
using testing::Api;
using testing::ChildProcess;
using testing::Count;
using testing::StartTalky;
using testing::WaitForListeningPort;

constexpr int kLeads = 400;
constexpr const char* kAdminKey = "restart-test-admin-key";
constexpr milliseconds kOutage = 3s;

int64_t NowMicros() { return SystemClock().Now().time_since_epoch().count(); }

// Jobs in a final status, from the campaign's stats; -1 when the API does not answer 200.
int64_t FinalJobs(Api& api, const std::string& key, const std::string& campaign) {
  auto [status, stats] = api.Send("GET", "/v1/campaigns/" + campaign + "/stats", key);
  if (status != 200) return -1;
  int64_t sum = 0;
  for (const char* final : {"goal_achieved", "completed", "failed", "non_retryable"}) {
    sum += stats["jobs_by_status"].value(final, int64_t{0});
  }
  return sum;
}

class Restart : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::PostgresServer>> postgres = testing::PostgresServer::Start();
    ASSERT_TRUE(postgres) << postgres.error().Describe();
    postgres_ = std::move(*postgres);
    Expected<std::string> url = postgres_->CreateDatabase("restart");
    ASSERT_TRUE(url) << url.error().Describe();
    database_url_ = *url;
    Expected<std::unique_ptr<testing::RedisServer>> redis =
        testing::RedisServer::Start({.append_only = true});
    ASSERT_TRUE(redis) << redis.error().Describe();
    redis_ = std::move(*redis);
    Expected<std::unique_ptr<testing::ScratchDir>> scratch = testing::ScratchDir::Create("restart");
    ASSERT_TRUE(scratch);
    scratch_ = std::move(*scratch);

    server_ = StartTalky({"serve", "--listen", "127.0.0.1:0", "--database-url", database_url_,
                          "--redis-url", redis_->url(), "--admin-key", kAdminKey, "--threads", "2"},
                         *scratch_);
    ASSERT_TRUE(server_);
    const std::optional<int> port = WaitForListeningPort(*server_, 30s);
    ASSERT_TRUE(port) << "talky serve did not listen:\n" << server_->output();
    api_ = std::make_unique<Api>(*port);

    // A whole-day window, one attempt per lead, 50 calls at once.
    const json rules = {{"timezone", "UTC"},          {"time_window_start", "00:00"},
                        {"time_window_end", "23:59"}, {"allowed_days", {0, 1, 2, 3, 4, 5, 6}},
                        {"max_retry_attempts", 1},    {"max_concurrent_calls", 50}};
    auto [tenant_status, tenant] = api_->Send(
        "POST", "/v1/tenants", kAdminKey,
        json{{"name", "Restart"}, {"default_region", "GB"}, {"calling_rules", rules}}.dump());
    ASSERT_EQ(tenant_status, 201) << tenant.dump();
    key_ = tenant["api_key"].get<std::string>();
    auto [campaign_status, campaign] = api_->Send("POST", "/v1/campaigns", key_,
                                                  json{{"name", "Restart"},
                                                       {"system_prompt", "p"},
                                                       {"voice_id", "v"},
                                                       {"max_concurrent_calls", 50}}
                                                      .dump());
    ASSERT_EQ(campaign_status, 201) << campaign.dump();
    campaign_ = campaign["id"].get<std::string>();
    // Ofcom's drama range (fictional UK numbers).
    std::string csv = "phone_number\n";
    for (int i = 0; i < kLeads; ++i) csv += fmt::format("+44113496{:04}\n", i);
    auto [leads_status, leads] =
        api_->Send("POST", "/v1/campaigns/" + campaign_ + "/leads", key_, csv, "text/csv");
    ASSERT_EQ(leads_status, 201) << leads.dump();

    for (int i = 0; i < 2; ++i) {
      workers_.push_back(StartTalky(
          {"worker", "--database-url", database_url_, "--redis-url", redis_->url(), "--workers",
           "2", "--ring-time-ms", "400", "--talk-time-ms", "1600", "--speed", "2",
           "--retry-unavailable-ms", "1000", "--drain-timeout-ms", "5000"},
          *scratch_));
      ASSERT_TRUE(workers_.back());
    }
    auto [start_status, started] =
        api_->Send("POST", "/v1/campaigns/" + campaign_ + "/start", key_);
    ASSERT_EQ(start_status, 200) << started.dump();
  }

  void TearDown() override {
    for (const std::unique_ptr<ChildProcess>& worker : workers_) {
      if (worker) worker->Signal(SIGTERM);
    }
    if (server_) server_->Signal(SIGTERM);
    for (const std::unique_ptr<ChildProcess>& worker : workers_) {
      if (worker) worker->WaitForExit(20s);
    }
    if (server_) server_->WaitForExit(20s);
  }

  // Waits until at least `count` jobs are final (as the API shows them) or `limit` passes.
  bool WaitForFinalJobs(int64_t count, milliseconds limit) {
    const auto deadline = steady_clock::now() + limit;
    while (steady_clock::now() < deadline) {
      if (FinalJobs(*api_, key_, campaign_) >= count) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // The end state both tests check: campaign completed, each lead called once, every call
  // ended, the queue empty.
  void ExpectNothingLostNothingTwice() {
    auto [status, campaign] = api_->Send("GET", "/v1/campaigns/" + campaign_, key_);
    ASSERT_EQ(status, 200) << campaign.dump();
    EXPECT_EQ(campaign["status"], "completed") << campaign.dump();
    EXPECT_EQ(Count(database_url_, "SELECT count(*) FROM dialer_jobs"), kLeads);
    EXPECT_EQ(Count(database_url_,
                    "SELECT count(*) FROM dialer_jobs WHERE status IN "
                    "('goal_achieved','completed','failed','non_retryable')"),
              kLeads);
    EXPECT_EQ(Count(database_url_, "SELECT count(*) FROM calls"), kLeads);
    EXPECT_EQ(Count(database_url_, "SELECT count(DISTINCT lead_id) FROM calls"), kLeads);
    EXPECT_EQ(Count(database_url_, "SELECT count(*) FROM calls WHERE ended_at IS NULL"), 0);
    EXPECT_EQ(Count(database_url_, "SELECT count(*) FROM leads WHERE call_attempts = 1"), kLeads);
    // The queue ends empty once the leases of jobs finished while it was down have expired.
    Expected<std::unique_ptr<RedisJobQueue>> queue =
        RedisJobQueue::Connect(clock_, RedisQueueOptions{.url = redis_->url()});
    ASSERT_TRUE(queue) << queue.error().Describe();
    Expected<QueueStats> queued;
    const auto deadline = steady_clock::now() + 60s;
    do {
      queued = (*queue)->Stats();
      ASSERT_TRUE(queued) << queued.error().Describe();
      if (queued->processing_size == 0 && queued->scheduled_size == 0) break;
      std::this_thread::sleep_for(200ms);
    } while (steady_clock::now() < deadline);
    EXPECT_EQ(queued->processing_size, 0);
    EXPECT_EQ(queued->scheduled_size, 0);
    EXPECT_EQ(queued->priority_queue_size, 0);
    EXPECT_TRUE(queued->tenant_queue_sizes.empty());
  }

  SystemClock clock_;
  std::unique_ptr<testing::PostgresServer> postgres_;
  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::ScratchDir> scratch_;
  std::string database_url_;
  std::unique_ptr<ChildProcess> server_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::unique_ptr<Api> api_;
  std::string key_;
  std::string campaign_;
};

TEST_F(Restart, PostgresStoppedAndStartedMidCampaignLosesNothingAndDialsNothingTwice) {
  ASSERT_TRUE(WaitForFinalJobs(kLeads / 4, 60s)) << "the workers did not get going";

  postgres_->Stop();
  const int64_t down_at = NowMicros();
  auto [status, body] = api_->Send("GET", "/v1/campaigns/" + campaign_ + "/stats", key_);
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_NE(body.dump().find("PostgreSQL"), std::string::npos) << body.dump();
  std::this_thread::sleep_for(kOutage);
  const int64_t up_at = NowMicros();
  Expected<void> restarted = postgres_->Restart();
  ASSERT_TRUE(restarted) << restarted.error().Describe();

  ASSERT_TRUE(WaitForFinalJobs(kLeads, 90s)) << "the campaign did not finish after the restart";
  ExpectNothingLostNothingTwice();
  // No call was placed while the database was down (a second of slack for calls in flight).
  EXPECT_EQ(Count(database_url_, fmt::format("SELECT count(*) FROM calls WHERE created_at > {} "
                                             "AND created_at < {}",
                                             down_at + 1'000'000, up_at)),
            0);
  // Each process reconnected by itself, logged and counted.
  for (const std::unique_ptr<ChildProcess>& worker : workers_) {
    EXPECT_NE(worker->output().find("reconnected to PostgreSQL"), std::string::npos)
        << worker->output();
  }
  const std::string metrics = api_->Text("/metrics");
  const std::smatch reconnected = [&] {
    std::smatch match;
    std::regex_search(
        metrics, match,
        std::regex(R"(talky_store_connection_events\{event="reconnected"\} ([0-9]+))"));
    return match;
  }();
  ASSERT_FALSE(reconnected.empty()) << metrics;
  EXPECT_GE(std::stoi(reconnected[1]), 1) << metrics;
  EXPECT_NE(server_->output().find("reconnected to PostgreSQL"), std::string::npos)
      << server_->output();
}

TEST_F(Restart, RedisStoppedAndStartedMidCampaignLosesNothingAndDialsNothingTwice) {
  ASSERT_TRUE(WaitForFinalJobs(kLeads / 4, 60s)) << "the workers did not get going";

  redis_->Stop();
  auto [status, body] = api_->Send("GET", "/v1/queue/stats", key_);
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_NE(body.dump().find("redis"), std::string::npos) << body.dump();
  std::this_thread::sleep_for(kOutage);
  Expected<void> restarted = redis_->Restart();
  ASSERT_TRUE(restarted) << restarted.error().Describe();

  ASSERT_TRUE(WaitForFinalJobs(kLeads, 90s)) << "the campaign did not finish after the restart";
  ExpectNothingLostNothingTwice();
  for (const std::unique_ptr<ChildProcess>& worker : workers_) {
    EXPECT_NE(worker->output().find("reconnected to redis"), std::string::npos) << worker->output();
  }
}

}  // namespace
}  // namespace talky
