// `talky worker` as an operator runs it: a real process on a SQLite file, stopped with SIGTERM.
// The worker's clock starts at a fixed instant (--start-at), so the calling window is the same on
// every run, whatever the hour.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <thread>

#include "domain/scaled_clock.h"
#include "harness/child_process.h"
#include "harness/scratch_store.h"
#include "run_cli.h"
#include "telephony/fake_vonage.h"

namespace talky {
namespace {

using namespace std::chrono;

// A Monday, 15:00 UTC (and London). The tenant allows Mondays 15:00-16:00 UTC only, so a worker
// that read the system clock instead would (nearly always) defer the calls.
constexpr char kStartAt[] = "2026-11-23T15:00:00Z";
const Instant kStart = sys_days{2026y / 11 / 23} + 15h;

CallingRules MondayAtThreeUtc() {
  CallingRules rules;
  rules.timezone = "UTC";
  rules.time_window_start = hours(15);
  rules.time_window_end = hours(16);
  rules.allowed_days = {0};  // Monday
  return rules;
}

// A tenant, a campaign of `phones` (UK numbers: no US legal floor) and its started jobs.
std::vector<DialerJob> CreateCampaign(Store& store, const std::vector<std::string>& phones) {
  const TenantId tenant{"t1"};
  const CampaignId campaign{"c1"};
  EXPECT_TRUE(store.CreateTenant(
      Tenant{.id = tenant, .name = "Acme", .api_key_hash = "h", .rules = MondayAtThreeUtc()}));
  EXPECT_TRUE(store.CreateCampaign(Campaign{.id = campaign,
                                            .tenant_id = tenant,
                                            .name = "C",
                                            .system_prompt = "p",
                                            .voice_id = "v",
                                            .created_at = kStart}));
  std::vector<Lead> leads;
  for (const std::string& phone : phones) leads.push_back({.phone_number = phone});
  EXPECT_TRUE(store.ImportLeads(tenant, campaign, leads));
  Expected<std::vector<DialerJob>> jobs = store.CreateCampaignJobs(tenant, campaign, kStart);
  EXPECT_TRUE(jobs) << jobs.error().Describe();
  return jobs.value_or(std::vector<DialerJob>{});
}

// Waits (bounded, polling the store) until `placed` holds; the job's calls are made by another
// process, so there is nothing to wait on but the file.
template <typename Placed>
bool WaitUntil(Placed placed, milliseconds limit) {
  const auto deadline = steady_clock::now() + limit;
  while (!placed()) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

bool ExitedCleanly(std::optional<int> status) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

TEST(WorkerCommand, PlacesCallsAtItsClocksInstantAndDrainsOnSigterm) {
  ManualClock clock(kStart);
  RandomIdGenerator ids(11);
  Expected<std::unique_ptr<testing::ScratchStore>> db =
      testing::ScratchStore::Create("worker", clock, ids);
  ASSERT_TRUE(db) << db.error().Describe();
  const std::vector<DialerJob> jobs =
      CreateCampaign((*db)->store(), {"+442071838200", "+442071838204"});
  ASSERT_EQ(jobs.size(), 2u);

  // Calls talk for a minute: still in flight when SIGTERM comes, so the drain hangs them up.
  Expected<std::unique_ptr<testing::ChildProcess>> worker = testing::ChildProcess::Start(
      TALKY_BINARY,
      {"worker", "--database-url", (*db)->url(), "--start-at", kStartAt, "--ring-time-ms", "0",
       "--talk-time-ms", "60000", "--drain-timeout-ms", "200"},
      &(*db)->dir());
  ASSERT_TRUE(worker) << worker.error().Describe();
  Store& store = (*db)->store();
  auto placed = [&] {
    for (const DialerJob& job : jobs) {
      Expected<DialerJob> stored = store.GetJob(job.tenant_id, job.job_id);
      if (!stored || !stored->call_id || !store.GetCall(job.tenant_id, *stored->call_id)) {
        return false;
      }
    }
    return true;
  };
  const bool both_placed = WaitUntil(placed, 30s);
  ASSERT_TRUE(both_placed) << "the worker placed no call: " << (*worker)->output();
  for (const DialerJob& job : jobs) {
    const CallRecord call =
        store.GetCall(job.tenant_id, *store.GetJob(job.tenant_id, job.job_id)->call_id).value();
    EXPECT_GE(call.created_at, kStart) << "the call is placed on the worker's clock";
    EXPECT_LT(call.created_at, kStart + 10min) << "the call is placed on the worker's clock";
  }

  ASSERT_TRUE((*worker)->Signal(SIGTERM));
  const std::optional<int> status = (*worker)->WaitForExit(20s);
  ASSERT_TRUE(status) << "the worker did not stop within 20 s of SIGTERM";
  const std::string output = (*worker)->output();
  EXPECT_TRUE(ExitedCleanly(status)) << output;
  EXPECT_NE(output.find("clock started at 2026-11-23T15:00:00Z"), std::string::npos) << output;
  EXPECT_NE(output.find("SIGTERM: draining calls in flight"), std::string::npos) << output;
  for (const DialerJob& job : jobs) {
    EXPECT_NE(store.GetJob(job.tenant_id, job.job_id)->status, JobStatus::kProcessing)
        << "nothing is left half done";
  }
}

// Idle, a worker waits for work up to DialerWorkerOptions::idle_wait (5 s) at a time; SIGTERM must
// end that wait, not be noticed at its end. The worker below has just begun such a wait when the
// signal comes, so a worker that slept it out would take about 5 s.
TEST(WorkerCommand, AnIdleWorkerStopsAtOnceOnSigterm) {
  ManualClock clock(kStart);
  RandomIdGenerator ids(13);
  Expected<std::unique_ptr<testing::ScratchStore>> db =
      testing::ScratchStore::Create("worker-idle", clock, ids);
  ASSERT_TRUE(db) << db.error().Describe();
  Expected<std::unique_ptr<testing::ChildProcess>> worker = testing::ChildProcess::Start(
      TALKY_BINARY, {"worker", "--database-url", (*db)->url(), "--workers", "2"}, &(*db)->dir());
  ASSERT_TRUE(worker) << worker.error().Describe();
  ASSERT_TRUE((*worker)->WaitForLine("worker(s) running", 30s)) << (*worker)->output();

  const auto signalled = steady_clock::now();
  ASSERT_TRUE((*worker)->Signal(SIGTERM));
  const std::optional<int> status = (*worker)->WaitForExit(20s);
  const auto took = duration_cast<milliseconds>(steady_clock::now() - signalled);
  ASSERT_TRUE(status) << "the worker did not stop within 20 s of SIGTERM";
  EXPECT_TRUE(ExitedCleanly(status)) << (*worker)->output();
  EXPECT_LT(took, 3s) << "took " << took.count() << " ms: it slept out its idle wait";
  EXPECT_NE((*worker)->output().find("stopped; 0 calls started"), std::string::npos)
      << (*worker)->output();
}

// The worker process places its call through the Vonage API (the fake, over real HTTP with the
// real JWT), and records the call with the job's lease token for the webhook side.
TEST(WorkerCommand, VonageWorkerPlacesCallsThroughTheApiAndHangsUpOnDrain) {
  ManualClock clock(kStart);
  RandomIdGenerator ids(12);
  Expected<std::unique_ptr<testing::ScratchStore>> db =
      testing::ScratchStore::Create("worker", clock, ids);
  ASSERT_TRUE(db) << db.error().Describe();
  const std::string key_file = ((*db)->folder() / "vonage.pem").string();
  const std::string application_id = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
  const testing::RsaKeyPair keys = testing::GenerateRsaKeyPair();
  std::ofstream(key_file) << keys.private_pem;
  // The fake judges the JWT's times on the worker's clock.
  ScaledClock worker_clock(kStart, 1.0);
  testing::FakeVonage fake(application_id, keys.public_pem, worker_clock);
  const std::vector<DialerJob> jobs = CreateCampaign((*db)->store(), {"+442071838200"});
  ASSERT_EQ(jobs.size(), 1u);
  const DialerJob& job = jobs.front();

  Expected<std::unique_ptr<testing::ChildProcess>> worker = testing::ChildProcess::Start(
      TALKY_BINARY,
      {"worker", "--database-url", (*db)->url(), "--start-at", kStartAt, "--provider", "vonage",
       "--vonage-api-url", fake.BaseUrl(), "--vonage-application-id", application_id,
       "--vonage-private-key", key_file, "--vonage-event-url",
       "https://talky.example.com/webhooks/vonage/event", "--media-websocket-uri",
       "wss://talky.example.com/media", "--drain-timeout-ms", "100"},
      &(*db)->dir());
  ASSERT_TRUE(worker) << worker.error().Describe();
  Store& store = (*db)->store();
  auto placed = [&] {
    Expected<DialerJob> stored = store.GetJob(job.tenant_id, job.job_id);
    return stored && stored->call_id && store.GetCall(job.tenant_id, *stored->call_id);
  };
  const bool was_placed = WaitUntil(placed, 30s);

  ASSERT_TRUE((*worker)->Signal(SIGTERM));
  const std::optional<int> status = (*worker)->WaitForExit(20s);
  const std::string output = (*worker)->output();
  ASSERT_TRUE(status) << "the worker did not stop within 20 s of SIGTERM: " << output;
  EXPECT_TRUE(ExitedCleanly(status)) << output;
  ASSERT_TRUE(was_placed) << "the worker placed no call: " << output;

  EXPECT_NE(output.find("with the vonage provider"), std::string::npos) << output;
  const DialerJob stored = store.GetJob(job.tenant_id, job.job_id).value();
  const CallRecord call = store.GetCall(job.tenant_id, *stored.call_id).value();
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

TEST(WorkerCommand, StartAtIsAnInstantAndNeedsTheEmbeddedQueue) {
  CliResult bad = RunTalky({"worker", "--start-at", "monday"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--start-at needs an ISO-8601 instant"), std::string::npos) << bad.err;
  CliResult redis =
      RunTalky({"worker", "--start-at", kStartAt, "--redis-url", "redis://127.0.0.1:1"});
  EXPECT_EQ(redis.code, 2);
  EXPECT_NE(redis.err.find("--start-at needs the embedded queue"), std::string::npos) << redis.err;
}

TEST(WorkerCommand, HelpShowsTheDefaults) {
  CliResult help = RunTalky({"worker", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* shown : {"=30000", "=simulated", "=https://api.nexmo.com"}) {
    EXPECT_NE(help.out.find(shown), std::string::npos) << shown << " in\n" << help.out;
  }
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

TEST(WorkerCommand, SimulatedCallsSpeakOnlyToAPlainMediaSocketAtAnAddress) {
  for (const char* uri : {"wss://127.0.0.1:8080/media", "ws://localhost:8080/media",
                          "ws://127.0.0.1:8080/other", "http://127.0.0.1:8080/media"}) {
    CliResult result = RunTalky({"worker", "--media-websocket-uri", uri});
    EXPECT_EQ(result.code, 2) << uri;
    EXPECT_NE(result.err.find("--media-websocket-uri: the simulated provider needs "
                              "ws://ADDRESS:PORT/media"),
              std::string::npos)
        << result.err;
  }
}

TEST(WorkerCommand, SipWithoutItsOptionsIsAUsageErrorNamingEachOne) {
  CliResult result = RunTalky({"worker", "--provider", "sip", "--sip-transport", "sctp",
                               "--sip-username", "talky", "--sip-codecs", "G729"});
  EXPECT_EQ(result.code, 2);
  for (const char* named :
       {"--sip-trunk (or TALKY_SIP_TRUNK): is required", "--media-websocket-uri: is required",
        "--sip-transport (or TALKY_SIP_TRANSPORT): must be udp, tcp or tls",
        "--sip-password (or TALKY_SIP_PASSWORD): username and password go together",
        "--sip-codecs: offers PCMU and PCMA only, not G729"}) {
    EXPECT_NE(result.err.find(named), std::string::npos) << named << " in " << result.err;
  }
}

TEST(WorkerCommand, SipOptionsComeFromTheEnvironmentToo) {
  setenv("TALKY_SIP_TRUNK", "sip:trunk.example.com:5060;transport=tls", 1);
  CliResult result = RunTalky({"worker", "--provider", "sip", "--media-websocket-uri",
                               "ws://127.0.0.1:8080/media", "--sip-rtp-ports", "20000"});
  unsetenv("TALKY_SIP_TRUNK");
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("--sip-trunk (or TALKY_SIP_TRUNK): must look like sip:HOST:PORT"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("--sip-rtp-ports: must be MIN-MAX"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("--media-websocket-uri"), std::string::npos) << result.err;
}

TEST(WorkerCommand, UnknownProviderIsRefused) {
  EXPECT_EQ(RunTalky({"worker", "--provider", "twilio"}).code, 2);
}

}  // namespace
}  // namespace talky
