// `talky worker` as an operator runs it: a real process on a SQLite file, stopped with SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "app/open_store.h"
#include "harness/test_servers.h"
#include "run_cli.h"
#include "telephony/fake_vonage.h"

namespace talky {
namespace {

using namespace std::chrono;

TEST(WorkerCommand, PlacesCallsAndDrainsOnSigterm) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("worker");
  ASSERT_TRUE(dir);
  const std::string db = ((*dir)->path() / "talky.db").string();
  SystemClock clock;
  RandomIdGenerator ids(11);
  const TenantId tenant{"t1"};
  const CampaignId campaign{"c1"};
  std::vector<DialerJob> jobs;
  {
    Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kSqlite, db}, clock, ids);
    ASSERT_TRUE(store) << store.error().Describe();
    // Any day, any hour, in UTC; UK numbers carry no US legal floor, so the call may go out now.
    CallingRules rules;
    rules.timezone = "UTC";
    rules.time_window_start = minutes(0);
    rules.time_window_end = hours(23) + minutes(59);
    rules.allowed_days = {0, 1, 2, 3, 4, 5, 6};
    ASSERT_TRUE((*store)->CreateTenant(
        Tenant{.id = tenant, .name = "Acme", .api_key_hash = "h", .rules = rules}));
    ASSERT_TRUE((*store)->CreateCampaign(Campaign{.id = campaign,
                                                  .tenant_id = tenant,
                                                  .name = "C",
                                                  .system_prompt = "p",
                                                  .voice_id = "v",
                                                  .created_at = clock.Now()}));
    ASSERT_TRUE((*store)->ImportLeads(
        tenant, campaign,
        std::vector<Lead>{{.phone_number = "+442071838200"}, {.phone_number = "+442071838204"}}));
    Expected<std::vector<DialerJob>> created =
        (*store)->CreateCampaignJobs(tenant, campaign, clock.Now());
    ASSERT_TRUE(created);
    jobs = *created;
  }

  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    const std::string url = "sqlite:" + db;
    // Calls talk for a minute: still in flight when SIGTERM comes, so the drain hangs them up.
    execl(TALKY_BINARY, TALKY_BINARY, "worker", "--database-url", url.c_str(), "--ring-time-ms",
          "0", "--talk-time-ms", "60000", "--drain-timeout-ms", "200", nullptr);
    _exit(127);
  }
  close(out[1]);

  // Wait (bounded) until the worker has taken both jobs: placed their calls, or (in the window's
  // one-minute gap before midnight UTC) deferred them.
  Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kSqlite, db}, clock, ids);
  ASSERT_TRUE(store);
  const auto deadline = steady_clock::now() + 30s;
  auto settled = [&] {
    int placed_or_deferred = 0;
    for (const DialerJob& job : jobs) {
      const JobStatus status = (*store)->GetJob(tenant, job.job_id)->status;
      if (status != JobStatus::kPending) ++placed_or_deferred;
    }
    return placed_or_deferred == 2;
  };
  while (!settled() && steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(settled()) << "the worker took no job";

  ASSERT_EQ(kill(child, SIGTERM), 0);
  int status = 0;
  const auto stop_deadline = steady_clock::now() + 20s;
  pid_t waited = 0;
  while ((waited = waitpid(child, &status, WNOHANG)) == 0 && steady_clock::now() < stop_deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(waited, child) << "the worker did not stop within 20 s of SIGTERM";
  std::string output;
  char buffer[512];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) output.append(buffer, n);
  close(out[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  EXPECT_NE(output.find("SIGTERM: draining calls in flight"), std::string::npos) << output;
  for (const DialerJob& job : jobs) {
    EXPECT_NE((*store)->GetJob(tenant, job.job_id)->status, JobStatus::kProcessing)
        << "nothing is left half done";
  }
}

// The worker process places its call through the Vonage API (the fake, over real HTTP with the
// real JWT), and records the call with the job's lease token for the webhook side.
TEST(WorkerCommand, VonageWorkerPlacesCallsThroughTheApiAndHangsUpOnDrain) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("worker");
  ASSERT_TRUE(dir);
  const std::string db = ((*dir)->path() / "talky.db").string();
  const std::string key_file = ((*dir)->path() / "vonage.pem").string();
  const std::string application_id = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
  const testing::RsaKeyPair keys = testing::GenerateRsaKeyPair();
  std::ofstream(key_file) << keys.private_pem;
  SystemClock clock;
  RandomIdGenerator ids(12);
  testing::FakeVonage fake(application_id, keys.public_pem, clock);
  const TenantId tenant{"t1"};
  const CampaignId campaign{"c1"};
  JobId job;
  {
    Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kSqlite, db}, clock, ids);
    ASSERT_TRUE(store) << store.error().Describe();
    CallingRules rules;
    rules.timezone = "UTC";
    rules.time_window_start = minutes(0);
    rules.time_window_end = hours(23) + minutes(59);
    rules.allowed_days = {0, 1, 2, 3, 4, 5, 6};
    ASSERT_TRUE((*store)->CreateTenant(
        Tenant{.id = tenant, .name = "Acme", .api_key_hash = "h", .rules = rules}));
    ASSERT_TRUE((*store)->CreateCampaign(Campaign{.id = campaign,
                                                  .tenant_id = tenant,
                                                  .name = "C",
                                                  .system_prompt = "p",
                                                  .voice_id = "v",
                                                  .created_at = clock.Now()}));
    ASSERT_TRUE((*store)->ImportLeads(tenant, campaign,
                                      std::vector<Lead>{{.phone_number = "+442071838200"}}));
    Expected<std::vector<DialerJob>> created =
        (*store)->CreateCampaignJobs(tenant, campaign, clock.Now());
    ASSERT_TRUE(created && created->size() == 1u);
    job = created->front().job_id;
  }

  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const std::string base_url = fake.BaseUrl();
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    const std::string url = "sqlite:" + db;
    execl(TALKY_BINARY, TALKY_BINARY, "worker", "--database-url", url.c_str(), "--provider",
          "vonage", "--vonage-api-url", base_url.c_str(), "--vonage-application-id",
          application_id.c_str(), "--vonage-private-key", key_file.c_str(), "--vonage-event-url",
          "https://talky.example.com/webhooks/vonage/event", "--media-websocket-uri",
          "wss://talky.example.com/media", "--drain-timeout-ms", "100", nullptr);
    _exit(127);
  }
  close(out[1]);

  Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kSqlite, db}, clock, ids);
  ASSERT_TRUE(store);
  const auto deadline = steady_clock::now() + 30s;
  auto settled = [&] {
    const DialerJob stored = (*store)->GetJob(tenant, job).value();
    if (stored.status == JobStatus::kSkipped) return true;  // the window's minute before midnight
    return stored.call_id && (*store)->GetCall(tenant, *stored.call_id).has_value();
  };
  while (!settled() && steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  const bool placed = settled() && (*store)->GetJob(tenant, job)->status != JobStatus::kSkipped;

  ASSERT_EQ(kill(child, SIGTERM), 0);
  int status = 0;
  const auto stop_deadline = steady_clock::now() + 20s;
  pid_t waited = 0;
  while ((waited = waitpid(child, &status, WNOHANG)) == 0 && steady_clock::now() < stop_deadline) {
    std::this_thread::sleep_for(20ms);
  }
  std::string output;
  char buffer[512];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) output.append(buffer, n);
  close(out[0]);
  ASSERT_EQ(waited, child) << "the worker did not stop within 20 s of SIGTERM: " << output;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  if (!settled()) FAIL() << "the worker placed no call: " << output;
  if (!placed) GTEST_SKIP() << "deferred: started in the minute before midnight UTC";

  EXPECT_NE(output.find("with the vonage provider"), std::string::npos) << output;
  const DialerJob stored = (*store)->GetJob(tenant, job).value();
  const CallRecord call = (*store)->GetCall(tenant, *stored.call_id).value();
  const std::vector<testing::FakeVonageCall> calls = fake.calls();
  ASSERT_EQ(calls.size(), 1u) << nlohmann::json(fake.rejections()).dump();
  EXPECT_EQ(call.provider_call_id, calls[0].uuid);
  EXPECT_FALSE(call.lease_token.empty());
  EXPECT_EQ(calls[0].request["event_url"][0],
            "https://talky.example.com/webhooks/vonage/event?call_id=" + call.id.value);
  EXPECT_EQ(calls[0].request["to"][0]["number"], "442071838200");
  EXPECT_TRUE(calls[0].hung_up) << "the drain hangs up what is still in flight";
  EXPECT_TRUE(fake.rejections().empty()) << nlohmann::json(fake.rejections()).dump();
}

TEST(WorkerCommand, VonageWithoutItsOptionsIsAUsageErrorNamingEachOne) {
  CliResult result = RunTalky({"worker", "--provider", "vonage"});
  EXPECT_EQ(result.code, 2);
  for (const char* option :
       {"--vonage-application-id", "--vonage-private-key", "--vonage-event-url",
        "--media-websocket-uri or --vonage-answer-url"}) {
    EXPECT_NE(result.err.find(option), std::string::npos) << option << " in " << result.err;
  }
  EXPECT_EQ(result.err.find("--vonage-api-url"), std::string::npos) << "it has a default";
}

TEST(WorkerCommand, UnreadableVonagePrivateKeyIsAUsageError) {
  CliResult result =
      RunTalky({"worker", "--provider", "vonage", "--vonage-private-key", "/nonexistent/key.pem"});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("--vonage-private-key: cannot read '/nonexistent/key.pem'"),
            std::string::npos)
      << result.err;
}

TEST(WorkerCommand, UnknownProviderIsRefused) {
  EXPECT_EQ(RunTalky({"worker", "--provider", "twilio"}).code, 2);
}

}  // namespace
}  // namespace talky
