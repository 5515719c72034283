// The distributed mode under a crash: three `talky worker` processes share one Redis queue and one
// PostgreSQL store (servers from the harness); a campaign of 5,000 leads across two tenants is
// started; one worker is killed with SIGKILL in the middle; the others carry on.
//
// The campaigns are created and started in this test process through the Store and the
// CampaignService, the same code the REST API's start endpoint runs.
//
// Checked afterwards, from the database itself (SQL through libpq) and the queue:
// - no job was lost: one job per lead, and every job is final or (see below) waiting in the queue;
// - no lead was in two calls at once: a lead's calls do not overlap in [created_at, ended_at];
//   a call the killed worker had in flight (no end: its simulated provider died with it) ends at
//   the kill, and the lead's next call starts after it;
// - the campaign counters equal the rows of the calls table.
// A lead whose call was cut by the kill was called: its job comes back through its lease and is
// deferred by the cooldown (min_hours_between_calls, at least an hour) as the law asks, so with a
// real clock it is still waiting when the test ends. Every other lead reaches a final state.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "app/open_store.h"
#include "campaigns/campaign_service.h"
#include "domain/job_status.h"
#include "harness/test_servers.h"
#include "queue/redis/redis_job_queue.h"

namespace talky {
namespace {

using namespace std::chrono;

constexpr int kLeadsPerTenant = 2500;
constexpr int kWorkers = 3;
// Ofcom's drama ranges (fictional UK numbers), 1,000 numbers each; UK numbers have no US legal
// floor, and the tenants' window is the whole day in UTC.
constexpr const char* kNumberRanges[] = {"+44113496", "+44114496", "+44116496",
                                         "+44117496", "+44118496", "+44121496"};

using Rows = std::vector<std::vector<std::string>>;

// A query's rows as text; NULL is "".
Rows Query(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(url.c_str()), &PQfinish);
  EXPECT_EQ(PQstatus(connection.get()), CONNECTION_OK) << PQerrorMessage(connection.get());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                       &PQclear);
  EXPECT_EQ(PQresultStatus(result.get()), PGRES_TUPLES_OK) << PQerrorMessage(connection.get());
  Rows rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(result.get()); ++c)
      row.emplace_back(PQgetvalue(result.get(), r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t Count(const std::string& url, const std::string& sql) {
  Rows rows = Query(url, sql);
  return rows.empty() ? -1 : std::stoll(rows[0][0]);
}

pid_t StartWorker(const std::string& database_url, const std::string& redis_url,
                  const std::filesystem::path& log) {
  const pid_t child = fork();
  if (child == 0) {
    const int fd = ::open(log.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(TALKY_BINARY, TALKY_BINARY, "worker", "--database-url", database_url.c_str(),
          "--redis-url", redis_url.c_str(), "--workers", "2", "--ring-time-ms", "400",
          "--talk-time-ms", "1600", "--speed", "2", "--drain-timeout-ms", "5000", nullptr);
    _exit(127);
  }
  return child;
}

// Waits for `pid` up to `limit`; its wait status, or nullopt when it did not end.
std::optional<int> WaitFor(pid_t pid, milliseconds limit) {
  const auto deadline = steady_clock::now() + limit;
  int status = 0;
  while (steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

TEST(Distributed, ThreeWorkersOneKilledLoseNothingAndNeverCallALeadTwiceAtOnce) {
  Expected<testing::RedisServer*> redis = testing::SharedRedis();
  ASSERT_TRUE(redis) << redis.error().Describe();
  Expected<testing::PostgresServer*> postgres = testing::SharedPostgres();
  ASSERT_TRUE(postgres) << postgres.error().Describe();
  Expected<std::string> database_url = (*postgres)->CreateDatabase("distributed");
  ASSERT_TRUE(database_url) << database_url.error().Describe();
  const std::string redis_url = (*redis)->url();
  Expected<std::unique_ptr<testing::ScratchDir>> scratch = testing::ScratchDir::Create("dist");
  ASSERT_TRUE(scratch);

  SystemClock clock;
  RandomIdGenerator ids(5);
  Expected<std::unique_ptr<Store>> store =
      OpenStore({SqlDialect::kPostgres, *database_url}, clock, ids, 4);
  ASSERT_TRUE(store) << store.error().Describe();
  Expected<std::unique_ptr<RedisJobQueue>> queue =
      RedisJobQueue::Connect(clock, RedisQueueOptions{.url = redis_url});
  ASSERT_TRUE(queue) << queue.error().Describe();

  // Two tenants, a campaign each; one attempt per lead (retry delays are at least half an hour,
  // longer than this test), a whole-day window, 100 calls at once per tenant.
  CallingRules rules;
  rules.timezone = "UTC";
  rules.time_window_start = minutes(0);
  rules.time_window_end = hours(23) + minutes(59);
  rules.allowed_days = {0, 1, 2, 3, 4, 5, 6};
  rules.max_retry_attempts = 1;
  rules.max_concurrent_calls = 100;
  std::vector<std::pair<TenantId, CampaignId>> campaigns;
  int range = 0;
  for (int t = 0; t < 2; ++t) {
    const TenantId tenant{"tenant-" + std::to_string(t)};
    const CampaignId campaign{"campaign-" + std::to_string(t)};
    ASSERT_TRUE((*store)->CreateTenant(Tenant{.id = tenant,
                                              .name = tenant.value,
                                              .api_key_hash = "hash-" + tenant.value,
                                              .rules = rules,
                                              .default_region = "GB"}));
    ASSERT_TRUE((*store)->CreateCampaign(Campaign{.id = campaign,
                                                  .tenant_id = tenant,
                                                  .name = campaign.value,
                                                  .system_prompt = "p",
                                                  .voice_id = "v",
                                                  .max_concurrent_calls = 100,
                                                  .created_at = clock.Now()}));
    std::vector<Lead> leads;
    for (int i = 0; i < kLeadsPerTenant; ++i, ++range) {
      leads.push_back(
          {.phone_number = fmt::format("{}{:04}", kNumberRanges[range / 1000], range % 1000)});
    }
    Expected<ImportResult> imported = (*store)->ImportLeads(tenant, campaign, leads);
    ASSERT_TRUE(imported) << imported.error().Describe();
    campaigns.emplace_back(tenant, campaign);
  }
  const int64_t total_leads = 2 * kLeadsPerTenant;

  std::vector<pid_t> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.push_back(StartWorker(*database_url, redis_url,
                                  (*scratch)->path() / fmt::format("worker-{}.log", i)));
    (*scratch)->Watch(workers.back());
  }
  CampaignService service(**store, **queue, clock);
  for (const auto& [tenant, campaign] : campaigns) {
    Expected<Campaign> started = service.Start(tenant, campaign);
    ASSERT_TRUE(started) << started.error().Describe();
  }

  const std::string final_statuses = "('goal_achieved','completed','failed','non_retryable')";
  auto final_jobs = [&] {
    return Count(*database_url,
                 "SELECT count(*) FROM dialer_jobs WHERE status IN " + final_statuses);
  };
  // The middle: a third of the leads done, and the victim has calls in flight.
  const auto start = steady_clock::now();
  while (final_jobs() < total_leads / 3 && steady_clock::now() - start < 60s) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_GE(final_jobs(), total_leads / 3) << "the workers did not get going";
  ASSERT_EQ(kill(workers[1], SIGKILL), 0);
  const int64_t killed_at_micros = clock.Now().time_since_epoch().count();
  ASSERT_TRUE(WaitFor(workers[1], 10s));
  (*scratch)->Forget(workers[1]);

  // Until nothing is pending or processing: the victim's jobs come back when their leases expire.
  auto unsettled = [&] {
    return Count(*database_url,
                 "SELECT count(*) FROM dialer_jobs WHERE status IN ('pending','processing')");
  };
  while (unsettled() > 0 && steady_clock::now() - start < 110s) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(unsettled(), 0) << "jobs still pending or processing after 110 s";
  for (pid_t worker : {workers[0], workers[2]}) {
    ASSERT_EQ(kill(worker, SIGTERM), 0);
    std::optional<int> status = WaitFor(worker, 20s);
    ASSERT_TRUE(status) << "a worker did not stop on SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
    (*scratch)->Forget(worker);
  }

  // No job lost: one per lead, each final, or deferred and held by the queue.
  EXPECT_EQ(Count(*database_url, "SELECT count(*) FROM leads"), total_leads);
  EXPECT_EQ(Count(*database_url, "SELECT count(*) FROM dialer_jobs"), total_leads);
  EXPECT_EQ(Count(*database_url, "SELECT count(DISTINCT lead_id) FROM dialer_jobs"), total_leads);
  const int64_t deferred =
      Count(*database_url, "SELECT count(*) FROM dialer_jobs WHERE status = 'skipped'");
  EXPECT_EQ(final_jobs() + deferred, total_leads);
  Expected<QueueStats> queued = (*queue)->Stats();
  ASSERT_TRUE(queued) << queued.error().Describe();
  EXPECT_EQ(queued->scheduled_size, deferred) << "every deferred job is held by the queue";
  EXPECT_EQ(queued->processing_size, 0);
  EXPECT_EQ(queued->priority_queue_size, 0);
  EXPECT_TRUE(queued->tenant_queue_sizes.empty());
  EXPECT_GT(queued->total_recovered, 0) << "the killed worker's jobs came back through leases";

  // Calls cut by the kill: no end, started before it. Each such lead is the deferred one.
  const Rows cut =
      Query(*database_url, "SELECT lead_id, created_at FROM calls WHERE ended_at IS NULL");
  for (const auto& row : cut) {
    EXPECT_LT(std::stoll(row[1]), killed_at_micros) << "an unfinished call not cut by the kill";
  }
  EXPECT_EQ(static_cast<int64_t>(cut.size()), deferred);
  EXPECT_EQ(Count(*database_url,
                  "SELECT count(*) FROM dialer_jobs j WHERE j.status = 'skipped' AND "
                  "j.last_error = 'cooldown' AND EXISTS (SELECT 1 FROM calls c WHERE "
                  "c.job_id = j.id AND c.ended_at IS NULL)"),
            deferred)
      << "each deferred job is a lead whose call the kill cut, waiting out its cooldown";
  EXPECT_LE(deferred, 200) << "more calls cut than one worker can have in flight";

  // No lead in two calls at once.
  const Rows calls = Query(*database_url,
                           "SELECT lead_id, created_at, COALESCE(ended_at, -1) FROM calls "
                           "ORDER BY lead_id, created_at");
  int64_t overlaps = 0;
  for (size_t i = 1; i < calls.size(); ++i) {
    if (calls[i][0] != calls[i - 1][0]) continue;
    int64_t previous_end = std::stoll(calls[i - 1][2]);
    if (previous_end < 0) previous_end = killed_at_micros;  // cut by the kill
    if (std::stoll(calls[i][1]) < previous_end) {
      ++overlaps;
      ADD_FAILURE() << "lead " << calls[i][0] << ": a call at " << calls[i][1]
                    << " while the previous one lasted until " << previous_end;
    }
  }
  EXPECT_EQ(overlaps, 0);
  EXPECT_GE(static_cast<int64_t>(calls.size()), total_leads - deferred);

  // Campaign counters equal the rows of the calls table.
  for (const auto& [tenant, campaign] : campaigns) {
    Expected<CampaignStats> stats = service.Stats(tenant, campaign);
    ASSERT_TRUE(stats) << stats.error().Describe();
    const std::string where = " FROM calls WHERE campaign_id = '" + campaign.value + "'";
    // The counters count attempts that were completed: calls that ended. (A voicemail call
    // knows its outcome at the answer, before it ends; one cut by the kill has an outcome and
    // no end, and is not counted.)
    EXPECT_EQ(stats->campaign.calls_completed + stats->campaign.calls_failed,
              Count(*database_url, "SELECT count(*)" + where + " AND ended_at IS NOT NULL"));
    EXPECT_EQ(Count(*database_url, "SELECT count(*)" + where + " AND ended_at IS NOT NULL"),
              Count(*database_url, "SELECT count(*)" + where + " AND status = 'completed'"));
    EXPECT_EQ(stats->campaign.goals_achieved,
              Count(*database_url, "SELECT count(*)" + where + " AND outcome = 'goal_achieved'"));
    EXPECT_EQ(stats->tally.calls_total, Count(*database_url, "SELECT count(*)" + where));
    int64_t by_outcome = 0;
    for (const auto& [outcome, count] : stats->tally.calls_by_outcome) {
      by_outcome += count;
      EXPECT_EQ(count, Count(*database_url,
                             "SELECT count(*)" + where + " AND outcome = '" + outcome + "'"));
    }
    EXPECT_EQ(by_outcome,
              Count(*database_url, "SELECT count(*)" + where + " AND outcome IS NOT NULL"));
  }
  std::cout << "distributed: " << total_leads << " leads, " << calls.size() << " calls, "
            << cut.size() << " cut by the SIGKILL (their leads deferred by the cooldown), "
            << queued->total_recovered << " jobs recovered through leases, in "
            << duration_cast<milliseconds>(steady_clock::now() - start).count() << " ms\n";
}

}  // namespace
}  // namespace talky
