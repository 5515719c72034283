// The distributed mode under a crash, as an operator runs it: one `talky serve` process and three
// `talky worker` processes share one Redis queue and one PostgreSQL store (servers from the
// harness). The test drives the server only through its REST API with a real HTTP client: it
// creates two tenants with their calling rules (admin key), a campaign each, uploads 2,500 leads
// per campaign as CSV and starts both; while they run it polls the campaigns' stats, and in the
// middle it kills one worker with SIGKILL; the others carry on.
//
// Checked afterwards, from the database itself (SQL through libpq), the queue and the API:
// - every lead reaches a final state and each campaign completes; no job was lost: one job per
//   lead, none left in the queue;
// - no call stays without an end: a call the killed worker had in flight is ended by the worker
//   that takes its job back (failed, reason worker_lost), and with one attempt allowed that job
//   fails for good;
// - no lead was ever in two calls at once (a lead's calls do not overlap in [created_at,
//   ended_at]); each lead was called once;
// - the counters in GET /v1/campaigns/{id}/stats equal the rows of the calls table.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "domain/clock.h"
#include "harness/child_process.h"
#include "harness/test_servers.h"
#include "queue/redis/redis_job_queue.h"
#include "talky_processes.h"

namespace talky {
namespace {

using namespace std::chrono;
using nlohmann::json;

constexpr int kTenants = 2;
constexpr int kLeadsPerTenant = 2500;
constexpr int kWorkers = 3;
constexpr const char* kAdminKey = "distributed-test-admin-key";
// Ofcom's drama ranges (fictional UK numbers), 1,000 numbers each; UK numbers have no US legal
// floor, and the tenants' window is the whole day in UTC.
constexpr const char* kNumberRanges[] = {"+44113496", "+44114496", "+44116496",
                                         "+44117496", "+44118496", "+44121496"};
// The job statuses that close a job for good.
constexpr const char* kFinalStatuses[] = {"goal_achieved", "completed", "failed", "non_retryable"};

using testing::Api;
using testing::ChildProcess;
using testing::Count;
using testing::Query;
using testing::Rows;
using testing::StartTalky;
using testing::WaitForListeningPort;

std::unique_ptr<ChildProcess> StartWorker(const std::string& database_url,
                                          const std::string& redis_url,
                                          testing::ScratchDir& scratch) {
  return StartTalky({"worker", "--database-url", database_url, "--redis-url", redis_url,
                     "--workers", "2", "--ring-time-ms", "400", "--talk-time-ms", "1600", "--speed",
                     "2", "--drain-timeout-ms", "5000"},
                    scratch);
}

struct TenantCampaign {
  std::string tenant_id;
  std::string api_key;
  std::string campaign_id;
};

// Stats of every campaign through the API; empty when one could not be read.
std::vector<json> AllStats(Api& api, const std::vector<TenantCampaign>& campaigns) {
  std::vector<json> all;
  for (const TenantCampaign& one : campaigns) {
    auto [status, stats] =
        api.Send("GET", "/v1/campaigns/" + one.campaign_id + "/stats", one.api_key);
    if (status != 200) {
      ADD_FAILURE() << "stats of " << one.campaign_id << ": " << status << " " << stats.dump();
      return {};
    }
    all.push_back(std::move(stats));
  }
  return all;
}

// Jobs with one of `statuses`, summed over the campaigns' stats.
int64_t JobsIn(const std::vector<json>& stats, std::initializer_list<const char*> statuses) {
  int64_t sum = 0;
  for (const json& one : stats) {
    for (const char* status : statuses) sum += one["jobs_by_status"].value(status, int64_t{0});
  }
  return sum;
}

int64_t FinalJobs(const std::vector<json>& stats) {
  int64_t sum = 0;
  for (const char* status : kFinalStatuses) sum += JobsIn(stats, {status});
  return sum;
}

TEST(Distributed, OneServerThreeWorkersOneKilledLoseNothingAndNeverCallALeadTwiceAtOnce) {
  Expected<testing::RedisServer*> redis = testing::SharedRedis();
  ASSERT_TRUE(redis) << redis.error().Describe();
  Expected<testing::PostgresServer*> postgres = testing::SharedPostgres();
  ASSERT_TRUE(postgres) << postgres.error().Describe();
  Expected<std::string> database_url = (*postgres)->CreateDatabase("distributed");
  ASSERT_TRUE(database_url) << database_url.error().Describe();
  const std::string redis_url = (*redis)->url();
  Expected<std::unique_ptr<testing::ScratchDir>> scratch = testing::ScratchDir::Create("dist");
  ASSERT_TRUE(scratch);

  // The server first: it migrates the database and answers the API.
  std::unique_ptr<ChildProcess> server =
      StartTalky({"serve", "--listen", "127.0.0.1:0", "--database-url", *database_url,
                  "--redis-url", redis_url, "--admin-key", kAdminKey, "--threads", "2"},
                 **scratch);
  ASSERT_TRUE(server);
  const std::optional<int> port = WaitForListeningPort(*server, 30s);
  ASSERT_TRUE(port) << "talky serve did not listen:\n" << server->output();
  Api api(*port);

  // Two tenants, a campaign each; one attempt per lead (retry delays are at least half an hour,
  // longer than this test), a whole-day window, 100 calls at once per tenant.
  const json rules = {{"timezone", "UTC"},          {"time_window_start", "00:00"},
                      {"time_window_end", "23:59"}, {"allowed_days", {0, 1, 2, 3, 4, 5, 6}},
                      {"max_retry_attempts", 1},    {"max_concurrent_calls", 100}};
  std::vector<TenantCampaign> campaigns;
  int range = 0;
  for (int t = 0; t < kTenants; ++t) {
    TenantCampaign one;
    auto [tenant_status, tenant] = api.Send("POST", "/v1/tenants", kAdminKey,
                                            json{{"name", fmt::format("tenant-{}", t)},
                                                 {"default_region", "GB"},
                                                 {"calling_rules", rules}}
                                                .dump());
    ASSERT_EQ(tenant_status, 201) << tenant.dump();
    one.tenant_id = tenant["tenant"]["id"].get<std::string>();
    one.api_key = tenant["api_key"].get<std::string>();
    EXPECT_EQ(tenant["tenant"]["calling_rules"]["max_retry_attempts"], 1) << tenant.dump();

    auto [campaign_status, campaign] = api.Send("POST", "/v1/campaigns", one.api_key,
                                                json{{"name", fmt::format("campaign-{}", t)},
                                                     {"system_prompt", "p"},
                                                     {"voice_id", "v"},
                                                     {"max_concurrent_calls", 100}}
                                                    .dump());
    ASSERT_EQ(campaign_status, 201) << campaign.dump();
    one.campaign_id = campaign["id"].get<std::string>();
    EXPECT_EQ(campaign["status"], "draft");

    std::string csv = "phone_number,first_name\n";
    for (int i = 0; i < kLeadsPerTenant; ++i, ++range) {
      csv += fmt::format("{}{:04},Lead {}\n", kNumberRanges[range / 1000], range % 1000, range);
    }
    auto [leads_status, leads] = api.Send("POST", "/v1/campaigns/" + one.campaign_id + "/leads",
                                          one.api_key, csv, "text/csv");
    ASSERT_EQ(leads_status, 201) << leads.dump();
    EXPECT_EQ(leads["imported"], kLeadsPerTenant);
    campaigns.push_back(std::move(one));
  }
  const int64_t total_leads = int64_t{kTenants} * kLeadsPerTenant;

  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.push_back(StartWorker(*database_url, redis_url, **scratch));
    ASSERT_TRUE(workers.back());
  }
  for (const TenantCampaign& one : campaigns) {
    auto [status, started] =
        api.Send("POST", "/v1/campaigns/" + one.campaign_id + "/start", one.api_key);
    ASSERT_EQ(status, 200) << started.dump();
    EXPECT_EQ(started["status"], "running");
  }

  // The middle, as the stats show it: a third of the leads done, and the victim has calls in
  // flight.
  const auto start = steady_clock::now();
  SystemClock clock;
  int64_t done = 0;
  int64_t most_in_progress = 0;
  while (steady_clock::now() - start < 60s) {
    const std::vector<json> stats = AllStats(api, campaigns);
    ASSERT_EQ(stats.size(), campaigns.size());
    done = FinalJobs(stats);
    for (const json& one : stats) {
      most_in_progress = std::max(most_in_progress, one["calls_in_progress"].get<int64_t>());
    }
    if (done >= total_leads / 3) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_GE(done, total_leads / 3) << "the workers did not get going";
  EXPECT_GT(most_in_progress, 0) << "the stats never showed a call in progress";
  ASSERT_TRUE(workers[1]->Signal(SIGKILL));
  const int64_t killed_at_micros = clock.Now().time_since_epoch().count();
  ASSERT_TRUE(workers[1]->WaitForExit(10s));

  // Until every lead is final, as the stats show it: the victim's jobs come back when their
  // leases expire, and a job whose call the kill cut is closed by the worker that takes it.
  int64_t final_in_stats = 0;
  while (steady_clock::now() - start < 110s) {
    const std::vector<json> stats = AllStats(api, campaigns);
    ASSERT_EQ(stats.size(), campaigns.size());
    final_in_stats = FinalJobs(stats);
    if (final_in_stats == total_leads) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(final_in_stats, total_leads) << "leads not final after 110 s";
  for (ChildProcess* worker : {workers[0].get(), workers[2].get()}) {
    ASSERT_TRUE(worker->Signal(SIGTERM));
    std::optional<int> status = worker->WaitForExit(20s);
    ASSERT_TRUE(status) << "a worker did not stop on SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << worker->output();
  }

  // Every lead reached a final state, and each campaign completed.
  const std::string final_statuses = "('goal_achieved','completed','failed','non_retryable')";
  EXPECT_EQ(Count(*database_url, "SELECT count(*) FROM leads"), total_leads);
  EXPECT_EQ(
      Count(*database_url, "SELECT count(*) FROM dialer_jobs WHERE status IN " + final_statuses),
      total_leads);
  for (const TenantCampaign& one : campaigns) {
    auto [status, campaign] = api.Send("GET", "/v1/campaigns/" + one.campaign_id, one.api_key);
    ASSERT_EQ(status, 200) << campaign.dump();
    EXPECT_EQ(campaign["status"], "completed") << campaign.dump();
    EXPECT_EQ(campaign["total_leads"], kLeadsPerTenant) << campaign.dump();
  }

  // No job lost: one per lead, none left in the queue.
  EXPECT_EQ(Count(*database_url, "SELECT count(*) FROM dialer_jobs"), total_leads);
  EXPECT_EQ(Count(*database_url, "SELECT count(DISTINCT lead_id) FROM dialer_jobs"), total_leads);
  Expected<std::unique_ptr<RedisJobQueue>> queue =
      RedisJobQueue::Connect(clock, RedisQueueOptions{.url = redis_url});
  ASSERT_TRUE(queue) << queue.error().Describe();
  Expected<QueueStats> queued = (*queue)->Stats();
  ASSERT_TRUE(queued) << queued.error().Describe();
  EXPECT_EQ(queued->scheduled_size, 0);
  EXPECT_EQ(queued->processing_size, 0);
  EXPECT_EQ(queued->priority_queue_size, 0);
  EXPECT_TRUE(queued->tenant_queue_sizes.empty());
  EXPECT_GT(queued->total_recovered, 0) << "the killed worker's jobs came back through leases";

  // No call stays without an end. The calls the kill cut were ended by the worker that took their
  // job: failed, reason worker_lost, started before the kill and ended after it; with one attempt
  // allowed, their jobs failed for good.
  EXPECT_EQ(Count(*database_url, "SELECT count(*) FROM calls WHERE ended_at IS NULL"), 0);
  EXPECT_EQ(Count(*database_url, "SELECT count(*) FROM calls WHERE status <> 'completed'"), 0);
  const Rows lost = Query(*database_url,
                          "SELECT c.id, c.created_at, c.ended_at, c.outcome, j.status, "
                          "j.attempt_number FROM calls c JOIN dialer_jobs j ON j.id = c.job_id "
                          "WHERE EXISTS (SELECT 1 FROM call_events e WHERE e.call_id = c.id "
                          "AND e.payload->>'reason' = 'worker_lost')");
  for (const auto& row : lost) {
    EXPECT_LT(std::stoll(row[1]), killed_at_micros)
        << "call " << row[0] << " lost, not by the kill";
    EXPECT_GE(std::stoll(row[2]), killed_at_micros) << "call " << row[0];
    EXPECT_EQ(row[3], "failed") << "call " << row[0];
    EXPECT_EQ(row[4], "failed") << "the job of lost call " << row[0];
  }
  EXPECT_GT(lost.size(), 0u) << "the kill cut no call in flight: the test proved nothing about it";
  EXPECT_LE(lost.size(), 200u) << "more calls cut than one worker can have in flight";

  // No lead in two calls at once, and each lead called once (one attempt allowed).
  const Rows calls = Query(*database_url,
                           "SELECT lead_id, created_at, ended_at FROM calls "
                           "ORDER BY lead_id, created_at");
  int64_t overlaps = 0;
  for (size_t i = 1; i < calls.size(); ++i) {
    if (calls[i][0] != calls[i - 1][0]) continue;
    if (std::stoll(calls[i][1]) < std::stoll(calls[i - 1][2])) {
      ++overlaps;
      ADD_FAILURE() << "lead " << calls[i][0] << ": a call at " << calls[i][1]
                    << " while the previous one lasted until " << calls[i - 1][2];
    }
  }
  EXPECT_EQ(overlaps, 0);
  EXPECT_EQ(Count(*database_url, "SELECT count(DISTINCT lead_id) FROM calls"), total_leads);
  EXPECT_EQ(static_cast<int64_t>(calls.size()), total_leads);
  EXPECT_EQ(Count(*database_url, "SELECT count(*) FROM leads WHERE call_attempts = 1"),
            total_leads);

  // The counters in the API's campaign stats equal the rows of the calls table.
  const std::vector<json> stats = AllStats(api, campaigns);
  ASSERT_EQ(stats.size(), campaigns.size());
  for (size_t c = 0; c < campaigns.size(); ++c) {
    const json& one = stats[c];
    const std::string where = " FROM calls WHERE campaign_id = '" + campaigns[c].campaign_id + "'";
    const int64_t rows = Count(*database_url, "SELECT count(*)" + where);
    EXPECT_EQ(rows, kLeadsPerTenant);
    EXPECT_EQ(one["campaign"]["calls_completed"].get<int64_t>() +
                  one["campaign"]["calls_failed"].get<int64_t>(),
              rows)
        << one.dump();
    // A call that did not connect counts as failed; lost calls are among them.
    EXPECT_EQ(one["campaign"]["calls_failed"].get<int64_t>(),
              Count(*database_url, "SELECT count(*)" + where +
                                       " AND outcome NOT IN ('goal_achieved', "
                                       "'goal_not_achieved', 'voicemail', 'answered')"))
        << one.dump();
    EXPECT_EQ(one["goals_achieved"].get<int64_t>(),
              Count(*database_url, "SELECT count(*)" + where + " AND outcome = 'goal_achieved'"));
    EXPECT_EQ(one["campaign"]["goals_achieved"], one["goals_achieved"]);
    EXPECT_EQ(one["calls_total"].get<int64_t>(), rows);
    EXPECT_EQ(one["calls_in_progress"].get<int64_t>(), 0);
    int64_t by_outcome = 0;
    for (const auto& [outcome, count] : one["calls_by_outcome"].items()) {
      by_outcome += count.get<int64_t>();
      EXPECT_EQ(count.get<int64_t>(), Count(*database_url, "SELECT count(*)" + where +
                                                               " AND outcome = '" + outcome + "'"));
    }
    EXPECT_EQ(by_outcome, rows);
    EXPECT_EQ(one["leads_by_attempts"], json({{"1", kLeadsPerTenant}})) << one.dump();
  }

  // The server stops cleanly on SIGTERM.
  ASSERT_TRUE(server->Signal(SIGTERM));
  std::optional<int> server_status = server->WaitForExit(20s);
  ASSERT_TRUE(server_status) << "talky serve did not stop on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*server_status) && WEXITSTATUS(*server_status) == 0) << server->output();

  std::cout << "distributed: 1 server, " << kWorkers << " workers, " << total_leads << " leads, "
            << calls.size() << " calls, " << lost.size()
            << " cut by the SIGKILL (ended as failed, worker_lost), " << queued->total_recovered
            << " jobs recovered through leases, in "
            << duration_cast<milliseconds>(steady_clock::now() - start).count() << " ms\n";
}

}  // namespace
}  // namespace talky
