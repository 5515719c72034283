#include "voice/session_manager.h"

#include <gtest/gtest.h>

#include <thread>

#include "fake_voice.h"
#include "voice/campaign_script.h"
#include "voice/conversation_engine.h"
#include "voice/memory_call_session_store.h"

namespace talky {
namespace {

using namespace std::chrono;

class CountingMetrics final : public VoiceMetrics {
 public:
  void ObserveLatency(const LatencyMetric&) override {}
  void CountBargeIn() override {}
  void CountTokens(const TokenUsage&) override {}
  void CountNotUnderstood() override {}
  void CountSession(std::string_view event) override {
    std::lock_guard lock(mutex);
    events.emplace_back(event);
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mutex);
    return events;
  }
  std::mutex mutex;
  std::vector<std::string> events;
};

class SessionManagerTest : public ::testing::Test {
 protected:
  Expected<AnsweredCall> LookUp(const CallId& call) {
    if (call.value == "down") return std::unexpected(Error::Unavailable("the store is down"));
    if (call.value != "c1" && call.value != "c2") {
      return std::unexpected(Error::NotFound("call '" + call.value + "' not found"));
    }
    // The default script; the lead has no first name.
    auto engine = std::make_shared<ConversationEngine>(
        std::make_shared<const ConversationScript>(
            *ParseConversationScript(DefaultScriptConfig(GoalKind::kAppointment), "Acme")),
        LineFields{{"business", "Acme"}});
    return AnsweredCall{.session = {.call_id = call, .tenant_id = TenantId{"t1"}},
                        .language_model = engine,
                        .reply_grammar = engine};
  }

  ManualClock clock_{Instant{seconds(1'800'000'000)}};
  testing::LoudnessDetection vad_;
  testing::ScriptedRecognition stt_;
  testing::ToneSpeech tts_;
  MemoryCallSessionStore store_{clock_};
  CountingMetrics metrics_;
  SessionManager manager_{[this](const CallId& call) { return LookUp(call); },
                          stt_,
                          tts_,
                          vad_,
                          store_,
                          metrics_,
                          clock_,
                          {.stale_after = seconds(300), .sweep_every = milliseconds(5)}};
};

TEST_F(SessionManagerTest, AcceptedCallsStartTalkingAndTheirSessionIsStored) {
  auto gateway = std::make_shared<testing::RecordingGateway>();
  Expected<std::shared_ptr<MediaListener>> listener = manager_.Accept(CallId{"c1"}, gateway);
  ASSERT_TRUE(listener) << listener.error().Describe();
  gateway->RunTasks();
  EXPECT_EQ(tts_.texts.front(), "Hello!");
  Expected<CallSession> stored = store_.Get(CallId{"c1"});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->state, CallState::kActive);
  EXPECT_EQ(stored->tenant_id, TenantId{"t1"});
  EXPECT_EQ(manager_.LiveCount(), 1u);

  (*listener)->OnClosed("peer_closed");
  EXPECT_EQ(store_.Get(CallId{"c1"})->state, CallState::kEnded);
  EXPECT_EQ(manager_.LiveCount(), 0u);
  EXPECT_EQ(metrics_.Events(), (std::vector<std::string>{"started", "ended"}));
}

// The provider's `machine` verdict, from the webhook, reaches the live call's pipeline on its
// executor: the agent stops with the verdict voicemail. A call not live here is not found.
TEST_F(SessionManagerTest, TheProvidersMachineDetectionReachesTheLiveCall) {
  auto gateway = std::make_shared<testing::RecordingGateway>();
  Expected<std::shared_ptr<MediaListener>> listener = manager_.Accept(CallId{"c1"}, gateway);
  ASSERT_TRUE(listener) << listener.error().Describe();
  gateway->RunTasks();
  EXPECT_FALSE(manager_.OnProviderMachineDetection(CallId{"c2"}, {AnswerKind::kMachine}));
  ASSERT_TRUE(manager_.OnProviderMachineDetection(CallId{"c1"}, {AnswerKind::kMachine}));
  EXPECT_TRUE(gateway->hangups.empty());  // not yet: posted to the call's executor
  gateway->RunTasks();
  (*listener)->OnAudio(Samples(SamplesPerFrame(kWidebandRate), 0));
  gateway->RunTasks();
  EXPECT_EQ(gateway->hangups, std::vector<std::string>{"answering machine"});
  (*listener)->OnClosed("peer_closed");
  EXPECT_FALSE(manager_.OnProviderMachineDetection(CallId{"c1"}, {AnswerKind::kMachine}));
}

TEST_F(SessionManagerTest, RefusesASecondConnectionAnUnknownCallAndAStoreThatCannotSay) {
  auto gateway = std::make_shared<testing::RecordingGateway>();
  auto first = manager_.Accept(CallId{"c1"}, gateway);
  ASSERT_TRUE(first);
  auto second = manager_.Accept(CallId{"c1"}, std::make_shared<testing::RecordingGateway>());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_EQ(manager_.Accept(CallId{"nope"}, gateway).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(manager_.Accept(CallId{"down"}, gateway).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(metrics_.Events(),
            (std::vector<std::string>{"started", "refused_duplicate", "refused_unknown_call",
                                      "refused_unavailable"}));
}

TEST_F(SessionManagerTest, ASessionWithoutActivityForTheTimeoutIsHungUp) {
  auto quiet = std::make_shared<testing::RecordingGateway>();
  auto busy = std::make_shared<testing::RecordingGateway>();
  auto quiet_listener = manager_.Accept(CallId{"c1"}, quiet);
  auto busy_listener = manager_.Accept(CallId{"c2"}, busy);
  ASSERT_TRUE(quiet_listener && busy_listener);
  clock_.Advance(seconds(200));
  (*busy_listener)->OnAudio(Samples(SamplesPerFrame(kWidebandRate), 0));  // activity
  clock_.Advance(seconds(101));
  // The sweeper runs every 5 ms of real time; wait (bounded) for it to post the hang-up.
  for (int i = 0; i < 400 && quiet->hangups.empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(5));
    quiet->RunTasks();
  }
  EXPECT_EQ(quiet->hangups, (std::vector<std::string>{"no activity for 300 s"}));
  busy->RunTasks();
  EXPECT_TRUE(busy->hangups.empty());
}

}  // namespace
}  // namespace talky
