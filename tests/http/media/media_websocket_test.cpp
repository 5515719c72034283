// Answered calls talk, through the real socket: `talky serve`'s routes (TalkyServer on the
// embedded store) with a simulated callee speaking Vonage's media protocol. The callee's replies
// are synthesized by the espeak-ng command line (another voice and speed than the agent's); what
// the agent says is recognized with pocketsphinx against the script's lines and timed.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "app/offline_voice.h"
#include "app/talky_server.h"
#include "harness/scratch_store.h"
#include "http/api/api_auth.h"
#include "net/base64.h"
#include "net/http_client.h"
#include "net/scripted_stream_server.h"
#include "net/scripted_websocket_server.h"
#include "net/tls_test_server.h"
#include "queue/local/local_job_queue.h"
#include "simulated_callee.h"
#include "speech_fixtures.h"
#include "voice/providers/pocketsphinx_speech_to_text.h"

namespace talky {
namespace {

using namespace std::chrono;
using testing::SimulatedCallee;

// The default appointment script's lines (voice/campaign_script.cpp, the tenant "Smile Dental")
// as the callee's recognizer expects them.
const std::string kGreeting =
    "hello ada this is smile dental calling about your upcoming appointment is now a good time to "
    "talk";
const std::string kConfirm = "great will you be able to make it to your appointment";
const std::string kConfirmed = "thank you we look forward to seeing you goodbye";
const std::string kRepeat = "sorry could you repeat that";
const std::string kOptOutConfirmation = "you will not be called again goodbye";
// The campaign's voicemail message (calling_config.voicemail), for Ada.
const std::string kVoicemailMessage = "hello ada this is smile dental please call us back";
// What the fake cloud model says, for a campaign whose language model is it.
const std::string kCloudGreeting = "hello ada this is smile dental calling from the cloud";
const std::vector<std::string> kAgentLines = {
    kGreeting,           kConfirm,          kRepeat,       kConfirmed,
    kOptOutConfirmation, kVoicemailMessage, kCloudGreeting};
constexpr char kCloudKeyName[] = "TEST_LLM_KEY";
constexpr char kCloudKey[] = "sk-test-9f8e7d6c5b4a";
constexpr char kDeepgramKey[] = "dg-test-4b3a2c1d";
constexpr char kCartesiaKey[] = "sk_car_test_8e7f6a";

// Which of the script's lines the agent said in `audio` (one utterance): the agent says nothing
// else, so the recognizer picks the closest line (RecognizeOneOf, warmed on another agent line).
std::string RecognizeAgent(const Samples& audio, int sample_rate,
                           const std::vector<std::string>& lines = kAgentLines) {
  static const Samples warm_up = testing::Synthesize(
      *AcquireOfflineVoice()->text_to_speech, "Great. Will you be able to make it?", kWidebandRate);
  return testing::RecognizeOneOf(audio, sample_rate, lines, warm_up);
}

// The agent's turns as heard: runs of frames with no gap of more than 400 ms between them.
std::vector<Samples> Turns(const SimulatedCallee::Heard& heard, int sample_rate) {
  std::vector<Samples> turns;
  const std::size_t frame = SamplesPerFrame(sample_rate);
  for (std::size_t i = 0; i < heard.arrivals.size(); ++i) {
    if (i == 0 || heard.arrivals[i] - heard.arrivals[i - 1] > milliseconds(400))
      turns.emplace_back();
    const auto begin = heard.audio.begin() + static_cast<std::ptrdiff_t>(i * frame);
    turns.back().insert(turns.back().end(), begin, begin + static_cast<std::ptrdiff_t>(frame));
  }
  return turns;
}

// When the first frame of the last of `turns` (Turns(heard)) arrived.
SimulatedCallee::TimePoint LastTurnStart(const SimulatedCallee::Heard& heard,
                                         const std::vector<Samples>& turns, int sample_rate) {
  const std::size_t frames = turns.back().size() / SamplesPerFrame(sample_rate);
  return heard.arrivals[heard.arrivals.size() - frames];
}

class MediaWebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::debug);  // what the pipeline heard, when a test fails
    auto scratch = talky::testing::ScratchStore::Create("media", clock_, ids_);
    ASSERT_TRUE(scratch) << scratch.error().Describe();
    scratch_ = std::move(*scratch);
    Store& store = scratch_->store();
    ASSERT_TRUE(store.CreateTenant(
        {.id = tenant_, .name = "Smile Dental", .api_key_hash = HashApiKey("key-t1")}));
    ASSERT_TRUE(store.CreateTenant(
        {.id = TenantId{"t2"}, .name = "Other", .api_key_hash = HashApiKey("key-t2")}));
    ASSERT_TRUE(store.CreateCampaign({.id = campaign_,
                                      .tenant_id = tenant_,
                                      .name = "Reminders",
                                      .system_prompt = "Remind the patient.",
                                      .voice_id = "en-us",
                                      .created_at = clock_.Now(),
                                      .calling_config = {{"voicemail",
                                                          {{"action", "leave_message"},
                                                           {"message",
                                                            "Hello {first_name} this is Smile "
                                                            "Dental please call us back."}}},
                                                         {"record_calls", true}}}));
    const std::filesystem::path secrets_file = scratch_->folder() / "secrets.env";
    std::ofstream(secrets_file) << "# the cloud providers' keys\n"
                                << kCloudKeyName << "=" << kCloudKey << "\n"
                                << "TEST_DEEPGRAM_KEY=" << kDeepgramKey << "\n"
                                << "TEST_CARTESIA_KEY=" << kCartesiaKey << "\n";
    Expected<Secrets> secrets = Secrets::FromFile(secrets_file.string());
    ASSERT_TRUE(secrets) << secrets.error().Describe();
    server_ = std::make_unique<TalkyServer>(
        store, queue_, clock_, ids_,
        TalkyServerOptions{.admin_key = "admin",
                           .secrets = std::move(*secrets),
                           .extra_ca_pem = certificate_.certificate_pem});
    Expected<int> port = server_->Start();
    ASSERT_TRUE(port) << port.error().Describe();
    port_ = *port;
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  // An answered call to a new lead named Ada, in `campaign` (default: the fixture's); its id.
  CallId AnsweredCall(const std::string& suffix, std::optional<CampaignId> in = std::nullopt) {
    const CampaignId campaign = in.value_or(campaign_);
    Store& store = scratch_->store();
    const std::string number = "+1212555" + std::string(4 - suffix.size(), '0') + suffix;
    EXPECT_TRUE(store.ImportLeads(
        tenant_, campaign, std::vector<Lead>{{.phone_number = number, .first_name = "Ada"}}));
    Expected<std::vector<DialerJob>> jobs =
        store.CreateCampaignJobs(tenant_, campaign, clock_.Now());
    EXPECT_TRUE(jobs && !jobs->empty());
    const DialerJob& job = jobs->back();
    const CallId call{"call-" + suffix};
    EXPECT_TRUE(store.RecordCall({.id = call,
                                  .tenant_id = tenant_,
                                  .campaign_id = campaign,
                                  .lead_id = job.lead_id,
                                  .job_id = job.job_id,
                                  .provider_call_id = "vonage-" + suffix,
                                  .to_number = number,
                                  .created_at = clock_.Now()}));
    return call;
  }

  std::unique_ptr<SimulatedCallee> Callee(const CallId& call, int rate = kWidebandRate,
                                          std::string first_message = "") {
    auto callee = SimulatedCallee::Connect({.port = port_,
                                            .call_id = call.value,
                                            .sample_rate = rate,
                                            .first_message = std::move(first_message)});
    EXPECT_TRUE(callee) << callee.error().Describe();
    return callee ? std::move(*callee) : nullptr;
  }

  // Waits until the agent has finished `turns` turns (a turn is over when no frame came for
  // 600 ms), or `timeout`.
  static bool WaitForTurns(SimulatedCallee& callee, std::size_t turns, int rate,
                           milliseconds timeout = milliseconds(20'000)) {
    const auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
      const SimulatedCallee::Heard heard = callee.Snapshot();
      if (Turns(heard, rate).size() >= turns && !heard.arrivals.empty() &&
          steady_clock::now() - heard.arrivals.back() > milliseconds(600)) {
        return true;
      }
      callee.WaitFor([](const auto&) { return false; }, milliseconds(100));
    }
    return false;
  }

  nlohmann::json Session(const CallId& call, const std::string& key = "key-t1") {
    Expected<HttpClientResponse> response =
        client_.Send({.url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/calls/" +
                             call.value + "/session",
                      .headers = {{"Authorization", "Bearer " + key}}});
    EXPECT_TRUE(response);
    if (!response) return {};
    nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
    body["http_status"] = response->status;
    return body;
  }

  static std::vector<std::string> CallerTurns(const nlohmann::json& session) {
    std::vector<std::string> said;
    for (const auto& message : session["conversation_history"]) {
      if (message["role"] == "user") said.push_back(message["content"]);
    }
    return said;
  }

  // The fake cloud providers' certificate, trusted by the server as a private CA would be.
  const talky::testing::SelfSignedCertificate certificate_ =
      talky::testing::MakeSelfSignedCertificate("IP:127.0.0.1");
  ManualClock clock_{sys_days{2026y / 12 / 2} + 15h};
  RandomIdGenerator ids_{11};
  std::unique_ptr<talky::testing::ScratchStore> scratch_;
  LocalJobQueue queue_{clock_};
  std::unique_ptr<TalkyServer> server_;
  int port_ = 0;
  HttpClient client_;
  const TenantId tenant_{"t1"};
  const CampaignId campaign_{"k1"};
};

// A stereo recording's channels (the header as StereoWav writes it: 44 bytes, 16-bit PCM).
std::pair<Samples, Samples> StereoChannels(const std::string& wav) {
  Samples left, right;
  for (std::size_t at = 44; at + 4 <= wav.size(); at += 4) {
    left.push_back(static_cast<std::int16_t>(static_cast<unsigned char>(wav[at]) |
                                             (static_cast<unsigned char>(wav[at + 1]) << 8)));
    right.push_back(static_cast<std::int16_t>(static_cast<unsigned char>(wav[at + 2]) |
                                              (static_cast<unsigned char>(wav[at + 3]) << 8)));
  }
  return {left, right};
}

// Where a track holds sound: [first, last) sample of each run of 20 ms frames louder than
// silence, runs closer than 400 ms joined.
std::vector<std::pair<std::size_t, std::size_t>> SoundRuns(const Samples& track, int rate) {
  const std::size_t frame = SamplesPerFrame(rate);
  const std::size_t gap = 20 * frame;
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t at = 0; at + frame <= track.size(); at += frame) {
    const bool loud = std::any_of(track.begin() + static_cast<std::ptrdiff_t>(at),
                                  track.begin() + static_cast<std::ptrdiff_t>(at + frame),
                                  [](std::int16_t s) { return s > 300 || s < -300; });
    if (!loud) continue;
    if (!runs.empty() && at - runs.back().second <= gap) {
      runs.back().second = at + frame;
    } else {
      runs.emplace_back(at, at + frame);
    }
  }
  return runs;
}

Samples Slice(const Samples& track, std::pair<std::size_t, std::size_t> run) {
  return Samples(track.begin() + static_cast<std::ptrdiff_t>(run.first),
                 track.begin() + static_cast<std::ptrdiff_t>(run.second));
}

// Frames of exactly 20 ms, never sent further ahead of real time than the 100 ms lead (plus
// scheduling slack), and on average at real time.
void ExpectPaced(const SimulatedCallee::Heard& heard, std::size_t frame_bytes) {
  ASSERT_FALSE(heard.arrivals.empty());
  EXPECT_TRUE(std::ranges::all_of(heard.sizes, [&](std::size_t s) { return s == frame_bytes; }));
  std::size_t burst_start = 0;
  for (std::size_t i = 0; i < heard.arrivals.size(); ++i) {
    if (i > 0 && heard.arrivals[i] - heard.arrivals[i - 1] > milliseconds(400)) burst_start = i;
    const auto since = heard.arrivals[i] - heard.arrivals[burst_start];
    const auto audio_before = (i - burst_start) * kFrameDuration;
    ASSERT_LE(audio_before, since + milliseconds(100 + 40)) << "frame " << i << " came early";
  }
}

TEST_F(MediaWebSocketTest, TheAgentGreetsHearsTheReplyAndAnswers_16kHz) {
  const CallId call = AnsweredCall("0001");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(WaitForTurns(*callee, 1, kWidebandRate));
  SimulatedCallee::Heard heard = callee->Snapshot();
  EXPECT_EQ(RecognizeAgent(Turns(heard, kWidebandRate)[0], kWidebandRate), kGreeting);

  callee->Say(testing::SpeakWithCommandLine("yes", "en-gb", 140, kWidebandRate));
  ASSERT_TRUE(WaitForTurns(*callee, 2, kWidebandRate));
  heard = callee->Snapshot();
  EXPECT_EQ(RecognizeAgent(Turns(heard, kWidebandRate)[1], kWidebandRate), kConfirm);
  ExpectPaced(heard, 640);

  const nlohmann::json session = Session(call);
  EXPECT_EQ(session["http_status"], 200);
  EXPECT_EQ(CallerTurns(session), std::vector<std::string>{"yes"});
  EXPECT_EQ(session["tenant_id"], "t1");
  std::set<std::string> measured;
  for (const auto& metric : session["latency_measurements"]) measured.insert(metric["component"]);
  EXPECT_EQ(measured, (std::set<std::string>{"stt", "llm", "tts", "total"}));
  // Another tenant cannot see it.
  EXPECT_EQ(Session(call, "key-t2")["http_status"], 404);
}

TEST_F(MediaWebSocketTest, NarrowbandCallsGetNarrowbandFrames_8kHz) {
  const CallId call = AnsweredCall("0002");
  auto callee = Callee(call, kNarrowbandRate);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(WaitForTurns(*callee, 1, kNarrowbandRate));
  const SimulatedCallee::Heard heard = callee->Snapshot();
  ExpectPaced(heard, 320);
  // pocketsphinx's model is wideband: it does not recognize espeak's voice through 8 kHz reliably
  // (VOICE.md's claim did not hold here), so the greeting is checked by its length: as long as
  // its three sentences synthesized apart (as the pipeline does) at 16 kHz, within 5 %.
  double expected_ms = 0;
  for (const char* sentence :
       {"Hello Ada!", "This is Smile Dental, calling about your upcoming appointment.",
        "Is now a good time to talk?"}) {
    const Samples padded =
        testing::Synthesize(*AcquireOfflineVoice()->text_to_speech, sentence, kWidebandRate);
    expected_ms +=
        static_cast<double>(padded.size() - 2 * 15 * SamplesPerFrame(kWidebandRate)) / 16;
  }
  const double heard_ms = static_cast<double>(Turns(heard, kNarrowbandRate)[0].size()) / 8;
  EXPECT_NEAR(heard_ms, expected_ms, expected_ms * 0.05);
}

TEST_F(MediaWebSocketTest, TalkingOverTheAgentClearsItsAudioAndGetsAnAnswer) {
  const CallId call = AnsweredCall("0003");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.arrivals.size() >= 50; }, seconds(10)));
  callee->Say(testing::SpeakWithCommandLine("yes", "en-us", 170, kWidebandRate));
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return !h.clears.empty(); }, seconds(5)));
  const SimulatedCallee::Heard heard = callee->Snapshot();
  // The synthesized reply starts with 300 ms of silence; the agent must stop within 300 ms of the
  // speech itself starting.
  const auto speech_start = *callee->SpeechStartedAt() + milliseconds(300);
  const auto to_clear = duration_cast<milliseconds>(heard.clears.front() - speech_start);
  EXPECT_LE(to_clear.count(), 300) << "clear came " << to_clear.count() << " ms after speech";
  EXPECT_GE(to_clear.count(), 0);

  ASSERT_TRUE(WaitForTurns(*callee, 2, kWidebandRate));
  const auto turns = Turns(callee->Snapshot(), kWidebandRate);
  EXPECT_EQ(RecognizeAgent(turns.back(), kWidebandRate), kConfirm);
  const nlohmann::json session = Session(call);
  EXPECT_EQ(CallerTurns(session), std::vector<std::string>{"yes"});
  // The greeting is kept as far as it was played: cut short, with "..." where it stopped.
  const std::string greeting = session["conversation_history"][0]["content"];
  EXPECT_TRUE(greeting.starts_with("Hello Ada!")) << greeting;
  EXPECT_TRUE(greeting.ends_with("...")) << greeting;
}

TEST_F(MediaWebSocketTest, SpeechOutsideTheGrammarGetsARepeatRequestAndNoTransition) {
  const CallId call = AnsweredCall("0004");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(WaitForTurns(*callee, 1, kWidebandRate));
  callee->Say(
      testing::SpeakWithCommandLine("the weather is lovely in paris", "en-gb", 150, kWidebandRate));
  ASSERT_TRUE(WaitForTurns(*callee, 2, kWidebandRate));
  const auto turns = Turns(callee->Snapshot(), kWidebandRate);
  EXPECT_EQ(RecognizeAgent(turns.back(), kWidebandRate), kRepeat);
  EXPECT_TRUE(CallerTurns(Session(call)).empty());
}

TEST_F(MediaWebSocketTest, DtmfReachesTheSession) {
  const CallId call = AnsweredCall("0005");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return !h.arrivals.empty(); }, seconds(10)));
  callee->SendText(R"({"event":"websocket:dtmf","digit":"5","duration":260})");
  callee->SendText(R"({"event":"websocket:dtmf","digit":"#","duration":200})");
  std::string digits;
  for (int i = 0; i < 50 && digits != "5#"; ++i) {
    digits = Session(call).value("dtmf_digits", "");
    callee->WaitFor([](const auto&) { return false; }, milliseconds(20));
  }
  EXPECT_EQ(digits, "5#");
}

// TCPA's automated opt-out by key press: 9 during the greeting puts the number on the tenant's
// Do-Not-Call list; the agent says so (recognized) and the call ends.
TEST_F(MediaWebSocketTest, TheOptOutKeyListsTheNumberConfirmsAndEndsTheCall) {
  const CallId call = AnsweredCall("0009");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.arrivals.size() > 10; }, seconds(10)));
  callee->SendText(R"({"event":"websocket:dtmf","digit":"9","duration":240})");
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(20)))
      << "the call did not end";
  Expected<bool> listed = scratch_->store().IsDoNotCall(tenant_, "+12125550009");
  ASSERT_TRUE(listed) << listed.error().Describe();
  EXPECT_TRUE(*listed);
  // The greeting was cleared at the key press; what came after the clear is the confirmation.
  const SimulatedCallee::Heard heard = callee->Snapshot();
  ASSERT_EQ(heard.clears.size(), 1u);
  const std::size_t frame = SamplesPerFrame(kWidebandRate);
  const auto first_after = std::ranges::upper_bound(heard.arrivals, heard.clears.front());
  const auto offset = static_cast<std::ptrdiff_t>(
      static_cast<std::size_t>(first_after - heard.arrivals.begin()) * frame);
  const Samples confirmation(heard.audio.begin() + offset, heard.audio.end());
  EXPECT_EQ(RecognizeAgent(confirmation, kWidebandRate), kOptOutConfirmation);
}

// The default script to its goal: two replies, the goodbye, and what the store keeps: the
// verdict as the call's outcome and every turn in order.
TEST_F(MediaWebSocketTest, AConversationToItsGoalIsKeptTurnByTurnWithItsVerdict) {
  const CallId call = AnsweredCall("0010");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(WaitForTurns(*callee, 1, kWidebandRate));
  callee->Say(testing::SpeakWithCommandLine("yes", "en-gb", 140, kWidebandRate));
  ASSERT_TRUE(WaitForTurns(*callee, 2, kWidebandRate));
  callee->Say(testing::SpeakWithCommandLine("yes", "en-gb", 140, kWidebandRate));
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(20)))
      << "the call did not end";
  const auto turns = Turns(callee->Snapshot(), kWidebandRate);
  ASSERT_EQ(turns.size(), 3u);
  EXPECT_EQ(RecognizeAgent(turns[2], kWidebandRate), kConfirmed);

  Expected<CallRecord> record = scratch_->store().FindCall(call);
  ASSERT_TRUE(record) << record.error().Describe();
  EXPECT_EQ(record->outcome, CallOutcome::kGoalAchieved);
  Expected<std::vector<ConversationTurn>> kept =
      scratch_->store().ListConversationTurns(tenant_, call);
  ASSERT_TRUE(kept) << kept.error().Describe();
  // The callee's "yes" may be recognized as another phrase of the same intent ("yeah").
  std::vector<std::string> said;
  for (const ConversationTurn& turn : *kept) {
    const bool agreed = turn.text == "yes" || turn.text == "yeah";
    said.push_back(turn.role == MessageRole::kUser ? (agreed ? "caller agrees" : turn.text)
                                                   : "agent: " + turn.text);
  }
  EXPECT_EQ(said,
            (std::vector<std::string>{
                "agent: Hello Ada! This is Smile Dental, calling about your upcoming "
                "appointment. Is now a good time to talk?",
                "caller agrees", "agent: Great. Will you be able to make it to your appointment?",
                "caller agrees", "agent: Thank you. We look forward to seeing you. Goodbye."}));
  EXPECT_TRUE((*kept)[1].stt_latency_ms.has_value());
  EXPECT_TRUE((*kept)[2].tts_latency_ms.has_value());

  // The campaign records its calls: on the right exactly the agent's audio that the callee heard,
  // in three lines (the last two recognized here; the greeting's words are checked as heard in
  // other tests), and on the left the caller's two answers, each between the line it answers and
  // the next.
  // (Kept as the server's side of the connection closes, just after the callee saw it close.)
  Expected<HttpClientResponse> recording = std::unexpected(Error::Internal("not asked"));
  for (int attempt = 0; attempt < 50; ++attempt) {
    recording = client_.Send({.url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/calls/" +
                                     call.value + "/recording",
                              .headers = {{"Authorization", "Bearer key-t1"}}});
    if (!recording || recording->status != 404) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(recording) << recording.error().Describe();
  ASSERT_EQ(recording->status, 200) << recording->body;
  EXPECT_EQ(recording->Header("Content-Type"), "audio/wav");
  const auto [caller, agent] = StereoChannels(recording->body);
  const auto agent_runs = SoundRuns(agent, kWidebandRate);
  const auto caller_runs = SoundRuns(caller, kWidebandRate);
  ASSERT_EQ(agent_runs.size(), 3u);
  ASSERT_EQ(caller_runs.size(), 2u);
  const auto voiced = [](const Samples& track) {  // its frames that are not all silence
    Samples voiced_frames;
    const std::size_t frame = SamplesPerFrame(kWidebandRate);
    for (std::size_t at = 0; at + frame <= track.size(); at += frame) {
      const auto begin = track.begin() + static_cast<std::ptrdiff_t>(at);
      if (std::any_of(begin, begin + static_cast<std::ptrdiff_t>(frame),
                      [](std::int16_t s) { return s != 0; })) {
        voiced_frames.insert(voiced_frames.end(), begin,
                             begin + static_cast<std::ptrdiff_t>(frame));
      }
    }
    return voiced_frames;
  };
  EXPECT_EQ(voiced(agent), voiced(callee->Snapshot().audio));
  EXPECT_EQ(RecognizeAgent(Slice(agent, agent_runs[1]), kWidebandRate), kConfirm);
  EXPECT_EQ(RecognizeAgent(Slice(agent, agent_runs[2]), kWidebandRate), kConfirmed);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_GE(caller_runs[i].first, agent_runs[i].second) << "answer " << i;
    EXPECT_LE(caller_runs[i].second, agent_runs[i + 1].first) << "answer " << i;
  }
  // Another tenant's key does not find it.
  Expected<HttpClientResponse> foreign =
      client_.Send({.url = "http://127.0.0.1:" + std::to_string(port_) + "/v1/calls/" + call.value +
                           "/recording",
                    .headers = {{"Authorization", "Bearer key-t2"}}});
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 404);
}

// Opt-out by voice: "stop calling me" lists the number at once, the agent confirms (recognized),
// the call ends, and its outcome is do_not_call.
TEST_F(MediaWebSocketTest, AskingNotToBeCalledListsTheNumberConfirmsAndEndsTheCall) {
  const CallId call = AnsweredCall("0011");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(WaitForTurns(*callee, 1, kWidebandRate));
  callee->Say(testing::SpeakWithCommandLine("stop calling me", "en-us", 150, kWidebandRate));
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(20)))
      << "the call did not end";
  Expected<bool> listed = scratch_->store().IsDoNotCall(tenant_, "+12125550011");
  ASSERT_TRUE(listed) << listed.error().Describe();
  EXPECT_TRUE(*listed);
  const auto turns = Turns(callee->Snapshot(), kWidebandRate);
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(RecognizeAgent(turns[1], kWidebandRate), kOptOutConfirmation);
  Expected<CallRecord> record = scratch_->store().FindCall(call);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->outcome, CallOutcome::kDoNotCall);
}

// An answering machine answers: its greeting talks over the agent's, then beeps. The agent stops,
// waits for the beep, leaves the campaign's message (recognized) and hangs up; the call's outcome
// is voicemail.
TEST_F(MediaWebSocketTest, AnAnsweringMachineGetsTheCampaignsMessageAfterItsBeep) {
  const CallId call = AnsweredCall("0012");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.arrivals.size() > 10; }, seconds(10)));
  const Samples greeting = testing::SpeakWithCommandLine(
      "Hi, you have reached Ada. I cannot take your call right now. Please leave your name and "
      "number after the tone, and I will call you back.",
      "en-gb", 160, kWidebandRate);
  Samples machine = greeting;
  const Samples beep = testing::Tone(1000, milliseconds(600), kWidebandRate);
  machine.insert(machine.end(), beep.begin(), beep.end());
  callee->Say(machine);
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(30)))
      << "the call did not end";
  const SimulatedCallee::Heard heard = callee->Snapshot();
  const auto turns = Turns(heard, kWidebandRate);
  ASSERT_GE(turns.size(), 2u);
  EXPECT_EQ(RecognizeAgent(turns.back(), kWidebandRate), kVoicemailMessage);
  // The message began after the beep began (the synthesized greeting opens with 300 ms of silence
  // and ends with 300 ms more).
  const auto beep_start = *callee->SpeechStartedAt() + DurationOf(greeting.size(), kWidebandRate);
  const auto message_start = LastTurnStart(heard, turns, kWidebandRate);
  EXPECT_GE(message_start, beep_start);
  Expected<CallRecord> record = scratch_->store().FindCall(call);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->outcome, CallOutcome::kVoicemail);
}

// Vonage's machine detection, through the event webhook of the same server: `machine` while the
// greeting talks, then `beep_start` (the audio has no beep and has not gone quiet). The message
// is left at once, over the rest of the greeting; the outcome is voicemail.
TEST_F(MediaWebSocketTest, VonagesBeepEventLeavesTheMessageWhileTheGreetingStillTalks) {
  const CallId call = AnsweredCall("0013");
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.arrivals.size() > 10; }, seconds(10)));
  const Samples greeting = testing::SpeakWithCommandLine(
      "Hi, you have reached Ada. I cannot take your call right now. Please leave your name and "
      "number after the tone, and I will call you back as soon as I can. Thank you, and have a "
      "lovely day.",
      "en-gb", 140, kWidebandRate);
  callee->Say(greeting);
  auto post_detection = [&](const std::string& sub_state) {
    nlohmann::json body = {{"call_uuid", "vonage-0013"},
                           {"conversation_uuid", "CON-0013"},
                           {"status", "machine"},
                           {"timestamp", "2026-12-02T15:00:02.000Z"}};
    if (!sub_state.empty()) body["sub_state"] = sub_state;
    Expected<HttpClientResponse> response =
        client_.Send({.method = "POST",
                      .url = "http://127.0.0.1:" + std::to_string(port_) +
                             "/webhooks/vonage/event?call_id=" + call.value,
                      .headers = {{"Content-Type", "application/json"}},
                      .body = body.dump()});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200) << response->body;
  };
  std::this_thread::sleep_for(milliseconds(1000));
  post_detection("");
  std::this_thread::sleep_for(milliseconds(1000));
  const auto beep_at = steady_clock::now();
  post_detection("beep_start");
  ASSERT_TRUE(callee->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(30)))
      << "the call did not end";
  const SimulatedCallee::Heard heard = callee->Snapshot();
  const auto turns = Turns(heard, kWidebandRate);
  ASSERT_GE(turns.size(), 2u);
  EXPECT_EQ(RecognizeAgent(turns.back(), kWidebandRate), kVoicemailMessage);
  const auto message_start = LastTurnStart(heard, turns, kWidebandRate);
  const auto greeting_end = *callee->SpeechStartedAt() + DurationOf(greeting.size(), kWidebandRate);
  EXPECT_GE(message_start, beep_at);
  EXPECT_LT(message_start, greeting_end) << "the message waited for the greeting to end";
  Expected<CallRecord> record = scratch_->store().FindCall(call);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->outcome, CallOutcome::kVoicemail);
}

// A campaign whose language model is a cloud one (here a fake of an OpenAI-compatible API, plain
// HTTP as a local server would be). The first call: the agent says what the model streams, heard
// by the callee and recognized; the model was asked with the campaign's system prompt and the key
// the campaign names, from the secrets file. The second call: the model answers 401 twice, so the
// agent bridges, then says goodbye and the call's outcome is failed. The failure is logged, and
// the key is in no log line.
TEST_F(MediaWebSocketTest, ACampaignsCloudModelSpeaksWithItsKeyFromTheSecrets) {
  std::ostringstream logged;
  auto log_sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  spdlog::default_logger()->sinks().push_back(log_sink);
  // No comma: the check's grammar has no pause inside a line (espeak-ng pauses at one).
  const std::string reply = "Hello Ada this is Smile Dental calling from the cloud.";
  std::atomic<int> asked{0};
  testing::ScriptedStreamServer model([&](const testing::LoopbackRequest&) {
    if (asked++ > 0) {
      return testing::StreamScript{
          .status = 401,
          .headers = {{"Content-Type", "application/json"}},
          .pieces = {{.bytes = R"({"error":{"message":"Invalid API Key"}})"}}};
    }
    nlohmann::json text = {{"choices", {{{"index", 0}, {"delta", {{"content", reply}}}}}}};
    nlohmann::json finish = {
        {"choices",
         {{{"index", 0}, {"delta", nlohmann::json::object()}, {"finish_reason", "stop"}}}}};
    nlohmann::json usage = {{"choices", nlohmann::json::array()},
                            {"usage", {{"prompt_tokens", 57}, {"completion_tokens", 12}}}};
    return testing::StreamScript{
        .pieces = {{.bytes = "data: " + text.dump() + "\n\n"},
                   {.bytes = "data: " + finish.dump() + "\n\n"},
                   {.bytes = "data: " + usage.dump() + "\n\ndata: [DONE]\n\n"}}};
  });
  const CampaignId cloud{"k2"};
  ASSERT_TRUE(
      scratch_->store().CreateCampaign({.id = cloud,
                                        .tenant_id = tenant_,
                                        .name = "Reminders from the cloud",
                                        .system_prompt = "Remind the patient.",
                                        .voice_id = "en-us",
                                        .created_at = clock_.Now(),
                                        .calling_config = {{"language_model",
                                                            {{"provider", "openai"},
                                                             {"base_url", model.BaseUrl() + "/v1"},
                                                             {"model", "llama-3.1-8b-instant"},
                                                             {"api_key_name", kCloudKeyName}}}}}));
  const CallId call = AnsweredCall("0014", cloud);
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(WaitForTurns(*callee, 1, kWidebandRate));
  const auto turns = Turns(callee->Snapshot(), kWidebandRate);
  ASSERT_EQ(turns.size(), 1u);
  EXPECT_EQ(RecognizeAgent(turns[0], kWidebandRate), kCloudGreeting);
  const std::vector<testing::LoopbackRequest> requests = model.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/v1/chat/completions");
  EXPECT_EQ(requests[0].Header("authorization"), std::string("Bearer ") + kCloudKey);
  const nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["model"], "llama-3.1-8b-instant");
  ASSERT_FALSE(body["messages"].empty());
  EXPECT_EQ(body["messages"][0]["role"], "system");
  const std::string system_prompt = body["messages"][0]["content"];
  EXPECT_NE(system_prompt.find("Remind the patient."), std::string::npos) << system_prompt;
  EXPECT_NE(system_prompt.find("Smile Dental"), std::string::npos) << system_prompt;

  // The tokens the model's server counted, in /metrics.
  Expected<HttpClientResponse> metrics =
      client_.Send({.url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics"});
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("talky_llm_tokens_total{kind=\"prompt\"} 57"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("talky_llm_tokens_total{kind=\"completion\"} 12"),
            std::string::npos);

  const CallId failing = AnsweredCall("0015", cloud);
  auto second = Callee(failing);
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(30)))
      << "the call did not end";
  // "Sorry, one moment." and the goodbye, back to back (the second 401 comes at once).
  EXPECT_GT(second->Snapshot().arrivals.size(), 100u);
  Expected<CallRecord> record = scratch_->store().FindCall(failing);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->outcome, CallOutcome::kFailed);
  EXPECT_EQ(model.requests().size(), 3u);

  callee.reset();
  second.reset();
  spdlog::default_logger()->flush();
  std::erase(spdlog::default_logger()->sinks(), log_sink);
  EXPECT_NE(logged.str().find("answered 401"), std::string::npos) << logged.str();
  EXPECT_EQ(logged.str().find(kCloudKey), std::string::npos);
}

// A fake of Deepgram that listens: the audio it is sent, recognized by pocketsphinx over the
// replies a callee may give, answered at each Finalize as Deepgram answers (Results, final,
// from_finalize). The recognizer (and its dictionary, seconds under the sanitizers) is loaded when
// the socket opens, not at the Finalize, whose answer the client waits for only 1.5 s.
testing::WebSocketScript ListeningDeepgram() {
  auto audio = std::make_shared<Samples>();
  auto recognizer = std::make_shared<PocketsphinxSpeechToText>();
  return {.on_message = [audio, recognizer](testing::WebSocketPeer& peer,
                                            const testing::ReceivedWebSocketMessage& message) {
    if (message.binary) {
      const std::size_t at = audio->size();
      audio->resize(at + message.bytes.size() / 2);
      std::memcpy(audio->data() + at, message.bytes.data(), message.bytes.size() / 2 * 2);
      return;
    }
    if (nlohmann::json::parse(message.bytes).value("type", "") != "Finalize") return;
    testing::FinalText heard;
    auto stream = recognizer->Open(kWidebandRate, heard);
    if (!stream) return;
    (*stream)->Expect({"yes", "no", "yes it is", "not now"});
    (*stream)->Write(*audio);
    (*stream)->Finalize();
    audio->clear();
    const std::string text = heard.text == "(not understood)" ? "" : heard.text;
    peer.SendText(nlohmann::json{
        {"type", "Results"},
        {"is_final", true},
        {"speech_final", true},
        {"from_finalize", true},
        {"channel", {{"alternatives", {{{"transcript", text}, {"confidence", 0.9}}}}}}}
                      .dump());
  }};
}

// A fake of Cartesia that speaks as Cartesia does: each transcript synthesized (espeak-ng) and
// sent back in 100 ms chunks of base64 pcm_s16le naming the context's flush (1 until its first); a
// flush answered by flush_done for it; `continue: false` ends the context with done.
testing::WebSocketScript SpeakingCartesia() {
  return {.on_message = [flushes = std::make_shared<std::map<std::string, int>>()](
                            testing::WebSocketPeer& peer,
                            const testing::ReceivedWebSocketMessage& message) {
    const nlohmann::json request = nlohmann::json::parse(message.bytes);
    const std::string context = request["context_id"];
    if (request.value("cancel", false)) {
      flushes->erase(context);
      return;
    }
    const int flush = flushes->try_emplace(context, 1).first->second;
    if (const std::string text = request["transcript"]; !text.empty()) {
      const int rate = request["output_format"]["sample_rate"];
      Samples speech =
          testing::Synthesize(*AcquireOfflineVoice()->text_to_speech, text, rate, "en-us");
      // Without the fixture's padding: a pause between sentences is not in the check's grammar.
      const std::size_t padding = static_cast<std::size_t>(rate) * 3 / 10;
      speech = Samples(speech.begin() + static_cast<std::ptrdiff_t>(padding),
                       speech.end() - static_cast<std::ptrdiff_t>(padding));
      const std::size_t chunk = static_cast<std::size_t>(rate) / 10;
      for (std::size_t at = 0; at < speech.size(); at += chunk) {
        const std::size_t samples = std::min(chunk, speech.size() - at);
        const std::string bytes(reinterpret_cast<const char*>(speech.data() + at), samples * 2);
        peer.SendText(nlohmann::json{
            {"type", "chunk"},
            {"data", Base64Encode(bytes)},
            {"done", false},
            {"flush_id", flush},
            {"context_id",
             context}}.dump());
      }
    }
    if (request.value("flush", false)) {
      peer.SendText(nlohmann::json{
          {"type", "flush_done"},
          {"done", false},
          {"flush_done", true},
          {"flush_id", flush},
          {"context_id",
           context}}.dump());
      (*flushes)[context] = flush + 1;
    }
    if (!request.value("continue", false)) {
      peer.SendText(
          nlohmann::json{{"type", "done"}, {"done", true}, {"context_id", context}}.dump());
      flushes->erase(context);
    }
  }};
}

// A campaign whose ears are Deepgram and whose voice is Cartesia (fakes over WSS with a
// certificate the server trusts through its extra CA). The greeting is spoken by the Cartesia
// fake and recognized by the callee; the callee's "yes" (espeak-ng's command line) is sent to the
// Deepgram fake, which recognizes it and answers; the agent confirms in Cartesia's voice. Each fake
// saw its key from the secrets file; the offline voice never stood in; no key in any log line.
TEST_F(MediaWebSocketTest, ACampaignsCloudEarsAndVoiceHearTheCallerAndSpeak) {
  std::ostringstream logged;
  auto log_sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  spdlog::default_logger()->sinks().push_back(log_sink);
  testing::ScriptedWebSocketServer deepgram(
      [](const testing::LoopbackRequest&) { return ListeningDeepgram(); }, certificate_);
  testing::ScriptedWebSocketServer cartesia(
      [](const testing::LoopbackRequest&) { return SpeakingCartesia(); }, certificate_);
  const CampaignId cloud{"k3"};
  ASSERT_TRUE(scratch_->store().CreateCampaign(
      {.id = cloud,
       .tenant_id = tenant_,
       .name = "Reminders with cloud ears and voice",
       .system_prompt = "Remind the patient.",
       .voice_id = "en-us",
       .created_at = clock_.Now(),
       .calling_config = {{"speech_to_text",
                           {{"provider", "deepgram"},
                            {"url", deepgram.Url("/v1/listen")},
                            {"api_key_name", "TEST_DEEPGRAM_KEY"}}},
                          {"text_to_speech",
                           {{"provider", "cartesia"},
                            {"url", cartesia.Url("/tts/websocket")},
                            {"voice", "voice-1"},
                            {"api_key_name", "TEST_CARTESIA_KEY"}}}}}));
  const CallId call = AnsweredCall("0016", cloud);
  auto callee = Callee(call);
  ASSERT_TRUE(callee);
  ASSERT_TRUE(WaitForTurns(*callee, 1, kWidebandRate));
  EXPECT_EQ(RecognizeAgent(Turns(callee->Snapshot(), kWidebandRate)[0], kWidebandRate), kGreeting);

  callee->Say(testing::SpeakWithCommandLine("yes", "en-gb", 140, kWidebandRate));
  ASSERT_TRUE(WaitForTurns(*callee, 2, kWidebandRate));
  EXPECT_EQ(RecognizeAgent(Turns(callee->Snapshot(), kWidebandRate)[1], kWidebandRate), kConfirm);
  EXPECT_EQ(CallerTurns(Session(call)), std::vector<std::string>{"yes"});

  ASSERT_EQ(deepgram.upgrades().size(), 1u);
  EXPECT_EQ(deepgram.upgrades()[0].Header("Authorization"), std::string("Token ") + kDeepgramKey);
  EXPECT_NE(deepgram.upgrades()[0].target.find("sample_rate=16000"), std::string::npos);
  ASSERT_EQ(cartesia.upgrades().size(), 1u);
  EXPECT_EQ(cartesia.upgrades()[0].Header("Authorization"), std::string("Bearer ") + kCartesiaKey);
  std::vector<std::string> spoken;
  for (const auto& message : cartesia.messages()) {
    const nlohmann::json request = nlohmann::json::parse(message.bytes);
    if (request.contains("transcript")) spoken.push_back(request["transcript"]);
  }
  ASSERT_FALSE(spoken.empty());
  EXPECT_EQ(spoken.front().rfind("Hello Ada", 0), 0u) << spoken.front();
  // The greeting's sentences went into one context, its last sentence ending it.
  const std::string greeting =
      nlohmann::json::parse(cartesia.messages().front().bytes)["context_id"];
  std::vector<std::string> greeting_said;
  bool greeting_ended = false;
  for (const auto& message : cartesia.messages()) {
    const nlohmann::json request = nlohmann::json::parse(message.bytes);
    if (request["context_id"] != greeting) continue;
    if (!request.value("transcript", "").empty()) greeting_said.push_back(request["transcript"]);
    if (request.contains("transcript") && !request.value("continue", true)) greeting_ended = true;
  }
  EXPECT_GT(greeting_said.size(), 1u);
  EXPECT_TRUE(greeting_ended);

  callee.reset();
  spdlog::default_logger()->flush();
  std::erase(spdlog::default_logger()->sinks(), log_sink);
  EXPECT_EQ(logged.str().find("the offline voice says"), std::string::npos) << logged.str();
  EXPECT_EQ(logged.str().find(kDeepgramKey), std::string::npos);
  EXPECT_EQ(logged.str().find(kCartesiaKey), std::string::npos);
}

// A row per bad input: what the callee sends, and the close it must get.
TEST_F(MediaWebSocketTest, BadInputIsClosedWithItsReasonAndOtherCallsGoOn) {
  const CallId good = AnsweredCall("0006");
  auto bystander = Callee(good);
  ASSERT_TRUE(bystander);
  const CallId second = AnsweredCall("0007");
  const CallId third = AnsweredCall("0009");  // a call's connection is gone only once closed
  struct Case {
    std::string name;
    std::string first_message;  // "" = a proper websocket:connected for `call`
    CallId call;
    std::function<void(SimulatedCallee&)> then;  // what follows the first message
    int code;
    std::string reason_has;
  };
  const std::vector<Case> cases = {
      {"unknown call", "", CallId{"no-such-call"}, nullptr, 1008, "'no-such-call' not found"},
      {"first message not connected", R"({"event":"websocket:dtmf","digit":"1"})", second, nullptr,
       1008, "websocket:connected"},
      {"first message not JSON", "hello", second, nullptr, 1008, "not valid JSON"},
      {"second socket for a call", "", good, nullptr, 1008, "already has a media connection"},
      {"frame of the wrong size", "", second,
       [](SimulatedCallee& c) { c.SendBinary(std::string(100, '\0')); }, 1007, "100 bytes"},
      {"text where audio belongs", "", third, [](SimulatedCallee& c) { c.SendText("just words"); },
       1003, "not valid JSON"},
  };
  for (const Case& row : cases) {
    SCOPED_TRACE(row.name);
    auto callee = SimulatedCallee::Connect({.port = port_,
                                            .call_id = row.call.value,
                                            .first_message = row.first_message,
                                            .stream_audio = false});
    ASSERT_TRUE(callee) << callee.error().Describe();
    if (row.then) {
      ASSERT_TRUE(
          (*callee)->WaitFor([](const auto& h) { return !h.arrivals.empty(); }, seconds(10)));
      row.then(**callee);
    }
    ASSERT_TRUE(
        (*callee)->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(10)));
    const auto heard = (*callee)->Snapshot();
    EXPECT_EQ(*heard.close_code, row.code);
    EXPECT_NE(heard.close_reason.find(row.reason_has), std::string::npos) << heard.close_reason;
  }
  // The bystander's call went on: its greeting came whole and it is still connected.
  ASSERT_TRUE(WaitForTurns(*bystander, 1, kWidebandRate));
  const auto heard = bystander->Snapshot();
  EXPECT_FALSE(heard.close_code.has_value());
  EXPECT_EQ(RecognizeAgent(Turns(heard, kWidebandRate)[0], kWidebandRate), kGreeting);
}

TEST_F(MediaWebSocketTest, AFinishedCallIsRefused) {
  const CallId call = AnsweredCall("0008");
  ASSERT_TRUE(scratch_->store().RecordCallEvent(tenant_, {.provider_call_id = "vonage-0008",
                                                          .status = CallStatus::kCompleted,
                                                          .outcome = CallOutcome::kGoalNotAchieved,
                                                          .occurred_at = clock_.Now()}));
  auto callee =
      SimulatedCallee::Connect({.port = port_, .call_id = call.value, .stream_audio = false});
  ASSERT_TRUE(callee);
  ASSERT_TRUE(
      (*callee)->WaitFor([](const auto& h) { return h.close_code.has_value(); }, seconds(10)));
  EXPECT_EQ(*(*callee)->Snapshot().close_code, 1008);
  EXPECT_NE((*callee)->Snapshot().close_reason.find("is over"), std::string::npos);
}

}  // namespace
}  // namespace talky
