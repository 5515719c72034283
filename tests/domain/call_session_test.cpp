#include "domain/call_session.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using enum CallState;
using std::chrono::seconds;

constexpr Instant kNoon =
    Instant{std::chrono::sys_days{std::chrono::year{2026} / 12 / 2}} + std::chrono::hours(12);

// Every pair of states, with whether the pipeline may move between them. A row per allowed move;
// everything not listed is refused.
struct MoveCase {
  CallState from;
  CallState to;
};
constexpr MoveCase kAllowed[] = {
    {kConnecting, kActive},    {kActive, kListening},   {kActive, kSpeaking},
    {kListening, kProcessing}, {kListening, kSpeaking}, {kProcessing, kSpeaking},
    {kProcessing, kListening}, {kSpeaking, kListening}, {kSpeaking, kProcessing},
    {kConnecting, kEnding},    {kActive, kEnding},      {kListening, kEnding},
    {kProcessing, kEnding},    {kSpeaking, kEnding},    {kEnding, kEnded},
    {kConnecting, kError},     {kActive, kError},       {kListening, kError},
    {kProcessing, kError},     {kSpeaking, kError},
};
constexpr CallState kStates[] = {kConnecting, kActive, kListening, kProcessing,
                                 kSpeaking,   kEnding, kEnded,     kError};

TEST(CallSessionMoves, OnlyTheTableMovesAreAllowed) {
  for (CallState from : kStates) {
    for (CallState to : kStates) {
      if (from == to) continue;
      bool listed = false;
      for (const MoveCase& row : kAllowed) listed |= row.from == from && row.to == to;
      CallSession session{.state = from};
      const Expected<void> moved = session.Move(to);
      EXPECT_EQ(CanMove(from, to), listed) << ToString(from) << " -> " << ToString(to);
      EXPECT_EQ(moved.has_value(), listed) << ToString(from) << " -> " << ToString(to);
      EXPECT_EQ(session.state, listed ? to : from);
    }
  }
}

TEST(CallSessionMoves, RefusalNamesBothStates) {
  CallSession session{.state = kEnded};
  const Expected<void> moved = session.Move(kSpeaking);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().message, "a call session cannot move from ended to speaking");
}

TEST(CallSessionMoves, EndedAndErrorAreFinal) {
  for (CallState final_state : {kEnded, kError}) {
    for (CallState to : kStates) {
      if (to != final_state) {
        EXPECT_FALSE(CanMove(final_state, to));
      }
    }
    EXPECT_FALSE((CallSession{.state = final_state}.IsLive()));
  }
}

TEST(CallSession, StaleAfterTheTimeoutWithoutActivity) {
  CallSession session;
  session.UpdateActivity(kNoon);
  EXPECT_FALSE(session.IsStale(kNoon + seconds(300)));
  EXPECT_TRUE(session.IsStale(kNoon + seconds(301)));
  EXPECT_TRUE(session.IsStale(kNoon + seconds(11), seconds(10)));
}

TEST(CallSession, AverageLatencyPerComponentSkipsFailures) {
  CallSession session;
  session.AddLatencyMeasurement("stt", 100, kNoon);
  session.IncrementTurn();
  session.AddLatencyMeasurement("stt", 300, kNoon);
  session.AddLatencyMeasurement("llm", 50, kNoon);
  session.AddLatencyMeasurement("llm", 5000, kNoon, false, "timed out");
  EXPECT_DOUBLE_EQ(session.AverageLatency("stt"), 200);
  EXPECT_DOUBLE_EQ(session.AverageLatency("llm"), 50);
  EXPECT_DOUBLE_EQ(session.AverageLatency(), 150);
  EXPECT_DOUBLE_EQ(session.AverageLatency("tts"), 0);
  EXPECT_EQ(session.latency_measurements[1].turn_id, 1);
}

TEST(CallSession, IncrementTurnStartsTheTurnsTextEmpty) {
  CallSession session{.current_user_input = "yes", .current_ai_response = "Great."};
  session.IncrementTurn();
  EXPECT_EQ(session.turn_id, 1);
  EXPECT_EQ(session.current_user_input, "");
  EXPECT_EQ(session.current_ai_response, "");
}

TEST(CallSessionJson, RoundTripsEveryField) {
  CallSession session{.call_id = CallId{"c1"},
                      .campaign_id = CampaignId{"k1"},
                      .lead_id = LeadId{"l1"},
                      .tenant_id = TenantId{"t1"},
                      .vonage_call_uuid = "uuid-1",
                      .state = kSpeaking,
                      .sample_rate = 8000,
                      .conversation_history = {{.role = MessageRole::kAssistant,
                                                .content = "Hello",
                                                .timestamp = kNoon},
                                               {.role = MessageRole::kUser,
                                                .content = "yes",
                                                .timestamp = kNoon + seconds(2),
                                                .audio_url = "file:///a.wav"}},
                      .current_user_input = "ye",
                      .current_ai_response = "Great",
                      .turn_id = 2,
                      .dtmf_digits = "5#",
                      .stt_active = true,
                      .ai_speaking = true,
                      .started_at = kNoon,
                      .last_activity_at = kNoon + seconds(3),
                      .total_user_speech_ms = 900,
                      .total_ai_speech_ms = 2100,
                      .system_prompt = "Remind",
                      .voice_id = "en-us",
                      .language = "en",
                      .conversation_state = "greeting",
                      .end_reason = ""};
  session.AddLatencyMeasurement("total", 412.5, kNoon, false, "tts failed");
  const Expected<CallSession> back = CallSessionFromJson(ToJson(session));
  ASSERT_TRUE(back) << back.error().Describe();
  EXPECT_EQ(*back, session);
}

TEST(CallSessionJson, BadFieldsAreNamed) {
  nlohmann::json body = ToJson(CallSession{.call_id = CallId{"c1"}});
  body["state"] = "dancing";
  body["latency_measurements"] = nlohmann::json::array({{{"component", "stt"}}});
  body["extra"] = 1;
  const Expected<CallSession> parsed = CallSessionFromJson(body);
  ASSERT_FALSE(parsed);
  std::vector<std::string> named;
  for (const FieldError& field : parsed.error().fields) named.push_back(field.field);
  EXPECT_EQ(named, (std::vector<std::string>{"state", "latency_measurements[0].latency_ms",
                                             "latency_measurements[0].timestamp",
                                             "latency_measurements[0].turn_id", "extra"}));
}

}  // namespace
}  // namespace talky
