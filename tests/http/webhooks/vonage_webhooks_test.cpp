// The Vonage webhook routes as plain handlers (Router::Handle, no socket): what each request gets
// back and what reaches the sink. The whole path into the store and the queue is in
// tests/dialer/webhook_completion_conformance.h.
#include "http/webhooks/vonage_webhooks.h"

#include <gtest/gtest.h>

#include <mutex>

#include "telephony/fake_vonage.h"
#include "telephony/vonage/vonage_telephony.h"
#include "telephony/vonage/vonage_webhook.h"

namespace talky {
namespace {

using namespace std::chrono;
using nlohmann::json;

const Instant kNow = sys_days{2026y / 11 / 21} + 15h;
const std::string kSecret = "vonage-signature-secret";
const std::string kMediaUri = "wss://talky.example.com/media";

class RecordingSink final : public CallEventSink {
 public:
  void OnCallEvent(const CallEvent& event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
  }
  std::vector<CallEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<CallEvent> events_;
};

HttpRequest Request(std::string method, std::string target, std::string body = "",
                    std::string authorization = "") {
  HttpRequest request{.method = std::move(method),
                      .path = target.substr(0, target.find('?')),
                      .target = target,
                      .body = std::move(body)};
  if (size_t query = target.find('?'); query != std::string::npos) {
    const std::string pair = target.substr(query + 1);
    request.query[pair.substr(0, pair.find('='))] = pair.substr(pair.find('=') + 1);
  }
  if (!authorization.empty()) request.headers["authorization"] = std::move(authorization);
  return request;
}

json EventBody(const std::string& status, const std::string& detail = "") {
  json body = {{"uuid", "63f61863-4a51-4f6b-86e1-46edebcf9356"},
               {"conversation_uuid", "CON-f972836a-550f-45fa-956c-12a2ab5b7d22"},
               {"status", status},
               {"direction", "outbound"},
               {"from", "14155550199"},
               {"to", "14155550100"},
               {"timestamp", "2026-11-21T14:59:58.125Z"}};
  if (!detail.empty()) body["detail"] = detail;
  return body;
}

class VonageWebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    counters_ = AddVonageWebhookRoutes(
        router_, {.signature_secret = kSecret, .media_websocket_uri = kMediaUri}, sink_, clock_);
  }

  HttpResponse PostEvent(const std::string& body, const std::string& secret = kSecret,
                         const std::string& target = "/webhooks/vonage/event?call_id=call-1") {
    return router_.Handle(
        Request("POST", target, body, testing::FakeVonage::SignWebhook(body, secret, kNow)));
  }

  ManualClock clock_{kNow};
  RecordingSink sink_;
  Router router_;
  std::shared_ptr<const VonageWebhookCounters> counters_;
};

TEST_F(VonageWebhooksTest, SignedEventReachesTheSinkWithOurCallId) {
  HttpResponse response = PostEvent(EventBody("rejected", "invalid_number").dump());
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(sink_.events().size(), 1u);
  const CallEvent event = sink_.events()[0];
  EXPECT_EQ(event.call_id, CallId{"call-1"});
  EXPECT_EQ(event.provider_call_id, "63f61863-4a51-4f6b-86e1-46edebcf9356");
  EXPECT_EQ(event.status, CallStatus::kCompleted);
  EXPECT_EQ(event.outcome, CallOutcome::kInvalid);
  EXPECT_EQ(counters_->events.load(), 1);
}

TEST_F(VonageWebhooksTest, RequestsWithoutAValidSignatureGet401AndReachNothing) {
  const std::string body = EventBody("busy").dump();
  struct Case {
    const char* name;
    std::string authorization;
  };
  const std::vector<Case> cases{
      {"no header", ""},
      {"wrong secret", testing::FakeVonage::SignWebhook(body, "another-secret", kNow)},
      {"signed for another body",
       testing::FakeVonage::SignWebhook(EventBody("answered").dump(), kSecret, kNow)},
      {"not a JWT", "Bearer not.a.jwt"},
  };
  for (const Case& row : cases) {
    HttpResponse response = router_.Handle(
        Request("POST", "/webhooks/vonage/event?call_id=call-1", body, row.authorization));
    EXPECT_EQ(response.status, 401) << row.name;
    EXPECT_EQ(json::parse(response.body)["error"]["code"], "unauthenticated") << row.name;
  }
  EXPECT_TRUE(sink_.events().empty());
  EXPECT_EQ(counters_->unauthorized.load(), 4);
}

// A signed token counts for its iat window on the injected clock, either way.
TEST_F(VonageWebhooksTest, TokensIssuedOutsideTheWindowGet401) {
  const std::string body = EventBody("busy").dump();
  const std::string target = "/webhooks/vonage/event?call_id=call-1";
  const std::pair<const char*, Instant> kRefused[] = {
      {"issued 5 min 1 s ago", kNow - 301s},
      {"issued a day ago", kNow - 24h},
      {"issued 5 min 1 s ahead", kNow + 301s},
  };
  for (const auto& [name, iat] : kRefused) {
    HttpResponse response = router_.Handle(
        Request("POST", target, body, testing::FakeVonage::SignWebhook(body, kSecret, iat)));
    EXPECT_EQ(response.status, 401) << name;
  }
  EXPECT_TRUE(sink_.events().empty());
  const std::pair<const char*, Instant> kAccepted[] = {
      {"issued 5 min ago", kNow - 300s},
      {"issued 5 min ahead", kNow + 300s},
  };
  for (const auto& [name, iat] : kAccepted) {
    HttpResponse response = router_.Handle(
        Request("POST", target, body, testing::FakeVonage::SignWebhook(body, kSecret, iat)));
    EXPECT_EQ(response.status, 200) << name << ": " << response.body;
  }
  EXPECT_EQ(sink_.events().size(), 2u);
  EXPECT_EQ(counters_->unauthorized.load(), 3);
}

// The same signed request again (the same jti) is answered but applied once, and counted.
TEST_F(VonageWebhooksTest, AReplayedTokenChangesNothingAndIsCounted) {
  const std::string body = EventBody("busy").dump();
  const std::string authorization = testing::FakeVonage::SignWebhook(body, kSecret, kNow);
  for (int i = 0; i < 3; ++i) {
    HttpResponse response = router_.Handle(
        Request("POST", "/webhooks/vonage/event?call_id=call-1", body, authorization));
    EXPECT_EQ(response.status, 200) << i << ": " << response.body;
  }
  EXPECT_EQ(sink_.events().size(), 1u);
  EXPECT_EQ(counters_->events.load(), 1);
  EXPECT_EQ(counters_->replays.load(), 2);
  // Once the window has passed, the token is refused for its age.
  clock_.Advance(301s);
  EXPECT_EQ(
      router_.Handle(Request("POST", "/webhooks/vonage/event?call_id=call-1", body, authorization))
          .status,
      401);
  EXPECT_EQ(sink_.events().size(), 1u);
}

TEST(VonageReplayGuard, RemembersATokenForItsWindowAndStaysBounded) {
  VonageReplayGuard guard(3);
  EXPECT_TRUE(guard.FirstUse("a", kNow, kNow));
  EXPECT_FALSE(guard.FirstUse("a", kNow, kNow + 299s));
  // After iat + window the entry is gone (the iat check refuses such a token before this).
  EXPECT_TRUE(guard.FirstUse("b", kNow, kNow + 300s));
  EXPECT_EQ(guard.size(), 1u);
  for (const char* jti : {"c", "d", "e", "f"}) EXPECT_TRUE(guard.FirstUse(jti, kNow + 1s, kNow));
  EXPECT_EQ(guard.size(), 3u);
}

TEST_F(VonageWebhooksTest, BadBodyGets400NamingTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  const std::vector<Case> cases{
      {R"({"uuid": 7, "status": "busy"})", "uuid"},
      {R"({"status": "busy"})", "uuid"},
      {R"({"uuid": "63f61863", "status": 3})", "status"},
  };
  for (const Case& row : cases) {
    HttpResponse response = PostEvent(row.body);
    EXPECT_EQ(response.status, 400) << row.body;
    const json fields = json::parse(response.body)["error"]["fields"];
    ASSERT_FALSE(fields.empty()) << row.body;
    EXPECT_EQ(fields[0]["field"], row.field) << row.body;
  }
  EXPECT_EQ(PostEvent("{not json").status, 400);
  EXPECT_TRUE(sink_.events().empty());
  EXPECT_EQ(counters_->bad_requests.load(), 4);
}

TEST_F(VonageWebhooksTest, EventsThatMoveNoCallAreAcceptedAndDropped) {
  // A recording event: no status. Vonage gets 200 so it does not retry.
  EXPECT_EQ(PostEvent(R"({"recording_url": "https://api.nexmo.com/v1/files/x",
                          "conversation_uuid": "CON-1"})")
                .status,
            200);
  EXPECT_TRUE(sink_.events().empty());
  EXPECT_EQ(counters_->events_ignored.load(), 1);
}

// Machine detection's verdicts also go to the call's live pipeline (on_machine_detection), once:
// a replayed token reaches neither the sink nor the pipeline.
TEST_F(VonageWebhooksTest, MachineDetectionVerdictsReachTheLiveCall) {
  Router router;
  std::vector<std::pair<CallId, ProviderMachineDetection>> told;
  AddVonageWebhookRoutes(router,
                         {.signature_secret = kSecret,
                          .media_websocket_uri = kMediaUri,
                          .on_machine_detection =
                              [&told](const CallId& call, ProviderMachineDetection detection) {
                                told.emplace_back(call, detection);
                              }},
                         sink_, clock_);
  // As Vonage sends them: the call is `call_uuid`.
  auto detection_body = [](const std::string& status, const std::string& sub_state = "") {
    json body = EventBody(status);
    body.erase("uuid");
    body["call_uuid"] = "63f61863-4a51-4f6b-86e1-46edebcf9356";
    if (!sub_state.empty()) body["sub_state"] = sub_state;
    return body.dump();
  };
  auto post = [&](const std::string& body, const std::string& call_id,
                  const std::string& signature) {
    const std::string target = "/webhooks/vonage/event?call_id=" + call_id;
    EXPECT_EQ(router.Handle(Request("POST", target, body, signature)).status, 200);
  };
  auto sign = [](const std::string& body) {
    return testing::FakeVonage::SignWebhook(body, kSecret, kNow);
  };
  const std::string human = detection_body("human");
  post(human, "call-1", sign(human));
  const std::string beep = detection_body("machine", "beep_start");
  const std::string beep_signature = sign(beep);
  post(beep, "call-2", beep_signature);
  post(beep, "call-2", beep_signature);                       // the same delivery again: a replay
  const std::string answered = EventBody("answered").dump();  // not a verdict
  post(answered, "call-3", sign(answered));
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0].first, CallId{"call-1"});
  EXPECT_EQ(told[0].second.verdict, AnswerKind::kHuman);
  EXPECT_EQ(told[1].first, CallId{"call-2"});
  EXPECT_EQ(told[1].second.verdict, AnswerKind::kMachine);
  EXPECT_TRUE(told[1].second.beep);
  EXPECT_EQ(sink_.events().size(), 3u);
}

TEST_F(VonageWebhooksTest, WithoutASecretUnsignedEventsAreAccepted) {
  Router open_router;
  AddVonageWebhookRoutes(open_router, {.media_websocket_uri = kMediaUri}, sink_, clock_);
  HttpResponse response = open_router.Handle(
      Request("POST", "/webhooks/vonage/event?call_id=call-2", EventBody("busy").dump()));
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(sink_.events().size(), 1u);
  EXPECT_EQ(sink_.events()[0].call_id, CallId{"call-2"});
}

TEST_F(VonageWebhooksTest, AnswerReturnsTheSameNccoTheProviderSendsInline) {
  // What VonageTelephony puts in its create-call request for the same call.
  ManualClock clock(kNow);
  const testing::RsaKeyPair keys = testing::GenerateRsaKeyPair();
  testing::FakeVonage fake("aaaaaaaa-bbbb-cccc-dddd-0123456789ab", keys.public_pem, clock);
  HttpClient http({.connect_timeout = seconds(5), .request_timeout = seconds(5)});
  VonageTelephony vonage({.api_base_url = fake.BaseUrl(),
                          .application_id = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
                          .private_key_pem = keys.private_pem,
                          .event_url = "https://talky.example.com/webhooks/vonage/event",
                          .media_websocket_uri = kMediaUri},
                         http, clock, sink_, 5);
  ASSERT_TRUE(vonage.Originate(
      {.call_id = CallId{"call-9"}, .to = "+14155550100", .from = "+14155550199"}));
  ASSERT_EQ(fake.calls().size(), 1u);
  const json inline_ncco = fake.calls()[0].request["ncco"];

  for (const char* method : {"GET", "POST"}) {
    HttpResponse response = router_.Handle(
        Request(method, "/webhooks/vonage/answer?call_id=call-9",
                std::string(method) == "POST" ? R"({"uuid": "u", "to": "14155550100"})" : ""));
    EXPECT_EQ(response.status, 200) << method;
    EXPECT_EQ(response.content_type, "application/json") << method;
    EXPECT_EQ(json::parse(response.body), inline_ncco) << method;
  }
  EXPECT_EQ(counters_->answers.load(), 2);

  HttpResponse missing = router_.Handle(Request("GET", "/webhooks/vonage/answer"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json::parse(missing.body)["error"]["fields"][0]["field"], "call_id");
}

TEST_F(VonageWebhooksTest, AMediaUriThatIsNotAWebSocketUrlIsAStartUpMistake) {
  Router router;
  EXPECT_THROW(
      AddVonageWebhookRoutes(router, {.media_websocket_uri = "https://x/media"}, sink_, clock_),
      std::invalid_argument);
  EXPECT_TRUE(router.Routes().empty());
}

}  // namespace
}  // namespace talky
