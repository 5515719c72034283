// A Vonage call end to end through real processes: `talky worker --provider vonage` places it
// through the Vonage API (the fake, which cannot be reached otherwise) with the NCCO that sends its
// audio to `talky serve`'s /media; the test then does what Vonage does once the callee answers:
// posts the signed `answered` event to the event URL and opens the NCCO's WebSocket with its
// content type and headers. The callee (espeak-ng speech) hears the agent's greeting, answers,
// and hears the next line; the live session, read through serve's API, is the call record's. And
// an opt-out by voice, end to end: the number is never dialed again by the tenant.
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

// A tenant whose window is open at kStart, with campaigns `c1` and `c2` each holding the lead Ada
// at one number; `c1` started. Then `talky serve` and `talky worker --provider vonage` on one
// SQLite file, the worker placing calls through the fake Vonage.
class VonageMediaTest : public ::testing::Test {
 protected:
  static constexpr char kNumber[] = "+442071838200";

  void SetUp() override {
    auto db = testing::ScratchStore::Create("vonage-media", clock_, ids_);
    ASSERT_TRUE(db) << db.error().Describe();
    db_ = std::move(*db);
    CallingRules rules;
    rules.timezone = "UTC";
    rules.time_window_start = hours(15);
    rules.time_window_end = hours(16);
    rules.allowed_days = {0};  // Monday
    ASSERT_TRUE(store().CreateTenant({.id = tenant_,
                                      .name = "Acme Dental",
                                      .api_key_hash = HashApiKey("key-t1"),
                                      .rules = rules}));
    for (const char* id : {"c1", "c2"}) {
      ASSERT_TRUE(store().CreateCampaign({.id = CampaignId{id},
                                          .tenant_id = tenant_,
                                          .name = "Reminders",
                                          .system_prompt = "Remind the patient.",
                                          .voice_id = "en-us",
                                          .created_at = kStart}));
      ASSERT_TRUE(
          store().ImportLeads(tenant_, CampaignId{id},
                              std::vector<Lead>{{.phone_number = kNumber, .first_name = "Ada"}}));
    }
    ASSERT_TRUE(store().CreateCampaignJobs(tenant_, CampaignId{"c1"}, kStart));

    serve_ =
        testing::StartTalky({"serve", "--listen", "127.0.0.1:0", "--database-url", db_->url(),
                             "--admin-key", "admin", "--vonage-signature-secret", kSignatureSecret},
                            db_->dir());
    const std::optional<int> port = testing::WaitForListeningPort(*serve_, seconds(60));
    ASSERT_TRUE(port) << serve_->output();
    port_ = *port;
    base_ = "127.0.0.1:" + std::to_string(port_);

    const std::string key_file = (db_->folder() / "vonage.pem").string();
    const testing::RsaKeyPair keys = testing::GenerateRsaKeyPair();
    std::ofstream(key_file) << keys.private_pem;
    vonage_ = std::make_unique<testing::FakeVonage>(kApplicationId, keys.public_pem, worker_clock_);
    worker_ = testing::StartTalky(
        {"worker", "--database-url", db_->url(), "--start-at", kStartAt, "--provider", "vonage",
         "--vonage-api-url", vonage_->BaseUrl(), "--vonage-application-id", kApplicationId,
         "--vonage-private-key", key_file, "--vonage-event-url",
         "http://" + base_ + "/webhooks/vonage/event", "--media-websocket-uri",
         "ws://" + base_ + "/media", "--drain-timeout-ms", "100"},
        db_->dir());
  }

  void TearDown() override {
    if (worker_) {
      EXPECT_TRUE(worker_->Signal(SIGTERM));
      EXPECT_TRUE(worker_->WaitForExit(seconds(20))) << worker_->output();
    }
    if (serve_) {
      EXPECT_TRUE(serve_->Signal(SIGTERM));
      EXPECT_TRUE(serve_->WaitForExit(seconds(20))) << serve_->output();
    }
  }

  Store& store() { return db_->store(); }

  // What Vonage does when the callee answers the placed call: it reports the answer, then
  // connects the NCCO's WebSocket. The callee on it, once the agent's greeting has played.
  std::unique_ptr<testing::SimulatedCallee> Answer(const testing::FakeVonageCall& call) {
    EXPECT_EQ(PostEvent(*vonage_, call, "answered"), 200);
    const nlohmann::json endpoint = call.request["ncco"][0]["endpoint"][0];
    EXPECT_EQ(endpoint["type"], "websocket") << call.request.dump();
    EXPECT_EQ(endpoint["uri"], "ws://" + base_ + "/media");
    auto callee =
        testing::SimulatedCallee::Connect({.port = port_,
                                           .call_id = endpoint["headers"]["call_id"],
                                           .sample_rate = kWidebandRate,
                                           .first_message = ConnectedMessageFor(endpoint)});
    EXPECT_TRUE(callee) << callee.error().Describe();
    if (!callee) return nullptr;
    const bool greeted =
        WaitUntil([&] { return (*callee)->Snapshot().arrivals.size() > 100; }, seconds(30)) &&
        WaitUntil(
            [&] {
              return steady_clock::now() - (*callee)->Snapshot().arrivals.back() >
                     milliseconds(800);
            },
            seconds(30));
    EXPECT_TRUE(greeted) << serve_->output();
    return std::move(*callee);
  }

  DialerJob OnlyJobOf(const char* campaign) {
    Expected<Page<DialerJob>> jobs = store().ListJobs(tenant_, CampaignId{campaign}, PageRequest{});
    EXPECT_TRUE(jobs && jobs->items.size() == 1);
    return jobs && !jobs->items.empty() ? jobs->items.front() : DialerJob{};
  }

  ManualClock clock_{kStart};
  RandomIdGenerator ids_{21};
  std::unique_ptr<testing::ScratchStore> db_;
  const TenantId tenant_{"t1"};
  ScaledClock worker_clock_{kStart, 1.0};  // the fake judges the JWT on the worker's clock
  std::unique_ptr<testing::FakeVonage> vonage_;
  std::unique_ptr<testing::ChildProcess> serve_;
  std::unique_ptr<testing::ChildProcess> worker_;
  int port_ = 0;
  std::string base_;
};

TEST_F(VonageMediaTest, AWorkersCallTalksThroughServesMediaSocketAndItsSessionIsTheCallsRecord) {
  ASSERT_TRUE(WaitUntil([&] { return !vonage_->calls().empty(); }, seconds(30)))
      << worker_->output();
  const testing::FakeVonageCall call = vonage_->calls().front();
  auto callee = Answer(call);
  ASSERT_TRUE(callee);

  // The callee says yes; the agent goes on.
  const std::size_t greeting_frames = callee->Snapshot().arrivals.size();
  callee->Say(testing::SpeakWithCommandLine("yes", "en-gb", 140, kWidebandRate));
  ASSERT_TRUE(WaitUntil([&] { return callee->Snapshot().arrivals.size() > greeting_frames + 100; },
                        seconds(30)))
      << serve_->output();

  // The session, through serve's API, is this call's: the call record's id and Vonage's uuid.
  const DialerJob job = OnlyJobOf("c1");
  ASSERT_TRUE(job.call_id) << "the job names no call";
  testing::Api api(port_);
  auto [status, session] =
      api.Send("GET", "/v1/calls/" + job.call_id->value + "/session", "key-t1");
  ASSERT_EQ(status, 200) << session.dump();
  EXPECT_EQ(session["call_id"], job.call_id->value);
  EXPECT_EQ(session["vonage_call_uuid"], call.uuid);
  bool heard_yes = false;
  for (const auto& message : session["conversation_history"]) {
    heard_yes |= message["role"] == "user" && message["content"] == "yes";
  }
  EXPECT_TRUE(heard_yes) << session.dump();

  // The call ends as Vonage reports it; the record is complete.
  EXPECT_EQ(PostEvent(*vonage_, call, "completed"), 200);
  EXPECT_TRUE(WaitUntil(
      [&] {
        Expected<CallRecord> record = store().GetCall(tenant_, *job.call_id);
        return record && record->status == CallStatus::kCompleted;
      },
      seconds(10)));
}

// "Stop calling me" on the call: the agent confirms and hangs up; Vonage's plain `completed` then
// closes the job as non_retryable (do_not_call), and the tenant's other campaign with the same
// number, started afterwards through the API, never dials it.
TEST_F(VonageMediaTest, AskingNotToBeCalledEndsTheCallAndTheNumberIsNeverDialedAgain) {
  ASSERT_TRUE(WaitUntil([&] { return !vonage_->calls().empty(); }, seconds(30)))
      << worker_->output();
  const testing::FakeVonageCall call = vonage_->calls().front();
  auto callee = Answer(call);
  ASSERT_TRUE(callee);
  callee->Say(testing::SpeakWithCommandLine("stop calling me", "en-us", 150, kWidebandRate));
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(20)))
      << "the agent did not hang up\n"
      << serve_->output();
  EXPECT_TRUE(*store().IsDoNotCall(tenant_, kNumber));
  EXPECT_EQ(PostEvent(*vonage_, call, "completed"), 200);
  ASSERT_TRUE(WaitUntil([&] { return IsFinal(OnlyJobOf("c1").status); }, seconds(10)));
  const DialerJob first = OnlyJobOf("c1");
  EXPECT_EQ(first.status, JobStatus::kNonRetryable);
  EXPECT_EQ(first.last_outcome, CallOutcome::kDoNotCall);

  testing::Api api(port_);
  auto [status, started] = api.Send("POST", "/v1/campaigns/c2/start", "key-t1");
  ASSERT_EQ(status, 200) << started.dump();
  ASSERT_TRUE(WaitUntil([&] { return IsFinal(OnlyJobOf("c2").status); }, seconds(20)))
      << worker_->output();
  const DialerJob second = OnlyJobOf("c2");
  EXPECT_EQ(second.status, JobStatus::kNonRetryable);
  EXPECT_EQ(second.last_error, "do_not_call");
  EXPECT_EQ(vonage_->calls().size(), 1u);  // dialed once, in the first campaign only
}

}  // namespace
}  // namespace talky
