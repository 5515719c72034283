// A Vonage call end to end through real processes: `talky worker --provider vonage` places it
// through the Vonage API (the fake, which cannot be reached otherwise) with the NCCO that sends its
// audio to `talky serve`'s /media; the test then does what Vonage does once the callee answers:
// posts the signed `answered` event to the event URL and opens the NCCO's WebSocket with its
// content type and headers. The callee (espeak-ng speech) hears the agent's greeting, answers,
// and hears the next line; the live session, read through serve's API, is the call record's.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "domain/clock.h"
#include "domain/scaled_clock.h"
#include "harness/scratch_store.h"
#include "http/api/api_auth.h"
#include "net/http_client.h"
#include "simulated_callee.h"
#include "speech_fixtures.h"
#include "talky_processes.h"
#include "telephony/fake_vonage.h"

namespace talky {
namespace {

using namespace std::chrono;

// A Monday, 15:00 UTC: the worker's clock starts here (--start-at), inside the tenant's window.
constexpr char kStartAt[] = "2026-11-23T15:00:00Z";
const Instant kStart = sys_days{2026y / 11 / 23} + 15h;
constexpr char kSignatureSecret[] = "vonage-signature-secret";
constexpr char kApplicationId[] = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";

template <typename Condition>
bool WaitUntil(Condition condition, milliseconds limit) {
  const auto deadline = steady_clock::now() + limit;
  while (!condition()) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return true;
}

// Posts a Vonage event for `call` to the event URL the worker gave Vonage, signed as Vonage signs.
int PostEvent(const testing::FakeVonage& vonage, const testing::FakeVonageCall& call,
              const std::string& status) {
  const Instant now = SystemClock().Now();
  const std::string body = vonage.EventBody(call, status, "", now).dump();
  HttpClient client;
  Expected<HttpClientResponse> response =
      client.Send({.method = "POST",
                   .url = call.request["event_url"][0].get<std::string>(),
                   .headers = {{"Content-Type", "application/json"},
                               {"Authorization",
                                testing::FakeVonage::SignWebhook(body, kSignatureSecret, now)}},
                   .body = body});
  return response ? response->status : 0;
}

// Vonage's first message on the media socket for the NCCO's websocket endpoint: its content type
// and, flattened, its headers.
std::string ConnectedMessageFor(const nlohmann::json& endpoint) {
  nlohmann::json message = {{"event", "websocket:connected"},
                            {"content-type", endpoint["content-type"]}};
  for (const auto& [name, value] : endpoint["headers"].items()) message[name] = value;
  return message.dump();
}

TEST(VonageMedia, AWorkersCallTalksThroughServesMediaSocketAndItsSessionIsTheCallsRecord) {
  ManualClock clock(kStart);
  RandomIdGenerator ids(21);
  auto db = testing::ScratchStore::Create("vonage-media", clock, ids);
  ASSERT_TRUE(db) << db.error().Describe();
  Store& store = (*db)->store();
  CallingRules rules;
  rules.timezone = "UTC";
  rules.time_window_start = hours(15);
  rules.time_window_end = hours(16);
  rules.allowed_days = {0};  // Monday
  const TenantId tenant{"t1"};
  const CampaignId campaign{"c1"};
  ASSERT_TRUE(store.CreateTenant(
      {.id = tenant, .name = "Acme Dental", .api_key_hash = HashApiKey("key-t1"), .rules = rules}));
  ASSERT_TRUE(store.CreateCampaign({.id = campaign,
                                    .tenant_id = tenant,
                                    .name = "Reminders",
                                    .system_prompt = "Remind the patient.",
                                    .voice_id = "en-us",
                                    .created_at = kStart}));
  ASSERT_TRUE(store.ImportLeads(
      tenant, campaign, std::vector<Lead>{{.phone_number = "+442071838200", .first_name = "Ada"}}));
  ASSERT_TRUE(store.CreateCampaignJobs(tenant, campaign, kStart));

  auto serve =
      testing::StartTalky({"serve", "--listen", "127.0.0.1:0", "--database-url", (*db)->url(),
                           "--admin-key", "admin", "--vonage-signature-secret", kSignatureSecret},
                          (*db)->dir());
  const std::optional<int> port = testing::WaitForListeningPort(*serve, seconds(60));
  ASSERT_TRUE(port) << serve->output();
  const std::string base = "127.0.0.1:" + std::to_string(*port);

  const std::string key_file = ((*db)->folder() / "vonage.pem").string();
  const testing::RsaKeyPair keys = testing::GenerateRsaKeyPair();
  std::ofstream(key_file) << keys.private_pem;
  ScaledClock worker_clock(kStart, 1.0);  // the fake judges the JWT on the worker's clock
  testing::FakeVonage vonage(kApplicationId, keys.public_pem, worker_clock);
  auto worker = testing::StartTalky(
      {"worker", "--database-url", (*db)->url(), "--start-at", kStartAt, "--provider", "vonage",
       "--vonage-api-url", vonage.BaseUrl(), "--vonage-application-id", kApplicationId,
       "--vonage-private-key", key_file, "--vonage-event-url",
       "http://" + base + "/webhooks/vonage/event", "--media-websocket-uri",
       "ws://" + base + "/media", "--drain-timeout-ms", "100"},
      (*db)->dir());
  ASSERT_TRUE(WaitUntil([&] { return !vonage.calls().empty(); }, seconds(30))) << worker->output();
  const testing::FakeVonageCall call = vonage.calls().front();

  // The callee answers: Vonage reports it, then connects the NCCO's WebSocket.
  EXPECT_EQ(PostEvent(vonage, call, "answered"), 200);
  const nlohmann::json endpoint = call.request["ncco"][0]["endpoint"][0];
  ASSERT_EQ(endpoint["type"], "websocket") << call.request.dump();
  ASSERT_EQ(endpoint["uri"], "ws://" + base + "/media");
  auto callee = testing::SimulatedCallee::Connect({.port = *port,
                                                   .call_id = endpoint["headers"]["call_id"],
                                                   .sample_rate = kWidebandRate,
                                                   .first_message = ConnectedMessageFor(endpoint)});
  ASSERT_TRUE(callee) << callee.error().Describe();

  // The greeting plays; the callee says yes; the agent goes on.
  auto agent_frames = [&] { return (*callee)->Snapshot().arrivals.size(); };
  ASSERT_TRUE(WaitUntil([&] { return agent_frames() > 100; }, seconds(30))) << serve->output();
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto heard = (*callee)->Snapshot();
        return steady_clock::now() - heard.arrivals.back() > milliseconds(800);
      },
      seconds(30)));
  const std::size_t greeting_frames = agent_frames();
  (*callee)->Say(testing::SpeakWithCommandLine("yes", "en-gb", 140, kWidebandRate));
  ASSERT_TRUE(WaitUntil([&] { return agent_frames() > greeting_frames + 100; }, seconds(30)))
      << serve->output();

  // The session, through serve's API, is this call's: the call record's id and Vonage's uuid.
  Expected<Page<DialerJob>> jobs = store.ListJobs(tenant, campaign, PageRequest{});
  ASSERT_TRUE(jobs && jobs->items.size() == 1);
  const std::optional<DialerJob> job = jobs->items.front();
  ASSERT_TRUE(job->call_id) << "the job names no call";
  testing::Api api(*port);
  auto [status, session] =
      api.Send("GET", "/v1/calls/" + job->call_id->value + "/session", "key-t1");
  ASSERT_EQ(status, 200) << session.dump();
  EXPECT_EQ(session["call_id"], job->call_id->value);
  EXPECT_EQ(session["vonage_call_uuid"], call.uuid);
  bool heard_yes = false;
  for (const auto& message : session["conversation_history"]) {
    heard_yes |= message["role"] == "user" && message["content"] == "yes";
  }
  EXPECT_TRUE(heard_yes) << session.dump();

  // The call ends as Vonage reports it; the record is complete.
  EXPECT_EQ(PostEvent(vonage, call, "completed"), 200);
  EXPECT_TRUE(WaitUntil(
      [&] {
        Expected<CallRecord> record = store.GetCall(tenant, *job->call_id);
        return record && record->status == CallStatus::kCompleted;
      },
      seconds(10)));

  ASSERT_TRUE(worker->Signal(SIGTERM));
  ASSERT_TRUE(serve->Signal(SIGTERM));
  EXPECT_TRUE(worker->WaitForExit(seconds(20))) << worker->output();
  EXPECT_TRUE(serve->WaitForExit(seconds(20))) << serve->output();
}

}  // namespace
}  // namespace talky
