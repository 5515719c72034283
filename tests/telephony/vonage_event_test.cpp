#include "telephony/vonage/vonage_event.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;
using O = CallOutcome;
using S = CallStatus;

const Instant kReceived = sys_days{2026y / 11 / 21} + 15h;
const Instant kStamp = sys_days{2026y / 11 / 21} + 14h + 59min + 58s + 125ms;
const CallId kCall{"call-7"};

// Event bodies as Vonage sends them to an event_url (numbers without '+', duration as a string).
std::string Event(std::string status, std::string extra = "") {
  return R"({"from":"14155550199","to":"14155550100",)"
         R"("uuid":"63f61863-4a51-4f6b-86e1-46edebcf9356",)"
         R"("conversation_uuid":"CON-f972836a-550f-45fa-956c-12a2ab5b7d22",)"
         R"("status":")" +
         status + R"(","direction":"outbound","timestamp":"2026-11-21T14:59:58.125Z")" + extra +
         "}";
}

struct Row {
  std::string body;
  S status;
  std::optional<O> outcome;
};

TEST(VonageEvent, RealPayloadsMapToStatusAndOutcome) {
  const std::vector<Row> rows = {
      {Event("started"), S::kStarted, std::nullopt},
      {Event("ringing"), S::kRinging, std::nullopt},
      {Event("answered", R"(,"start_time":null,"rate":null,"network":null)"), S::kAnswered,
       std::nullopt},
      {Event("human", R"(,"call_uuid":"x")"), S::kAnswered, std::nullopt},
      {Event("machine", R"(,"sub_state":"beep_start")"), S::kAnswered, O::kVoicemail},
      {Event("completed", R"(,"end_time":"2026-11-21T14:59:58.000Z","network":"310260",)"
                          R"("duration":"38","start_time":"2026-11-21T14:59:20.000Z",)"
                          R"("rate":"0.01270000","price":"0.00804333")"),
       S::kCompleted, O::kGoalNotAchieved},
      {Event("disconnected"), S::kCompleted, O::kGoalNotAchieved},
      {Event("busy", R"(,"detail":"busy")"), S::kCompleted, O::kBusy},
      {Event("timeout"), S::kCompleted, O::kNoAnswer},
      {Event("unanswered", R"(,"detail":"timeout")"), S::kCompleted, O::kNoAnswer},
      {Event("unanswered", R"(,"detail":"unavailable")"), S::kCompleted, O::kNoAnswer},
      {Event("rejected", R"(,"detail":"invalid_number")"), S::kCompleted, O::kInvalid},
      {Event("rejected", R"(,"detail":"declined")"), S::kCompleted, O::kRejected},
      {Event("rejected", R"(,"detail":"restricted")"), S::kCompleted, O::kRejected},
      {Event("failed", R"(,"detail":"number_out_of_service")"), S::kCompleted, O::kDisconnected},
      {Event("failed", R"(,"detail":"cannot_route")"), S::kCompleted, O::kFailed},
      {Event("cancelled"), S::kCompleted, O::kFailed},
  };
  ManualClock clock(kReceived);
  for (const Row& row : rows) {
    Expected<VonageEvent> event = ParseVonageEvent(row.body, kCall, clock);
    ASSERT_TRUE(event) << row.body << "\n" << event.error().Describe();
    ASSERT_TRUE(event->call_event) << row.body;
    EXPECT_EQ(event->call_event->status, row.status) << row.body;
    EXPECT_EQ(event->call_event->outcome, row.outcome) << row.body;
    EXPECT_EQ(event->call_event->call_id, kCall);
    EXPECT_EQ(event->call_event->provider_call_id, "63f61863-4a51-4f6b-86e1-46edebcf9356");
    EXPECT_EQ(event->call_event->occurred_at, kStamp) << "Vonage's timestamp, not the receive time";
    EXPECT_EQ(event->call_event->payload, nlohmann::json::parse(row.body)) << "kept as received";
  }
}

// Machine detection's events as Vonage documents them: the call is `call_uuid` (no `uuid`), and
// with detect_beep a `machine` event with sub_state beep_start says the voicemail beep was heard.
TEST(VonageEvent, MachineDetectionEventsNameTheCallByCallUuid) {
  const std::string kUuid = "63f61863-4a51-4f6b-86e1-46edebcf9356";
  auto detection = [&](const std::string& status, const std::string& extra) {
    return R"({"call_uuid":")" + kUuid +
           R"(","conversation_uuid":"CON-f972836a-550f-45fa-956c-12a2ab5b7d22","status":")" +
           status + R"(","from":"14155550199","to":"14155550100",)" +
           R"("timestamp":"2026-11-21T14:59:58.125Z")" + extra + "}";
  };
  ManualClock clock(kReceived);
  Expected<VonageEvent> human = ParseVonageEvent(detection("human", ""), kCall, clock);
  ASSERT_TRUE(human) << human.error().Describe();
  EXPECT_EQ(human->uuid, kUuid);
  ASSERT_TRUE(human->call_event);
  EXPECT_EQ(human->call_event->provider_call_id, kUuid);
  EXPECT_EQ(human->call_event->status, S::kAnswered);
  EXPECT_EQ(human->call_event->outcome, std::nullopt);
  ASSERT_TRUE(MachineDetectionOf(*human));
  EXPECT_EQ(MachineDetectionOf(*human)->verdict, AnswerKind::kHuman);

  Expected<VonageEvent> machine = ParseVonageEvent(detection("machine", ""), kCall, clock);
  ASSERT_TRUE(machine) << machine.error().Describe();
  ASSERT_TRUE(machine->call_event);
  EXPECT_EQ(machine->call_event->provider_call_id, kUuid);
  EXPECT_EQ(machine->call_event->outcome, O::kVoicemail);
  EXPECT_EQ(machine->sub_state, "");
  ASSERT_TRUE(MachineDetectionOf(*machine));
  EXPECT_EQ(MachineDetectionOf(*machine)->verdict, AnswerKind::kMachine);
  EXPECT_FALSE(MachineDetectionOf(*machine)->beep);

  Expected<VonageEvent> beep =
      ParseVonageEvent(detection("machine", R"(,"sub_state":"beep_start")"), kCall, clock);
  ASSERT_TRUE(beep) << beep.error().Describe();
  EXPECT_EQ(beep->sub_state, "beep_start");
  EXPECT_EQ(beep->call_event->outcome, O::kVoicemail);
  ASSERT_TRUE(MachineDetectionOf(*beep));
  EXPECT_EQ(MachineDetectionOf(*beep)->verdict, AnswerKind::kMachine);
  EXPECT_TRUE(MachineDetectionOf(*beep)->beep);

  Expected<VonageEvent> answered = ParseVonageEvent(
      R"({"uuid":"u","status":"answered","timestamp":"2026-11-21T14:59:58.125Z"})", kCall, clock);
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_FALSE(MachineDetectionOf(*answered));

  // Neither name: the field is named.
  Expected<VonageEvent> nameless = ParseVonageEvent(
      R"({"status":"machine","timestamp":"2026-11-21T14:59:58.125Z"})", kCall, clock);
  ASSERT_FALSE(nameless);
  ASSERT_EQ(nameless.error().fields.size(), 1u);
  EXPECT_EQ(nameless.error().fields[0].field, "uuid");
}

TEST(VonageEvent, KeepsVonagesRawFields) {
  ManualClock clock(kReceived);
  Expected<VonageEvent> event =
      ParseVonageEvent(Event("completed", R"(,"duration":"38","detail":"ok")"), kCall, clock);
  ASSERT_TRUE(event) << event.error().Describe();
  EXPECT_EQ(event->uuid, "63f61863-4a51-4f6b-86e1-46edebcf9356");
  EXPECT_EQ(event->conversation_uuid, "CON-f972836a-550f-45fa-956c-12a2ab5b7d22");
  EXPECT_EQ(event->from, "14155550199");
  EXPECT_EQ(event->to, "14155550100");
  EXPECT_EQ(event->direction, "outbound");
  EXPECT_EQ(event->detail, "ok");
  EXPECT_EQ(event->duration_seconds, 38);
  EXPECT_EQ(event->timestamp, kStamp);
}

TEST(VonageEvent, EventsThatMoveNoCallAreAcceptedWithoutACallEvent) {
  ManualClock clock(kReceived);
  const std::vector<std::string> bodies = {
      // A recording is ready: no status, no uuid.
      R"({"start_time":"2026-11-21T14:59:20Z","recording_url":"https://api.nexmo.com/v1/files/aaaa",)"
      R"("size":12222,"recording_uuid":"bbbb","end_time":"2026-11-21T14:59:58Z",)"
      R"("conversation_uuid":"CON-1","timestamp":"2026-11-21T14:59:58.125Z"})",
      // A transfer.
      R"({"conversation_uuid_from":"CON-1","conversation_uuid_to":"CON-2","uuid":"u-1",)"
      R"("timestamp":"2026-11-21T14:59:58.125Z","type":"transfer"})",
      // A status Vonage may add one day.
      Event("teleported"),
  };
  for (const std::string& body : bodies) {
    Expected<VonageEvent> event = ParseVonageEvent(body, kCall, clock);
    ASSERT_TRUE(event) << body << "\n" << event.error().Describe();
    EXPECT_FALSE(event->call_event) << body;
  }
}

TEST(VonageEvent, WithoutATimestampTheClockStampsTheEvent) {
  ManualClock clock(kReceived);
  Expected<VonageEvent> event =
      ParseVonageEvent(R"({"uuid":"u-1","status":"ringing"})", CallId{}, clock);
  ASSERT_TRUE(event) << event.error().Describe();
  ASSERT_TRUE(event->call_event);
  EXPECT_EQ(event->call_event->occurred_at, kReceived);
  EXPECT_TRUE(event->call_event->call_id.empty());  // the caller finds it by uuid
}

struct BadRow {
  std::string body;
  std::vector<std::string> fields;
};

TEST(VonageEvent, BadPayloadsAreRefusedNamingEveryField) {
  const std::vector<BadRow> rows = {
      {"", {"body"}},
      {"{", {"body"}},
      {"[1,2]", {"body"}},
      {R"({"status":"busy"})", {"uuid"}},
      {R"({"status":"busy","uuid":""})", {"uuid"}},
      {R"({"status":7,"uuid":"u"})", {"status"}},
      {R"({"status":"ringing","uuid":"u","timestamp":"yesterday"})", {"timestamp"}},
      {R"({"status":"ringing","uuid":"u","timestamp":"2026-11-21T14:59:58"})", {"timestamp"}},
      {R"({"status":"completed","uuid":"u","duration":"-3"})", {"duration"}},
      {R"({"status":"completed","uuid":"u","duration":"38s"})", {"duration"}},
      {R"({"status":"completed","uuid":["u"],"from":5,"detail":{}})", {"detail", "uuid", "from"}},
  };
  ManualClock clock(kReceived);
  for (const BadRow& row : rows) {
    Expected<VonageEvent> event = ParseVonageEvent(row.body, kCall, clock);
    ASSERT_FALSE(event) << row.body;
    EXPECT_EQ(event.error().code, ErrorCode::kInvalidArgument);
    std::vector<std::string> fields;
    for (const FieldError& field : event.error().fields) fields.push_back(field.field);
    EXPECT_EQ(fields, row.fields) << row.body << "\n" << event.error().Describe();
  }
}

TEST(VonageEvent, OurCallIdTravelsInTheEventUrl) {
  struct UrlRow {
    std::string event_url;
    std::string call_id;
    std::string expected_url;
  };
  const std::vector<UrlRow> rows = {
      {"https://talky.example.com/webhooks/vonage/event", "call-1",
       "https://talky.example.com/webhooks/vonage/event?call_id=call-1"},
      {"https://talky.example.com/hook?tenant=t1", "c 2&x=y",
       "https://talky.example.com/hook?tenant=t1&call_id=c%202%26x%3Dy"},
      {"http://10.0.0.5:8080/e?call_id=stale", "fresh", "http://10.0.0.5:8080/e?call_id=fresh"},
      // Found by fuzz_vonage_event: a '+' left bare decodes as a space.
      {"https://talky.example.com/e", "a+b", "https://talky.example.com/e?call_id=a%2Bb"},
  };
  for (const UrlRow& row : rows) {
    Expected<std::string> url = VonageEventUrl(row.event_url, CallId{row.call_id});
    ASSERT_TRUE(url) << row.event_url;
    EXPECT_EQ(*url, row.expected_url);
    const std::string target = url->substr(url->find('/', url->find("//") + 2));
    EXPECT_EQ(CallIdFromVonageEventTarget(target), CallId{row.call_id}) << target;
  }
  EXPECT_FALSE(VonageEventUrl("/relative", kCall));
  EXPECT_FALSE(VonageEventUrl("ftp://x/y", kCall));
  EXPECT_EQ(CallIdFromVonageEventTarget("/webhooks/vonage/event"), std::nullopt);
  EXPECT_EQ(CallIdFromVonageEventTarget("/e?call_id="), std::nullopt);
  EXPECT_EQ(CallIdFromVonageEventTarget("not a target"), std::nullopt);
}

}  // namespace
}  // namespace talky
