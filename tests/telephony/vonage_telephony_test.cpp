#include "telephony/vonage/vonage_telephony.h"

#include <gtest/gtest.h>

#include <mutex>

#include "fake_vonage.h"
#include "telephony/vonage/vonage_event.h"
#include "telephony/vonage/vonage_jwt.h"

namespace talky {
namespace {

using namespace std::chrono;
using nlohmann::json;
using testing::FakeVonage;
using testing::FakeVonageCall;
using testing::RsaKeyPair;

const Instant kNow = sys_days{2026y / 11 / 21} + 15h;
const std::string kApplicationId = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
const std::string kSignatureSecret = "vonage-signature-secret";

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

class VonageTelephonyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    keys_ = new RsaKeyPair(testing::GenerateRsaKeyPair());
    other_keys_ = new RsaKeyPair(testing::GenerateRsaKeyPair());
  }
  static void TearDownTestSuite() {
    delete keys_;
    delete other_keys_;
  }

  VonageOptions Options() const {
    return {.api_base_url = fake_.BaseUrl(),
            .application_id = kApplicationId,
            .private_key_pem = keys_->private_pem,
            .event_url = "https://talky.example.com/webhooks/vonage/event",
            .media_websocket_uri = "wss://talky.example.com/media",
            .answer_url = "",
            .machine_detection = "continue",
            .ringing_timer_seconds = std::nullopt,
            .jwt_lifetime = seconds(900),
            .signature_secret = kSignatureSecret};
  }

  static OriginateRequest Request(std::string call_id = "call-1") {
    return {.call_id = CallId{std::move(call_id)},
            .to = "+14155550100",
            .from = "+14155550199",
            .attempt_number = 1,
            .machine_detection = false};
  }

  static inline RsaKeyPair* keys_ = nullptr;
  static inline RsaKeyPair* other_keys_ = nullptr;
  ManualClock clock_{kNow};
  FakeVonage fake_{kApplicationId, keys_->public_pem, clock_};
  HttpClient http_{{.connect_timeout = seconds(5), .request_timeout = seconds(5)}};
  RecordingSink sink_;
};

TEST_F(VonageTelephonyTest, OriginatePostsVonagesCreateCallBodyAndReturnsTheUuid) {
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  Expected<std::string> uuid = vonage.Originate(Request("call-1"));
  ASSERT_TRUE(uuid) << uuid.error().Describe() << " " << json(fake_.rejections()).dump();

  const std::vector<FakeVonageCall> calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(*uuid, calls[0].uuid);
  EXPECT_EQ(calls[0].request, json::parse(R"({
    "to": [{"type": "phone", "number": "14155550100"}],
    "from": {"type": "phone", "number": "14155550199"},
    "event_url": ["https://talky.example.com/webhooks/vonage/event?call_id=call-1"],
    "event_method": "POST",
    "ncco": [{"action": "connect", "endpoint": [{"type": "websocket",
              "uri": "wss://talky.example.com/media", "content-type": "audio/l16;rate=16000",
              "headers": {"call_id": "call-1"}}]}]
  })"));
  EXPECT_TRUE(fake_.rejections().empty());
}

TEST_F(VonageTelephonyTest, EachRequestCarriesAFreshRs256JwtForTheApplication) {
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  ASSERT_TRUE(vonage.Originate(Request("call-1")));
  clock_.Advance(seconds(30));
  Expected<std::string> second = vonage.Originate(Request("call-2"));
  ASSERT_TRUE(second);
  ASSERT_TRUE(vonage.Hangup(*second));

  // The fake verified each signature with the public key and refuses a reused jti.
  const std::vector<json> claims = fake_.jwt_claims();
  ASSERT_EQ(claims.size(), 3u);
  const long long now = duration_cast<seconds>(kNow.time_since_epoch()).count();
  EXPECT_EQ(claims[0]["iat"], now);
  EXPECT_EQ(claims[0]["exp"], now + 900);
  EXPECT_EQ(claims[1]["iat"], now + 30);
  for (const json& claim : claims) EXPECT_EQ(claim["application_id"], kApplicationId);
  EXPECT_NE(claims[0]["jti"], claims[1]["jti"]);
  EXPECT_NE(claims[1]["jti"], claims[2]["jti"]);
}

TEST_F(VonageTelephonyTest, TokensFromTwoProcessesWithDifferentSeedsDoNotCollide) {
  VonageTelephony first(Options(), http_, clock_, sink_, 1);
  VonageTelephony second(Options(), http_, clock_, sink_, 2);
  ASSERT_TRUE(first.Originate(Request("a")));
  ASSERT_TRUE(second.Originate(Request("b")));  // same clock second, same counter value
  EXPECT_TRUE(fake_.rejections().empty()) << json(fake_.rejections()).dump();
}

TEST_F(VonageTelephonyTest, MachineDetectionIsSentOnlyWhenAskedWithTheConfiguredBehaviour) {
  VonageOptions options = Options();
  options.machine_detection = "hangup";
  options.ringing_timer_seconds = 25;
  VonageTelephony vonage(options, http_, clock_, sink_, 7);
  OriginateRequest with = Request("with");
  with.machine_detection = true;
  ASSERT_TRUE(vonage.Originate(with));
  ASSERT_TRUE(vonage.Originate(Request("without")));

  const std::vector<FakeVonageCall> calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].request["advanced_machine_detection"],
            (json{{"behavior", "hangup"}, {"mode", "default"}, {"beep_timeout", 45}}));
  EXPECT_EQ(calls[0].request["ringing_timer"], 25);
  EXPECT_FALSE(calls[1].request.contains("advanced_machine_detection"));
  EXPECT_TRUE(fake_.rejections().empty()) << json(fake_.rejections()).dump();
}

TEST_F(VonageTelephonyTest, AnswerUrlReplacesTheNccoAndCarriesOurCallId) {
  VonageOptions options = Options();
  options.media_websocket_uri.clear();
  options.answer_url = "https://talky.example.com/webhooks/vonage/answer?tenant=t1";
  VonageTelephony vonage(options, http_, clock_, sink_, 7);
  ASSERT_TRUE(vonage.Originate(Request("call/é")));

  const std::vector<FakeVonageCall> calls = fake_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_FALSE(calls[0].request.contains("ncco"));
  const std::string answer_url = calls[0].request["answer_url"][0];
  EXPECT_EQ(CallIdFromVonageEventTarget(answer_url.substr(answer_url.find("/webhooks"))),
            CallId{"call/é"});
}

TEST_F(VonageTelephonyTest, HangupPutsActionHangupAndUnknownCallsAreNotFound) {
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  Expected<std::string> uuid = vonage.Originate(Request());
  ASSERT_TRUE(uuid);
  ASSERT_TRUE(vonage.Hangup(*uuid));
  EXPECT_TRUE(fake_.calls()[0].hung_up);

  Expected<void> unknown = vonage.Hangup("00000000-0000-0000-0000-000000000000");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("doesn't exist"), std::string::npos);

  Expected<void> malformed = vonage.Hangup("../applications");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(fake_.requests(), 3);  // the malformed uuid never left the process
}

TEST_F(VonageTelephonyTest, BadNumbersAreRefusedBeforeAnythingIsSent) {
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  OriginateRequest request = Request();
  request.to = "14155550100";  // no '+'
  request.from = "+1";
  Expected<std::string> uuid = vonage.Originate(request);
  ASSERT_FALSE(uuid);
  EXPECT_EQ(uuid.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(uuid.error().fields.size(), 2u);
  EXPECT_EQ(uuid.error().fields[0].field, "to");
  EXPECT_EQ(uuid.error().fields[1].field, "from");
  EXPECT_EQ(fake_.requests(), 0);
}

TEST_F(VonageTelephonyTest, AKeyVonageDoesNotKnowIsPermissionDeniedWithVonagesWords) {
  VonageOptions options = Options();
  options.private_key_pem = other_keys_->private_pem;
  VonageTelephony vonage(options, http_, clock_, sink_, 7);
  Expected<std::string> uuid = vonage.Originate(Request());
  ASSERT_FALSE(uuid);
  EXPECT_EQ(uuid.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(uuid.error().message.find("HTTP 401 Unauthorized"), std::string::npos)
      << uuid.error().message;
  EXPECT_NE(uuid.error().message.find("You did not provide correct credentials."),
            std::string::npos);
  EXPECT_TRUE(fake_.calls().empty());
  ASSERT_EQ(fake_.rejections().size(), 1u);
  EXPECT_NE(fake_.rejections()[0].find("does not verify"), std::string::npos);
}

TEST_F(VonageTelephonyTest, AnExpiredTokenIsRefused) {
  // A token whose lifetime ended by Vonage's clock: our clock is 20 minutes behind.
  ManualClock behind(kNow - minutes(20));
  VonageTelephony vonage(Options(), http_, behind, sink_, 7);
  Expected<std::string> uuid = vonage.Originate(Request());
  ASSERT_FALSE(uuid);
  EXPECT_EQ(uuid.error().code, ErrorCode::kPermissionDenied);
  ASSERT_EQ(fake_.rejections().size(), 1u);
  EXPECT_EQ(fake_.rejections()[0], "the token expired");
}

struct VonageErrorRow {
  int status;
  json problem;
  ErrorCode code;
  std::string message_part;
  std::vector<FieldError> fields;
};

TEST_F(VonageTelephonyTest, VonageErrorsMapToOurCodesWithItsDetail) {
  const std::vector<VonageErrorRow> rows = {
      {400,
       {{"type", "https://developer.nexmo.com/api-errors#bad-request"},
        {"title", "Bad Request"},
        {"detail", "The request failed due to validation errors"},
        {"invalid_parameters", {{{"name", "to[0].number"}, {"reason", "is not a valid number"}}}},
        {"instance", "4d1c"}},
       ErrorCode::kInvalidArgument,
       "HTTP 400 Bad Request): The request failed due to validation errors",
       {{"to[0].number", "is not a valid number"}}},
      {403,
       {{"title", "Forbidden"}, {"detail", "Your account does not have permission"}},
       ErrorCode::kPermissionDenied,
       "Your account does not have permission",
       {}},
      {429,
       {{"type", "https://developer.nexmo.com/api-errors#throttled"},
        {"title", "Too Many Requests"},
        {"detail", "You have exceeded your request limit."}},
       ErrorCode::kUnavailable,
       "HTTP 429 Too Many Requests): You have exceeded your request limit.",
       {}},
      {500,
       {{"title", "Internal Server Error"}, {"detail", "Something went wrong"}},
       ErrorCode::kUnavailable,
       "HTTP 500 Internal Server Error)",
       {}},
      {503, "not json at all", ErrorCode::kUnavailable, "HTTP 503)", {}},
  };
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  for (const VonageErrorRow& row : rows) {
    fake_.FailNext(row.status, row.problem);
    Expected<std::string> uuid = vonage.Originate(Request());
    ASSERT_FALSE(uuid) << row.status;
    EXPECT_EQ(uuid.error().code, row.code) << row.status;
    EXPECT_NE(uuid.error().message.find(row.message_part), std::string::npos)
        << uuid.error().message;
    EXPECT_EQ(uuid.error().fields, row.fields) << row.status;
  }
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(VonageTelephonyTest, AVonageThatNeverAnswersIsUnavailableWithinTheTimeout) {
  HttpClient impatient({.connect_timeout = seconds(5), .request_timeout = milliseconds(300)});
  VonageTelephony vonage(Options(), impatient, clock_, sink_, 7);
  fake_.GoSilent();
  Expected<std::string> uuid = vonage.Originate(Request());
  ASSERT_FALSE(uuid);
  EXPECT_EQ(uuid.error().code, ErrorCode::kUnavailable);
  Expected<void> hangup = vonage.Hangup("63f61863-4a51-4f6b-86e1-46edebcf9356");
  ASSERT_FALSE(hangup);
  EXPECT_EQ(hangup.error().code, ErrorCode::kUnavailable);
}

TEST_F(VonageTelephonyTest, AVonageThatIsDownIsUnavailable) {
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  fake_.Stop();
  Expected<std::string> uuid = vonage.Originate(Request());
  ASSERT_FALSE(uuid);
  EXPECT_EQ(uuid.error().code, ErrorCode::kUnavailable);
}

TEST_F(VonageTelephonyTest, EventsOfAPlacedCallReachTheSinkWithOurCallId) {
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  Expected<std::string> uuid = vonage.Originate(Request("call-42"));
  ASSERT_TRUE(uuid);
  const FakeVonageCall call = fake_.calls()[0];
  const std::string event_url = call.request["event_url"][0];
  const std::string target = event_url.substr(event_url.find("/webhooks"));

  const std::vector<std::pair<std::string, std::string>> script = {
      {"started", ""}, {"ringing", ""}, {"answered", ""}, {"completed", ""}};
  for (size_t i = 0; i < script.size(); ++i) {
    const std::string body =
        fake_.EventBody(call, script[i].first, script[i].second, kNow + seconds(i)).dump();
    Expected<void> handled = vonage.HandleEventWebhook(
        {.target = target,
         .authorization = FakeVonage::SignWebhook(body, kSignatureSecret, kNow),
         .body = body});
    ASSERT_TRUE(handled) << handled.error().Describe();
  }
  const std::vector<CallEvent> events = sink_.events();
  ASSERT_EQ(events.size(), 4u);
  for (const CallEvent& event : events) {
    EXPECT_EQ(event.call_id, CallId{"call-42"});
    EXPECT_EQ(event.provider_call_id, *uuid);
  }
  EXPECT_EQ(events[0].status, CallStatus::kStarted);
  EXPECT_EQ(events[1].status, CallStatus::kRinging);
  EXPECT_EQ(events[2].status, CallStatus::kAnswered);
  EXPECT_EQ(events[3].status, CallStatus::kCompleted);
  EXPECT_EQ(events[3].outcome, CallOutcome::kGoalNotAchieved);
  EXPECT_EQ(events[3].occurred_at, kNow + seconds(3));
}

TEST_F(VonageTelephonyTest, UnsignedOrForgedEventsChangeNothing) {
  VonageTelephony vonage(Options(), http_, clock_, sink_, 7);
  ASSERT_TRUE(vonage.Originate(Request("call-1")));
  const FakeVonageCall call = fake_.calls()[0];
  const std::string body = fake_.EventBody(call, "busy", "", kNow).dump();
  const std::string target = "/webhooks/vonage/event?call_id=call-1";

  Expected<void> unsigned_event =
      vonage.HandleEventWebhook({.target = target, .authorization = "", .body = body});
  ASSERT_FALSE(unsigned_event);
  EXPECT_EQ(unsigned_event.error().code, ErrorCode::kUnauthenticated);

  Expected<void> forged = vonage.HandleEventWebhook(
      {.target = target,
       .authorization = FakeVonage::SignWebhook(body, "not-the-secret", kNow),
       .body = body});
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::kUnauthenticated);

  const std::string tampered = fake_.EventBody(call, "answered", "", kNow).dump();
  Expected<void> swapped = vonage.HandleEventWebhook(
      {.target = target,
       .authorization = FakeVonage::SignWebhook(body, kSignatureSecret, kNow),
       .body = tampered});
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().code, ErrorCode::kUnauthenticated);

  Expected<void> garbage = vonage.HandleEventWebhook(
      {.target = target,
       .authorization = FakeVonage::SignWebhook("{", kSignatureSecret, kNow),
       .body = "{"});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(sink_.events().empty());
}

// The fake is only worth testing against if it refuses what Vonage refuses.
TEST_F(VonageTelephonyTest, TheFakeRefusesBodiesVonageWouldRefuse) {
  const json good = json::parse(R"({
    "to": [{"type": "phone", "number": "14155550100"}],
    "from": {"type": "phone", "number": "14155550199"},
    "event_url": ["https://talky.example.com/e"],
    "ncco": [{"action": "connect", "endpoint": [{"type": "websocket",
              "uri": "wss://talky.example.com/media", "content-type": "audio/l16;rate=16000"}]}]
  })");
  struct RefusedBody {
    std::string name;
    void (*change)(json&);
    std::string parameter;
  };
  const std::vector<RefusedBody> rows = {
      {"plus sign", [](json& b) { b["to"][0]["number"] = "+14155550100"; }, "to[0].number"},
      {"to not array", [](json& b) { b["to"] = b["to"][0]; }, "to"},
      {"from type", [](json& b) { b["from"]["type"] = "sip"; }, "from.type"},
      {"both", [](json& b) { b["answer_url"] = {"https://x.example/a"}; }, "ncco"},
      {"rate",
       [](json& b) { b["ncco"][0]["endpoint"][0]["content-type"] = "audio/l16;rate=44100"; },
       "ncco[0].endpoint[0].content-type"},
      {"event url", [](json& b) { b["event_url"] = "https://x.example/e"; }, "event_url"},
      {"amd", [](json& b) { b["machine_detection"] = true; }, "machine_detection"},
      {"advanced amd mode",
       [](json& b) {
         b["advanced_machine_detection"] = {{"behavior", "continue"}, {"mode", "x"}};
       },
       "advanced_machine_detection.mode"},
      {"unknown", [](json& b) { b["colour"] = "blue"; }, "colour"},
  };
  int jti = 0;
  auto send = [&](const json& body) {
    Expected<std::string> token = SignVonageApiJwt(
        {.application_id = kApplicationId, .jti = "t" + std::to_string(++jti), .issued_at = kNow},
        keys_->private_pem);
    EXPECT_TRUE(token);
    return http_.Send({.method = "POST",
                       .url = fake_.BaseUrl() + "/v1/calls",
                       .headers = {{"Authorization", "Bearer " + token.value_or("")},
                                   {"Content-Type", "application/json"}},
                       .body = body.dump()});
  };
  Expected<HttpClientResponse> accepted = send(good);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 201) << accepted->body;
  for (const RefusedBody& row : rows) {
    json body = good;
    row.change(body);
    Expected<HttpClientResponse> response = send(body);
    ASSERT_TRUE(response) << row.name;
    EXPECT_EQ(response->status, 400) << row.name;
    const json problem = json::parse(response->body);
    ASSERT_FALSE(problem["invalid_parameters"].empty()) << row.name;
    EXPECT_EQ(problem["invalid_parameters"][0]["name"], row.parameter) << row.name;
  }
}

struct OptionsRow {
  std::string name;
  void (*change)(VonageOptions&);
  std::string field;
};

TEST_F(VonageTelephonyTest, BadOptionsAreRefusedNamingTheField) {
  const std::vector<OptionsRow> rows = {
      {"base url", [](VonageOptions& o) { o.api_base_url = "api.nexmo.com"; }, "api_base_url"},
      {"application", [](VonageOptions& o) { o.application_id.clear(); }, "application_id"},
      {"key", [](VonageOptions& o) { o.private_key_pem = "-----BEGIN NOTHING-----"; },
       "private_key_pem"},
      {"event url", [](VonageOptions& o) { o.event_url = "/relative"; }, "event_url"},
      {"neither", [](VonageOptions& o) { o.media_websocket_uri.clear(); }, "media_websocket_uri"},
      {"both", [](VonageOptions& o) { o.answer_url = "https://x.example/answer"; },
       "media_websocket_uri"},
      {"ws scheme", [](VonageOptions& o) { o.media_websocket_uri = "https://x.example/m"; },
       "media_websocket_uri"},
      {"amd", [](VonageOptions& o) { o.machine_detection = "detect"; }, "machine_detection"},
      {"ringing", [](VonageOptions& o) { o.ringing_timer_seconds = 121; }, "ringing_timer_seconds"},
      {"lifetime", [](VonageOptions& o) { o.jwt_lifetime = seconds(0); }, "jwt_lifetime"},
  };
  ASSERT_TRUE(ValidateVonageOptions(Options()));
  for (const OptionsRow& row : rows) {
    VonageOptions options = Options();
    row.change(options);
    Expected<void> valid = ValidateVonageOptions(options);
    ASSERT_FALSE(valid) << row.name;
    ASSERT_EQ(valid.error().fields.size(), 1u) << row.name << ": " << valid.error().Describe();
    EXPECT_EQ(valid.error().fields[0].field, row.field) << row.name;
    EXPECT_THROW(VonageTelephony(options, http_, clock_, sink_, 7), std::invalid_argument);
  }
}

}  // namespace
}  // namespace talky
