// The pipeline's turn taking, driven frame by frame with providers that answer at once: what the
// agent says and when, barge-in, "could you repeat", re-prompts, the goodbye that hangs up; and
// what it keeps of the call (turns, the conversation's verdict, opt-outs by key and by voice).
// The offline providers themselves are tested in providers/; the real socket in tests/http/media/.
#include "voice/voice_pipeline.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <functional>
#include <numbers>

#include "fake_voice.h"
#include "voice/conversation_engine.h"

namespace talky {
namespace {

using testing::LoudnessDetection;
using testing::RecordingGateway;
using testing::ScriptedRecognition;
using testing::ToneSpeech;

constexpr int kRate = 16000;
constexpr std::size_t kFrame = SamplesPerFrame(kRate);
const Instant kStart = Instant{std::chrono::seconds(1'800'000'000)};

class CountingObserver final : public VoicePipelineObserver {
 public:
  void OnSessionChanged(const CallSession& session) override { states.push_back(session.state); }
  void OnLatency(const LatencyMetric& metric) override { latencies.push_back(metric); }
  void OnBargeIn() override { ++barge_ins; }
  void OnNotUnderstood() override { ++not_understood; }
  void OnTokenUsage(const TokenUsage& usage) override { usages.push_back(usage); }
  std::vector<CallState> states;
  std::vector<LatencyMetric> latencies;
  int barge_ins = 0;
  int not_understood = 0;
  std::vector<TokenUsage> usages;
};

// What the store would keep; opt-outs answer `opt_out_result`.
class KeptRecord final : public ConversationRecorder {
 public:
  Expected<void> AppendTurn(const ConversationTurn& turn) override {
    turns.push_back(turn);
    return {};
  }
  Expected<void> Conclude(CallOutcome verdict, Instant, std::string_view error) override {
    verdicts.push_back(verdict);
    errors.emplace_back(error);
    return {};
  }
  Expected<void> OptOut(Instant) override {
    ++opt_outs;
    return opt_out_result;
  }
  std::vector<ConversationTurn> turns;
  std::vector<CallOutcome> verdicts;
  std::vector<std::string> errors;  // one per verdict
  int opt_outs = 0;
  Expected<void> opt_out_result;
};

// A cloud model that fails its first `failures` completions (as a 503 would), then is the engine,
// reporting 40 + 9 tokens for each completion that succeeds.
class FlakyModel final : public LanguageModel {
 public:
  FlakyModel(std::shared_ptr<LanguageModel> engine, int failures)
      : engine_(std::move(engine)), failures_(failures) {}
  std::unique_ptr<Completion> Complete(CompletionRequest request, CompletionSink& sink) override {
    if (failures_-- > 0) {
      sink.OnDone(std::unexpected(Error::Unavailable("api.groq.com answered 503")));
      return nullptr;
    }
    sink.OnUsage({.prompt_tokens = 40, .completion_tokens = 9});
    return engine_->Complete(std::move(request), sink);
  }

 private:
  std::shared_ptr<LanguageModel> engine_;
  int failures_;
};

// A small script in the shape of the default appointment one, with fewer phrases.
constexpr char kScript[] = R"({
  "goal_states": ["confirmed"],
  "intents": {"yes": ["yes", "yes please", "sure", "yes i will"], "no": ["no", "not now"]},
  "questions": {"who_is_this": {"phrases": ["who is this"],
                                "answer": "This is the reminder service of your dental practice."}},
  "states": {
    "greeting": {"say": "Hello {first_name}! This is {business} about your appointment. Is now a good time to talk?",
                 "again": "Is now a good time to talk?", "next": {"yes": "confirm", "no": "later"}},
    "confirm": {"say": "Great. Your appointment is tomorrow at ten in the morning. Will you be able to make it?",
                "next": {"yes": "confirmed", "no": "later"}},
    "confirmed": {"say": "Thank you. See you tomorrow. Goodbye."},
    "later": {"say": "No problem. We will call another time. Goodbye."}}})";

class VoicePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(VoicePipelineConfig{}); }

  // `model_failures`: how many completions fail before the model answers.
  void Open(VoicePipelineConfig config, int model_failures = 0) {
    observer_ = std::make_shared<CountingObserver>();
    gateway_ = std::make_shared<RecordingGateway>();
    Expected<ConversationScript> script =
        ParseConversationScript(nlohmann::json::parse(kScript), "Smile Dental");
    ASSERT_TRUE(script) << script.error().Describe();
    auto engine = std::make_shared<ConversationEngine>(
        std::make_shared<const ConversationScript>(*script),
        LineFields{{"first_name", "Ada"}, {"business", "Smile Dental"}});
    Expected<std::shared_ptr<VoicePipeline>> pipeline = VoicePipeline::Create(
        CallSession{.call_id = CallId{"c1"}, .voice_id = "en-us"}, std::move(config),
        VoiceProviders{.speech_to_text = Borrow<SpeechToText>(stt_),
                       .text_to_speech = Borrow<TextToSpeech>(tts_),
                       .voice_activity = vad_,
                       .language_model = model_failures > 0
                                             ? std::make_shared<FlakyModel>(engine, model_failures)
                                             : std::shared_ptr<LanguageModel>(engine),
                       .reply_grammar = engine,
                       .recorder = record_},
        gateway_, observer_, clock_);
    ASSERT_TRUE(pipeline) << pipeline.error().Describe();
    pipeline_ = *pipeline;
    pipeline_->Start();
    gateway_->RunTasks();
  }

  // One 20 ms step of the call: the caller's frame in, the agent's frame out (if due).
  void Step(bool caller_speaks) {
    Step(Samples(kFrame, caller_speaks ? std::int16_t{800} : std::int16_t{0}));
  }
  void Step(const Samples& frame) {
    clock_.Advance(std::chrono::milliseconds(20));
    pipeline_->OnAudio(frame);
    gateway_->RunTasks();
    Samples out;
    if (pipeline_->NextFrame(out)) {
      EXPECT_EQ(out.size(), kFrame);
      ++agent_frames_;
    }
    gateway_->RunTasks();
  }
  void Run(std::chrono::milliseconds span, bool caller_speaks) {
    for (int i = 0; i < span / kFrameDuration; ++i) Step(caller_speaks);
  }
  // The caller speaks for `speech`, then is silent long enough for the turn to end.
  void Say(std::string heard, std::chrono::milliseconds speech = std::chrono::milliseconds(400)) {
    stt_.replies.push_back(std::move(heard));
    Run(speech, true);
    Run(std::chrono::milliseconds(520), false);
  }
  std::vector<std::string> History() const {
    std::vector<std::string> lines;
    for (const Message& m : pipeline_->session().conversation_history) {
      lines.push_back(std::string(m.role == MessageRole::kUser ? "caller: " : "agent: ") +
                      m.content);
    }
    return lines;
  }

  ManualClock clock_{kStart};
  LoudnessDetection vad_;
  ScriptedRecognition stt_;
  ToneSpeech tts_;
  std::shared_ptr<CountingObserver> observer_;
  std::shared_ptr<RecordingGateway> gateway_;
  std::shared_ptr<VoicePipeline> pipeline_;
  std::shared_ptr<KeptRecord> record_ = std::make_shared<KeptRecord>();
  int agent_frames_ = 0;
};

const char kGreeting[] =
    "Hello Ada! This is Smile Dental about your appointment. Is now a good time to talk?";
const char kConfirm[] =
    "Great. Your appointment is tomorrow at ten in the morning. Will you be able to make it?";

TEST_F(VoicePipelineTest, GreetsSentenceBySentenceThenListensWithTheGrammar) {
  EXPECT_EQ(tts_.texts,
            (std::vector<std::string>{"Hello Ada!", "This is Smile Dental about your appointment.",
                                      "Is now a good time to talk?"}));
  gateway_->RunTasks();
  EXPECT_GE(gateway_->audio_ready, 1);  // the first audio asks to go out now, not at the next tick
  Run(std::chrono::seconds(3), false);
  // 2 + 7 + 7 words at 100 ms each: 80 frames of 20 ms.
  EXPECT_EQ(agent_frames_, 80);
  EXPECT_EQ(pipeline_->session().state, CallState::kListening);
  EXPECT_EQ(History(), (std::vector<std::string>{std::string("agent: ") + kGreeting}));
  EXPECT_EQ(gateway_->markers, (std::vector<int>{1}));
  // The greeting's intents, the questions and the opt-out phrases.
  for (const char* phrase : {"yes", "yes please", "not now", "who is this", "stop calling me"}) {
    EXPECT_NE(std::ranges::find(stt_.expected, phrase), stt_.expected.end()) << phrase;
  }
  EXPECT_EQ(pipeline_->session().conversation_state, "greeting");
}

// A provider that streams a turn into one synthesis (Cartesia) joins sentences by their turn_id
// and ends it at the one marked last.
TEST_F(VoicePipelineTest, TheSentencesOfATurnShareItsIdAndTheLastIsMarkedLast) {
  Run(std::chrono::seconds(2), false);
  Say("yes");
  Run(std::chrono::seconds(2), false);
  std::vector<std::pair<std::string, bool>> asked;  // turn id, last of turn
  for (const SynthesisRequest& request : tts_.requests) {
    asked.emplace_back(request.turn_id, request.last_of_turn);
  }
  ASSERT_EQ(asked.size(), 6U);  // the greeting's three sentences, then the answer's three
  EXPECT_FALSE(asked[0].first.empty());
  EXPECT_EQ(asked[0].first.rfind("c1-", 0), 0U) << asked[0].first;  // the call's
  EXPECT_NE(asked[0].first, asked[3].first);
  for (std::size_t i = 0; i < asked.size(); ++i) {
    EXPECT_EQ(asked[i].first, asked[i < 3 ? 0 : 3].first) << i;
    EXPECT_EQ(asked[i].second, i == 2 || i == 5) << i;
  }
}

TEST_F(VoicePipelineTest, AnswersTheCallersTurnAndMeasuresEachPart) {
  Run(std::chrono::seconds(2), false);
  Say("yes");
  EXPECT_EQ(stt_.finalized, 1);
  Run(std::chrono::seconds(2), false);  // the answer plays; it is history once played
  EXPECT_EQ(History(), (std::vector<std::string>{std::string("agent: ") + kGreeting, "caller: yes",
                                                 std::string("agent: ") + kConfirm}));
  std::vector<std::string> components;
  for (const LatencyMetric& m : pipeline_->session().latency_measurements) {
    if (m.turn_id == 1) components.push_back(m.component);
  }
  EXPECT_EQ(components, (std::vector<std::string>{"stt", "llm", "tts", "total"}));
  // The total runs from the last speech frame: the endpointing silence, 500 ms; the providers
  // here take no time.
  const LatencyMetric& total = pipeline_->session().latency_measurements.back();
  EXPECT_EQ(total.component, "total");
  EXPECT_DOUBLE_EQ(total.latency_ms, 500);
  EXPECT_EQ(observer_->latencies.size(), pipeline_->session().latency_measurements.size());
}

TEST_F(VoicePipelineTest, CallerSpeechOverTheAgentCutsItOffAndIsAnswered) {
  Run(std::chrono::milliseconds(600), false);  // the agent is mid-greeting
  ASSERT_EQ(pipeline_->session().state, CallState::kSpeaking);
  stt_.replies.push_back("who is this");
  Run(std::chrono::milliseconds(200), true);
  EXPECT_EQ(gateway_->clears, 1);
  EXPECT_EQ(observer_->barge_ins, 1);
  EXPECT_EQ(pipeline_->session().state, CallState::kListening);
  // What was played: 39 frames were sent (the cut comes at the caller's tenth speech frame), less
  // the 40 ms the far side may still hold: 740 ms, "Hello Ada!" (200 ms) and 540 ms of the 700 of
  // the next sentence, whose words are cut in that proportion.
  ASSERT_EQ(History().size(), 1u);
  EXPECT_EQ(History()[0], "agent: Hello Ada! This is Smile Dental about...");
  const int frames_before = agent_frames_;
  Run(std::chrono::milliseconds(520), false);  // the caller's turn ends
  Run(std::chrono::seconds(2), false);
  EXPECT_EQ(History()[1], "caller: who is this");
  EXPECT_EQ(History().back(),
            "agent: This is the reminder service of your dental practice. Is "
            "now a good time to talk?");
  EXPECT_GT(agent_frames_, frames_before);
}

TEST_F(VoicePipelineTest, ANoiseShorterThanTheBargeInMinimumDoesNotInterrupt) {
  Run(std::chrono::milliseconds(400), false);
  stt_.replies.push_back("no");
  Run(std::chrono::milliseconds(100), true);
  Run(std::chrono::seconds(3), false);
  EXPECT_EQ(gateway_->clears, 0);
  EXPECT_EQ(agent_frames_, 80);  // the whole greeting
  EXPECT_EQ(History(), (std::vector<std::string>{std::string("agent: ") + kGreeting}));
}

TEST_F(VoicePipelineTest, SpeechThatMatchesNothingGetsARepeatRequestAndNoTransition) {
  Run(std::chrono::seconds(2), false);
  Say("");
  EXPECT_EQ(tts_.texts.back(), "Sorry, could you repeat that?");
  EXPECT_EQ(observer_->not_understood, 1);
  Run(std::chrono::seconds(1), false);
  Say("yes");
  Run(std::chrono::seconds(2), false);
  EXPECT_EQ(History(), (std::vector<std::string>{std::string("agent: ") + kGreeting, "caller: yes",
                                                 std::string("agent: ") + kConfirm}));
}

TEST_F(VoicePipelineTest, AnExpectedPhraseHeardInSpeechFarTooLongForItIsNotUnderstood) {
  Run(std::chrono::seconds(2), false);
  // "yes" is one word: at most 400 ms a word and 400 ms of slack; 1.5 s of speech is something
  // else that the grammar forced onto "yes".
  Say("yes", std::chrono::milliseconds(1500));
  EXPECT_EQ(tts_.texts.back(), "Sorry, could you repeat that?");
  Run(std::chrono::seconds(1), false);
  Say("yes", std::chrono::milliseconds(700));
  Run(std::chrono::seconds(2), false);
  EXPECT_EQ(History().back(), std::string("agent: ") + kConfirm);
}

TEST_F(VoicePipelineTest, SilenceGetsReprompts_ThenTheGoodbyeHangsUp) {
  Run(std::chrono::seconds(2), false);  // greeting played
  Run(std::chrono::seconds(6), false);
  EXPECT_EQ(tts_.texts.back(), "Are you still there?");
  Run(std::chrono::seconds(7), false);
  EXPECT_EQ(tts_.texts.back(), "Are you still there?");
  EXPECT_EQ(std::ranges::count(tts_.texts, std::string("Are you still there?")), 2);
  // The goodbye comes 6 s after the second re-prompt (4 words) has played.
  Run(std::chrono::milliseconds(5340), false);
  EXPECT_EQ(tts_.texts.back(), "Are you still there?");
  Step(false);
  EXPECT_EQ(tts_.texts.back(), "It seems this is not a good time. Goodbye.");
  Run(std::chrono::milliseconds(900), false);  // 9 words
  EXPECT_EQ(pipeline_->session().state, CallState::kEnding);
  EXPECT_TRUE(gateway_->hangups.empty());  // not before the far side says it has played
  pipeline_->OnPlayed(gateway_->markers.back());
  EXPECT_EQ(gateway_->hangups, (std::vector<std::string>{"goodbye said"}));
  pipeline_->OnClosed("hangup");
  EXPECT_EQ(pipeline_->session().state, CallState::kEnded);
}

TEST_F(VoicePipelineTest, TheScriptsGoodbyeEndsTheCallOnceItHasPlayed) {
  Run(std::chrono::seconds(2), false);
  Say("yes");
  Run(std::chrono::seconds(2), false);
  Say("yes i will");
  Run(std::chrono::milliseconds(600), false);  // 6 words
  EXPECT_EQ(History().back(), "agent: Thank you. See you tomorrow. Goodbye.");
  EXPECT_EQ(pipeline_->session().state, CallState::kEnding);
  EXPECT_EQ(pipeline_->session().conversation_state, "confirmed");
  EXPECT_EQ(record_->verdicts, (std::vector<CallOutcome>{CallOutcome::kGoalAchieved}));
  EXPECT_TRUE(gateway_->hangups.empty());
  // No word from the far side that it played: the call ends anyway, the lead and half a second on.
  Run(std::chrono::milliseconds(540), false);
  EXPECT_EQ(gateway_->hangups, (std::vector<std::string>{"goodbye said"}));
}

TEST_F(VoicePipelineTest, EveryTurnIsKeptWithItsTimesAndLatencies) {
  Run(std::chrono::seconds(2), false);
  Say("yes");
  Run(std::chrono::seconds(2), false);
  Say("no");
  Run(std::chrono::seconds(2), false);
  const std::vector<ConversationTurn>& turns = record_->turns;
  ASSERT_EQ(turns.size(), 5u);
  std::vector<std::string> said;
  for (std::size_t i = 0; i < turns.size(); ++i) {
    EXPECT_EQ(turns[i].turn_index, static_cast<int>(i));
    EXPECT_EQ(turns[i].call_id, CallId{"c1"});
    said.push_back(std::string(turns[i].role == MessageRole::kUser ? "caller: " : "agent: ") +
                   turns[i].text);
    if (i > 0) {
      EXPECT_GT(turns[i].at, turns[i - 1].at);
    }
  }
  EXPECT_EQ(said,
            (std::vector<std::string>{std::string("agent: ") + kGreeting, "caller: yes",
                                      std::string("agent: ") + kConfirm, "caller: no",
                                      "agent: No problem. We will call another time. Goodbye."}));
  // The greeting starts with the call; the caller's turn at its first speech (the pre-roll
  // included); the agent's when its first audio went out.
  EXPECT_EQ(turns[0].at, kStart + std::chrono::milliseconds(20));
  EXPECT_TRUE(turns[1].stt_latency_ms.has_value());
  EXPECT_FALSE(turns[1].llm_latency_ms.has_value());
  EXPECT_TRUE(turns[2].llm_latency_ms.has_value());
  EXPECT_TRUE(turns[2].tts_latency_ms.has_value());
  EXPECT_EQ(record_->verdicts, (std::vector<CallOutcome>{CallOutcome::kGoalNotAchieved}));
  EXPECT_EQ(pipeline_->session().conversation_state, "later");
}

TEST_F(VoicePipelineTest, AskingNotToBeCalledListsTheNumberConfirmsAndHangsUp) {
  Run(std::chrono::seconds(2), false);
  Say("stop calling me", std::chrono::milliseconds(800));
  EXPECT_EQ(record_->opt_outs, 1);
  EXPECT_TRUE(record_->verdicts.empty());  // the opt-out itself is the verdict (do_not_call)
  Run(std::chrono::seconds(1), false);
  ASSERT_GE(tts_.texts.size(), 2u);  // the model's reply, sentence by sentence
  EXPECT_EQ(tts_.texts[tts_.texts.size() - 2], "You will not be called again.");
  EXPECT_EQ(tts_.texts.back(), "Goodbye.");
  EXPECT_EQ(pipeline_->session().conversation_state, kOptedOutState);
  pipeline_->OnPlayed(gateway_->markers.back());
  EXPECT_EQ(gateway_->hangups, (std::vector<std::string>{"opted out by voice"}));
}

TEST_F(VoicePipelineTest, AVoiceOptOutThatCannotBeListedIsNotConfirmed) {
  record_->opt_out_result = std::unexpected(Error::Unavailable("the store is down"));
  Run(std::chrono::seconds(2), false);
  Say("remove me from your list", std::chrono::milliseconds(900));
  Run(std::chrono::seconds(1), false);
  EXPECT_EQ(record_->opt_outs, 1);
  EXPECT_EQ(std::ranges::count(tts_.texts, std::string("You will not be called again.")), 0);
  EXPECT_EQ(tts_.texts.back(), "Sorry, we could not take your request now. Goodbye.");
  Run(std::chrono::seconds(2), false);
  EXPECT_EQ(gateway_->hangups, (std::vector<std::string>{"opt-out failed"}));
}

TEST_F(VoicePipelineTest, TheCallLengthLimitCutsInWithAGoodbye) {
  VoicePipelineConfig config;
  config.max_call_length = std::chrono::seconds(30);
  config.turn_taking.silence_reprompt = std::chrono::seconds(60);  // no goodbye for silence first
  Open(config);
  Run(std::chrono::seconds(2), false);
  Say("who is this");
  Run(std::chrono::milliseconds(27'000), false);  // re-prompts; under the limit
  EXPECT_NE(tts_.texts.back(), config.time_up_line);
  Run(std::chrono::seconds(1), false);
  EXPECT_EQ(tts_.texts.back(), config.time_up_line);
  Run(std::chrono::seconds(2), false);
  EXPECT_EQ(gateway_->hangups, (std::vector<std::string>{"call length limit"}));
}

// An answering machine: its greeting talks on for 3.5 s of speech. The verdict is voicemail, the
// agent stops at once, and (without a message) hangs up.
TEST_F(VoicePipelineTest, AnAnsweringMachineIsHungUpOnWithTheVerdictVoicemail) {
  Run(std::chrono::milliseconds(3400), true);
  EXPECT_TRUE(gateway_->hangups.empty());
  Run(std::chrono::milliseconds(200), true);
  EXPECT_EQ(record_->verdicts, std::vector<CallOutcome>{CallOutcome::kVoicemail});
  EXPECT_EQ(gateway_->hangups, std::vector<std::string>{"answering machine"});
}

// The campaign's voicemail message, for the tests of answering machines.
constexpr char kVoicemailMessage[] = "Hello Ada, this is Smile Dental. Please call us back.";

// With the campaign's message: the agent waits for the beep (a 1 kHz tone), then leaves it.
TEST_F(VoicePipelineTest, TheVoicemailMessageIsLeftAfterTheBeep) {
  VoicePipelineConfig config;
  config.voicemail_message = kVoicemailMessage;
  Open(config);
  Run(std::chrono::milliseconds(3600), true);  // the greeting, long enough for a verdict
  EXPECT_EQ(record_->verdicts, std::vector<CallOutcome>{CallOutcome::kVoicemail});
  EXPECT_GE(gateway_->clears, 1);  // the agent's greeting stopped
  const std::size_t said_before = tts_.texts.size();
  Run(std::chrono::milliseconds(600), true);  // the greeting goes on: no message yet
  EXPECT_EQ(tts_.texts.size(), said_before);
  Samples beep(kFrame);
  for (std::size_t i = 0; i < 8; ++i) {
    for (std::size_t n = 0; n < kFrame; ++n) {
      const double t = static_cast<double>(i * kFrame + n) / kRate;
      beep[n] = static_cast<std::int16_t>(8000 * std::sin(2 * std::numbers::pi * 1000 * t));
    }
    Step(beep);
  }
  ASSERT_GT(tts_.texts.size(), said_before);
  EXPECT_EQ(tts_.texts.back(), kVoicemailMessage);
  Run(std::chrono::seconds(2), false);  // played, then hung up
  EXPECT_EQ(gateway_->hangups, std::vector<std::string>{"voicemail left after the beep"});
}

// The provider's machine detection (Vonage's `machine` event) comes before ours could decide
// (3.5 s of greeting): the agent stops at the next frame with the verdict voicemail.
TEST_F(VoicePipelineTest, TheProvidersMachineVerdictStopsTheAgentAtOnce) {
  Run(std::chrono::milliseconds(1000), true);
  EXPECT_TRUE(record_->verdicts.empty());
  pipeline_->OnProviderMachineDetection({.verdict = AnswerKind::kMachine});
  Step(true);
  EXPECT_EQ(record_->verdicts, std::vector<CallOutcome>{CallOutcome::kVoicemail});
  EXPECT_EQ(gateway_->hangups, std::vector<std::string>{"answering machine"});
}

// Vonage's `beep_start`: the message is left at once, though the greeting's audio gave no beep
// and has not gone quiet.
TEST_F(VoicePipelineTest, TheProvidersBeepLeavesTheMessageAtOnce) {
  VoicePipelineConfig config;
  config.voicemail_message = kVoicemailMessage;
  Open(config);
  Run(std::chrono::milliseconds(1000), true);
  pipeline_->OnProviderMachineDetection({.verdict = AnswerKind::kMachine});
  Run(std::chrono::milliseconds(600), true);  // the greeting goes on: no message yet
  EXPECT_EQ(record_->verdicts, std::vector<CallOutcome>{CallOutcome::kVoicemail});
  EXPECT_NE(tts_.texts.back(), *config.voicemail_message);
  pipeline_->OnProviderMachineDetection({.verdict = AnswerKind::kMachine, .beep = true});
  Step(true);
  EXPECT_EQ(tts_.texts.back(), *config.voicemail_message);
  Run(std::chrono::seconds(2), false);
  EXPECT_EQ(gateway_->hangups, std::vector<std::string>{"voicemail left after the beep"});
}

// The provider heard a person: a long first answer is not taken for a machine's greeting.
TEST_F(VoicePipelineTest, TheProvidersHumanVerdictOverridesALongAnswer) {
  pipeline_->OnProviderMachineDetection({.verdict = AnswerKind::kHuman});
  Run(std::chrono::milliseconds(5000), true);
  EXPECT_TRUE(record_->verdicts.empty());
  EXPECT_TRUE(gateway_->hangups.empty());
}

// The model fails once: the caller hears "Sorry, one moment." and then the greeting, from the
// model asked again.
TEST_F(VoicePipelineTest, AModelThatFailsOnceIsBridgedAndAskedAgain) {
  VoicePipelineConfig config;
  const std::size_t before = tts_.texts.size();  // the fixture's own call greeted already
  Open(config, 1);
  Run(std::chrono::seconds(3), false);
  ASSERT_GE(tts_.texts.size(), before + 2);
  EXPECT_EQ(tts_.texts[before], config.one_moment_line);
  EXPECT_EQ(tts_.texts[before + 1], "Hello Ada!");
  EXPECT_EQ(observer_->usages,
            (std::vector<TokenUsage>{{.prompt_tokens = 40, .completion_tokens = 9}}));
  // The greeting's record carries what the model's server counted for it.
  const auto greeting = std::find_if(
      record_->turns.rbegin(), record_->turns.rend(),
      [](const ConversationTurn& turn) { return turn.text.starts_with("Hello Ada!"); });
  ASSERT_NE(greeting, record_->turns.rend());
  EXPECT_EQ(greeting->prompt_tokens, 40);
  EXPECT_EQ(greeting->completion_tokens, 9);
  EXPECT_TRUE(record_->verdicts.empty());
  EXPECT_TRUE(gateway_->hangups.empty());
}

// It fails again: a polite goodbye, the verdict failed with the model's error, and the call ends.
TEST_F(VoicePipelineTest, AModelThatFailsTwiceEndsTheCallPolitelyAsFailed) {
  VoicePipelineConfig config;
  const std::size_t before = tts_.texts.size();
  Open(config, 2);
  Run(std::chrono::seconds(12), false);
  EXPECT_EQ(std::vector<std::string>(tts_.texts.begin() + static_cast<std::ptrdiff_t>(before),
                                     tts_.texts.end()),
            (std::vector<std::string>{config.one_moment_line, config.trouble_line}));
  EXPECT_EQ(record_->verdicts, std::vector<CallOutcome>{CallOutcome::kFailed});
  EXPECT_EQ(record_->errors,
            std::vector<std::string>{"the language model failed: api.groq.com answered 503"});
  EXPECT_EQ(gateway_->hangups, std::vector<std::string>{"language model failed"});
}

// The recognizer gives up (its provider is gone for good): the call cannot hear, so it ends
// politely as failed, with the provider's error.
TEST_F(VoicePipelineTest, RecognitionThatFailsEndsTheCallPolitelyAsFailed) {
  VoicePipelineConfig config;
  Run(std::chrono::seconds(3), false);  // the greeting
  stt_.fail_with = Error::Unavailable("Deepgram closed the connection with code 1011");
  const std::size_t before = tts_.texts.size();
  Run(std::chrono::milliseconds(800), true);
  Run(std::chrono::seconds(4), false);
  EXPECT_EQ(std::vector<std::string>(tts_.texts.begin() + static_cast<std::ptrdiff_t>(before),
                                     tts_.texts.end()),
            std::vector<std::string>{config.trouble_line});
  EXPECT_EQ(record_->verdicts, std::vector<CallOutcome>{CallOutcome::kFailed});
  EXPECT_EQ(record_->errors,
            std::vector<std::string>{
                "speech recognition failed: Deepgram closed the connection with code 1011"});
  EXPECT_EQ(gateway_->hangups, std::vector<std::string>{"speech recognition failed"});
}

TEST_F(VoicePipelineTest, DtmfReachesTheSession) {
  pipeline_->OnDtmf('4', std::chrono::milliseconds(100));
  pipeline_->OnDtmf('#', std::chrono::milliseconds(100));
  EXPECT_EQ(pipeline_->session().dtmf_digits, "4#");
}

TEST_F(VoicePipelineTest, TheOptOutKeyListsTheNumberSaysSoAndHangsUpWhateverIsSaid) {
  Run(std::chrono::milliseconds(600), false);  // during the greeting
  pipeline_->OnDtmf('9', std::chrono::milliseconds(100));
  pipeline_->OnDtmf('9', std::chrono::milliseconds(100));  // pressed again: listed once
  gateway_->RunTasks();
  EXPECT_EQ(record_->opt_outs, 1);
  EXPECT_EQ(tts_.texts.back(), "You will not be called again. Goodbye.");
  // The callee talks over the goodbye: it is neither cut off nor answered.
  stt_.replies.push_back("yes");
  Run(std::chrono::milliseconds(400), true);
  Run(std::chrono::milliseconds(900), false);
  EXPECT_EQ(gateway_->clears, 1);  // the greeting's rest, dropped at the key press; no more
  Run(std::chrono::milliseconds(600), false);
  EXPECT_EQ(stt_.finalized, 1);  // heard, and not answered
  EXPECT_EQ(tts_.texts.back(), "You will not be called again. Goodbye.");
  EXPECT_EQ(gateway_->hangups, (std::vector<std::string>{"opted out by key press"}));
  EXPECT_EQ(pipeline_->session().end_reason, "opted out by key press");
}

TEST_F(VoicePipelineTest, AnOptOutThatCannotBeListedIsNotConfirmedToTheCallee) {
  record_->opt_out_result = std::unexpected(Error::Unavailable("the store is down"));
  pipeline_->OnDtmf('9', std::chrono::milliseconds(100));
  gateway_->RunTasks();
  EXPECT_EQ(record_->opt_outs, 1);
  EXPECT_EQ(tts_.texts.back(), "Sorry, we could not take your request now. Goodbye.");
  Run(std::chrono::seconds(2), false);
  EXPECT_EQ(gateway_->hangups, (std::vector<std::string>{"opt-out failed"}));
}

TEST_F(VoicePipelineTest, AClosedConnectionEndsTheSessionAndSilencesTheAgent) {
  Run(std::chrono::milliseconds(200), false);
  pipeline_->OnClosed("peer_closed");
  EXPECT_EQ(pipeline_->session().state, CallState::kEnded);
  EXPECT_EQ(pipeline_->session().end_reason, "peer_closed");
  Samples out;
  EXPECT_FALSE(pipeline_->NextFrame(out));
  EXPECT_EQ(observer_->states.back(), CallState::kEnded);
}

}  // namespace
}  // namespace talky
