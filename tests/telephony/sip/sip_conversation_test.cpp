// A whole conversation over a real SIP call: `talky run --provider sip` (the real binary, its own
// media WebSocket and offline voice), or `talky worker --provider sip` beside a `talky serve`,
// calls baresip on loopback, which answers, plays a WAV of the
// callee's replies synthesized by the espeak-ng command line, records what it hears, and sends
// DTMF when told. What is checked is what a user would: the call's outcome and transcript in the
// store, and the agent's voice in what the callee heard.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/open_store.h"
#include "harness/child_process.h"
#include "harness/scratch_store.h"
#include "harness/test_servers.h"
#include "speech_fixtures.h"
#include "telephony/sip/baresip_callee.h"

namespace talky {
namespace {

using namespace std::chrono;

constexpr char kNumber[] = "+442079460200";

// Whole day in UTC, one attempt: the call goes out at once and is the only one.
constexpr char kCampaignFile[] = R"(
[[tenants]]
id = "acme"
name = "Acme"
default_region = "GB"
  [tenants.rules]
  timezone = "UTC"
  time_window_start = "00:00"
  time_window_end = "23:59"
  allowed_days = [0, 1, 2, 3, 4, 5, 6]
  max_retry_attempts = 1

[[campaigns]]
key = "appointments"
tenant = "acme"
name = "Appointments"
caller_id = "+442079460100"
)";

// The default appointment script's lines for Sam at Acme, and the opt-out confirmation.
const std::string kGreeting =
    "Hello Sam! This is Acme, calling about your upcoming appointment. Is now a good time to talk?";
const std::string kConfirm = "Great. Will you be able to make it to your appointment?";
const std::string kConfirmed = "Thank you. We look forward to seeing you. Goodbye.";
const std::string kOptedOut = "You will not be called again. Goodbye.";
const std::string kRepeat = "Sorry, could you repeat that?";
const std::vector<std::string> kAgentLines = {kGreeting, kConfirm, kConfirmed, kOptedOut, kRepeat};

// The callee's side of the call: `replies`, each starting at its offset from the answer.
Samples CalleeTrack(const std::vector<std::pair<milliseconds, std::string>>& replies) {
  Samples track;
  for (const auto& [at, text] : replies) {
    track.resize(static_cast<std::size_t>(at.count()) * kNarrowbandRate / 1000, 0);
    const Samples speech = testing::SpeakWithCommandLine(text, "en-us+m3", 165, kNarrowbandRate);
    track.insert(track.end(), speech.begin(), speech.end());
  }
  return track;
}

bool Loud(const Samples& audio, std::size_t at) {
  const std::size_t frame = SamplesPerFrame(kNarrowbandRate);
  double energy = 0;
  for (std::size_t i = at; i < at + frame; ++i) energy += double(audio[i]) * double(audio[i]);
  return std::sqrt(energy / double(frame)) > 100;
}

// The stretches of speech in `audio` (8 kHz): runs of 20 ms frames louder than (comfort)
// silence, split where 400 ms or more of quiet lies between them.
std::vector<Samples> Utterances(const Samples& audio) {
  const std::size_t frame = SamplesPerFrame(kNarrowbandRate);
  std::vector<Samples> utterances;
  std::size_t quiet_frames = 1000;
  std::size_t speech_end = 0;  // in the current utterance, after its last loud frame
  for (std::size_t at = 0; at + frame <= audio.size(); at += frame) {
    const bool loud = Loud(audio, at);
    if (loud && quiet_frames >= 20) {
      if (!utterances.empty()) utterances.back().resize(speech_end);
      utterances.emplace_back();
    }
    quiet_frames = loud ? 0 : quiet_frames + 1;
    if (!utterances.empty() && quiet_frames < 20) {
      utterances.back().insert(utterances.back().end(), audio.begin() + long(at),
                               audio.begin() + long(at + frame));
      if (loud) speech_end = utterances.back().size();
    }
  }
  if (!utterances.empty()) utterances.back().resize(speech_end);
  return utterances;
}

// The 20 ms loudness envelope of the speech in `audio` (8 kHz): its quiet frames are left out, so
// that a pause between sentences, which the pipeline's pacing may stretch, does not count.
std::vector<double> Envelope(const Samples& audio) {
  const std::size_t frame = SamplesPerFrame(kNarrowbandRate);
  std::vector<double> envelope;
  for (std::size_t at = 0; at + frame <= audio.size(); at += frame) {
    double energy = 0;
    for (std::size_t i = at; i < at + frame; ++i) energy += double(audio[i]) * double(audio[i]);
    const double level = std::sqrt(energy / double(frame));
    if (level > 100) envelope.push_back(level);
  }
  return envelope;
}

// Pearson's correlation of two envelopes over the shorter one's length.
double Correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n < 2) return 0;
  double mean_a = 0, mean_b = 0;
  for (std::size_t i = 0; i < n; ++i) mean_a += a[i], mean_b += b[i];
  mean_a /= double(n), mean_b /= double(n);
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ab += (a[i] - mean_a) * (b[i] - mean_b);
    aa += (a[i] - mean_a) * (a[i] - mean_a);
    bb += (b[i] - mean_b) * (b[i] - mean_b);
  }
  return ab / std::sqrt(aa * bb);
}

// The best correlation of `a` with `b` moved up to 100 ms either way: 20 ms frames of the same
// speech cut at other instants differ.
double AlignedCorrelation(const std::vector<double>& a, const std::vector<double>& b) {
  double best = -1;
  for (std::size_t shift = 0; shift <= 5; ++shift) {
    if (shift >= a.size() || shift >= b.size()) break;
    best = std::max(best, Correlation({a.begin() + long(shift), a.end()}, b));
    best = std::max(best, Correlation(a, {b.begin() + long(shift), b.end()}));
  }
  return best;
}

// Whether the envelope `heard` ends with `expected`: correlation >= 0.8 at the end, or up to
// 100 ms before it (the last packets may still be in flight when the call ends).
bool EndsWith(const std::vector<double>& heard, const std::vector<double>& expected) {
  for (std::size_t cut = 0; cut <= 5; ++cut) {
    if (heard.size() + cut < expected.size() || expected.size() <= cut) break;
    const std::vector<double> tail(heard.end() - long(expected.size() - cut), heard.end());
    const std::vector<double> wanted(expected.begin(), expected.end() - long(cut));
    if (AlignedCorrelation(tail, wanted) >= 0.8) return true;
  }
  return false;
}

// `line` as the agent says it: espeak-ng (the agent's offline voice), sentence by sentence as the
// pipeline synthesizes and plays them back to back, at 8 kHz, from its first loud frame to its
// last.
Samples AgentSays(const std::string& line) {
  const std::size_t padding = 15 * SamplesPerFrame(kNarrowbandRate);  // Synthesize's, each side
  Samples said;
  std::size_t from = 0;
  while (from < line.size()) {
    std::size_t end = line.find_first_of(".!?", from);
    end = end == std::string::npos ? line.size() : end + 1;
    const Samples sentence = testing::Synthesize(testing::SharedSpeaker(),
                                                 line.substr(from, end - from), kNarrowbandRate);
    said.insert(said.end(), sentence.begin() + long(padding), sentence.end() - long(padding));
    from = end + 1;
  }
  const std::vector<Samples> speech = Utterances(said);  // one: no pause is that long
  return speech.empty() ? Samples{} : speech.front();
}

// Which agent line each utterance of the callee's recording is: the line whose synthesis has the
// same speech length (within 10 %) and a loudness contour that correlates best, at 0.6 or more
// and by 0.2 more than any other line's. The recognizer cannot be the judge here: its model is
// wideband, and through G.711 it understands too little.
std::vector<std::string> HeardLines(const Samples& recording) {
  static const std::vector<std::pair<std::string, std::vector<double>>> lines = [] {
    std::vector<std::pair<std::string, std::vector<double>>> made;
    for (const std::string& line : kAgentLines) made.emplace_back(line, Envelope(AgentSays(line)));
    return made;
  }();
  std::vector<std::string> heard;
  for (const Samples& utterance : Utterances(recording)) {
    const std::vector<double> envelope = Envelope(utterance);
    std::vector<std::pair<double, std::string>> scores;  // correlation, line
    std::string unknown = "(unknown: " + std::to_string(envelope.size() * 20) + " ms of speech;";
    for (const auto& [line, expected] : lines) {
      const double length_ratio = double(envelope.size()) / double(expected.size());
      const double correlation = AlignedCorrelation(envelope, expected);
      unknown += " " + std::to_string(expected.size() * 20) + " ms/" +
                 std::to_string(correlation).substr(0, 5);
      scores.emplace_back(std::abs(length_ratio - 1) <= 0.1 ? correlation : -1, line);
    }
    std::ranges::sort(scores, std::greater<>());
    const bool clear = scores[0].first >= 0.6 && scores[0].first - scores[1].first >= 0.2;
    heard.push_back(clear ? scores[0].second : unknown + ")");
  }
  return heard;
}

class SipConversationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::ScratchDir::Create("sip-conversation");
    ASSERT_TRUE(dir) << dir.error().Describe();
    dir_ = std::move(*dir);
    std::ofstream(dir_->path() / "campaign.toml") << kCampaignFile;
    std::ofstream(dir_->path() / "leads.csv") << "phone_number,first_name\n" << kNumber << ",Sam\n";
  }

  void StartCallee(const Samples& track) {
    const std::filesystem::path wav = dir_->path() / "callee.wav";
    ASSERT_TRUE(testing::WriteMonoWav(wav, {.sample_rate = kNarrowbandRate, .samples = track}));
    auto callee = testing::BaresipCallee::Start({.source_wav = wav, .user = kNumber});
    ASSERT_TRUE(callee) << callee.error().Describe();
    callee_ = std::move(*callee);
  }

  void StartTalky() {
    db_ = (dir_->path() / "talky.db").string();
    auto child = testing::ChildProcess::Start(
        TALKY_BINARY,
        {"run", "--provider", "sip", "--sip-trunk",
         "sip:127.0.0.1:" + std::to_string(callee_->sip_port()), "--campaign",
         (dir_->path() / "campaign.toml").string(), "--leads",
         (dir_->path() / "leads.csv").string(), "--database-url", "sqlite:" + db_, "--listen",
         "127.0.0.1:0", "--progress", "lines", "--workers", "1"},
        dir_.get());
    ASSERT_TRUE(child) << child.error().Describe();
    talky_ = std::move(*child);
  }

  // Waits for `talky run` to finish its campaign and exit 0.
  void ExpectTalkyDone() {
    const std::optional<int> status = talky_->WaitForExit(seconds(90));
    ASSERT_TRUE(status) << "talky run did not finish\n" << talky_->output() << callee_->Log();
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << talky_->output() << callee_->Log();
  }

  // The one call's record and transcript.
  std::pair<CallRecord, std::vector<ConversationTurn>> TheCall() {
    SystemClock clock;
    RandomIdGenerator ids(5);
    auto store = OpenStore({SqlDialect::kSqlite, db_}, clock, ids);
    EXPECT_TRUE(store) << store.error().Describe();
    if (!store) return {};
    auto calls = (*store)->ListCalls(TenantId{"acme"}, {}, {.limit = 10});
    EXPECT_TRUE(calls && calls->items.size() == 1u) << talky_->output();
    if (!calls || calls->items.size() != 1u) return {};
    auto turns = (*store)->ListConversationTurns(TenantId{"acme"}, calls->items[0].id);
    EXPECT_TRUE(turns);
    return {calls->items[0], turns ? *turns : std::vector<ConversationTurn>{}};
  }

  std::unique_ptr<testing::ScratchDir> dir_;
  std::unique_ptr<testing::BaresipCallee> callee_;
  std::unique_ptr<testing::ChildProcess> talky_;
  std::string db_;
};

TEST_F(SipConversationTest, TheAgentTalksOverSipAndReachesTheGoal) {
  // The greeting lasts about 5 s and the next line about 3 s: each "yes" comes after the line it
  // answers (one talking over the agent would still be heard: barge-in).
  ASSERT_NO_FATAL_FAILURE(StartCallee(CalleeTrack({{8s, "Yes."}, {15s, "Yes."}})));
  ASSERT_NO_FATAL_FAILURE(StartTalky());
  ASSERT_NO_FATAL_FAILURE(ExpectTalkyDone());

  const auto [call, turns] = TheCall();
  EXPECT_EQ(call.outcome, CallOutcome::kGoalAchieved) << talky_->output();
  EXPECT_EQ(call.provider_call_id.empty(), false);
  std::vector<std::string> callee_said;
  for (const ConversationTurn& turn : turns) {
    if (turn.role == MessageRole::kUser) callee_said.push_back(turn.text);
  }
  EXPECT_GE(callee_said.size(), 2u) << talky_->output();
  // The agent hung up after its goodbye: baresip got our BYE.
  const std::optional<testing::BaresipEvent> closed = callee_->WaitForEvent("CALL_CLOSED", 5s);
  ASSERT_TRUE(closed) << callee_->Log();
  EXPECT_EQ(closed->param, "Connection reset by peer");

  // What the callee heard: the agent's three lines, in order, and nothing else.
  auto recording = callee_->WaitForRecording();
  ASSERT_TRUE(recording) << recording.error().Describe();
  auto heard = testing::ReadMonoWav(recording->received);
  ASSERT_TRUE(heard) << heard.error().Describe();
  const std::vector<std::string> lines = HeardLines(heard->samples);
  EXPECT_EQ(lines, (std::vector<std::string>{kGreeting, kConfirm, kConfirmed}));
}

TEST_F(SipConversationTest, TheCalleesKeypadReachesTheSession) {
  ASSERT_NO_FATAL_FAILURE(StartCallee({}));  // silence: only the keypad speaks
  ASSERT_NO_FATAL_FAILURE(StartTalky());
  ASSERT_TRUE(callee_->WaitForEvent("CALL_ESTABLISHED", 20s)) << talky_->output();
  std::this_thread::sleep_for(2s);        // the agent is greeting
  ASSERT_TRUE(callee_->SendDigits("9"));  // the default opt-out key
  ASSERT_NO_FATAL_FAILURE(ExpectTalkyDone());

  const auto [call, turns] = TheCall();
  EXPECT_EQ(call.outcome, CallOutcome::kDoNotCall) << talky_->output();
  SystemClock clock;
  RandomIdGenerator ids(6);
  auto store = OpenStore({SqlDialect::kSqlite, db_}, clock, ids);
  ASSERT_TRUE(store);
  auto listed = (*store)->IsDoNotCall(TenantId{"acme"}, kNumber);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(*listed);
  auto recording = callee_->WaitForRecording();
  ASSERT_TRUE(recording) << recording.error().Describe();
  auto heard = testing::ReadMonoWav(recording->received);
  ASSERT_TRUE(heard);
  // The key stopped the greeting and the confirmation followed at once: the callee's last
  // utterance ends with it.
  const std::vector<Samples> utterances = Utterances(heard->samples);
  ASSERT_FALSE(utterances.empty());
  const std::vector<double> said = Envelope(utterances.back());
  const std::vector<double> expected = Envelope(AgentSays(kOptedOut));
  ASSERT_GE(said.size(), expected.size());
  EXPECT_TRUE(EndsWith(said, expected)) << [&] {
    std::string text = "heard:";
    for (double v : said) text += " " + std::to_string(int(v));
    text += "\nexpected:";
    for (double v : expected) text += " " + std::to_string(int(v));
    return text;
  }();
  // and not with another of the agent's lines
  for (const std::string& line : {kGreeting, kConfirm, kConfirmed}) {
    EXPECT_FALSE(EndsWith(said, Envelope(AgentSays(line)))) << line;
  }
}

// The distributed shape: `talky serve` (the API and /media) and `talky worker --provider sip` as
// two processes on one SQLite file; the worker calls baresip, the serve's pipeline talks to it.
TEST(SipWorker, AWorkersCallSpeaksThroughTheServesMediaSocket) {
  SystemClock clock;
  RandomIdGenerator ids(8);
  auto db = testing::ScratchStore::Create("sip-worker", clock, ids);
  ASSERT_TRUE(db) << db.error().Describe();
  Store& store = (*db)->store();
  const TenantId tenant{"acme"};
  const CampaignId campaign{"appointments"};
  CallingRules all_day;
  all_day.timezone = "UTC";
  all_day.time_window_start = std::chrono::hours(0);
  all_day.time_window_end = std::chrono::minutes(23 * 60 + 59);
  all_day.allowed_days = {0, 1, 2, 3, 4, 5, 6};
  all_day.caller_id = "+442079460100";
  ASSERT_TRUE(store.CreateTenant(
      Tenant{.id = tenant, .name = "Acme", .api_key_hash = "h", .rules = all_day}));
  ASSERT_TRUE(store.CreateCampaign(Campaign{.id = campaign,
                                            .tenant_id = tenant,
                                            .name = "Appointments",
                                            .system_prompt = "Remind the patient.",
                                            .voice_id = "en-us",
                                            .created_at = clock.Now()}));
  const std::vector<Lead> leads = {{.phone_number = kNumber, .first_name = "Sam"}};
  ASSERT_TRUE(store.ImportLeads(tenant, campaign, leads));
  auto jobs = store.CreateCampaignJobs(tenant, campaign, clock.Now());
  ASSERT_TRUE(jobs && jobs->size() == 1u);

  auto callee = testing::BaresipCallee::Start({.user = kNumber});  // silence
  ASSERT_TRUE(callee) << callee.error().Describe();
  auto serve = testing::ChildProcess::Start(
      TALKY_BINARY, {"serve", "--database-url", (*db)->url(), "--listen", "127.0.0.1:0"},
      &(*db)->dir());
  ASSERT_TRUE(serve) << serve.error().Describe();
  const std::optional<std::string> listening = (*serve)->WaitForLine("listening on", 20s);
  ASSERT_TRUE(listening) << (*serve)->output();
  const std::string address = listening->substr(listening->find("listening on ") + 13);
  const std::string port =
      address.substr(address.find(':') + 1, address.find(' ') - address.find(':') - 1);
  auto worker = testing::ChildProcess::Start(
      TALKY_BINARY,
      {"worker", "--provider", "sip", "--database-url", (*db)->url(), "--sip-trunk",
       "sip:127.0.0.1:" + std::to_string((*callee)->sip_port()), "--media-websocket-uri",
       "ws://127.0.0.1:" + port + "/media", "--drain-timeout-ms", "100"},
      &(*db)->dir());
  ASSERT_TRUE(worker) << worker.error().Describe();

  // The agent greets; the callee listens for a few seconds, then hangs up.
  ASSERT_TRUE((*callee)->WaitForEvent("CALL_ESTABLISHED", 30s)) << (*worker)->output();
  std::this_thread::sleep_for(6s);
  ASSERT_TRUE((*callee)->HangUp());
  std::optional<CallRecord> call;
  for (int i = 0; i < 250 && !(call && call->status == CallStatus::kCompleted); ++i) {
    std::this_thread::sleep_for(20ms);
    auto calls = store.ListCalls(tenant, {}, {.limit = 10});
    if (calls && !calls->items.empty()) call = calls->items.front();
  }
  (*worker)->Signal(SIGTERM);
  (*serve)->Signal(SIGTERM);
  EXPECT_TRUE((*worker)->WaitForExit(20s)) << (*worker)->output();
  EXPECT_TRUE((*serve)->WaitForExit(20s)) << (*serve)->output();
  ASSERT_TRUE(call) << (*worker)->output();
  EXPECT_EQ(call->status, CallStatus::kCompleted) << (*worker)->output();
  EXPECT_EQ(call->outcome, CallOutcome::kGoalNotAchieved);  // the callee hung up
  EXPECT_TRUE(call->answered_at);
  auto turns = store.ListConversationTurns(tenant, call->id);
  ASSERT_TRUE(turns);
  ASSERT_FALSE(turns->empty()) << (*serve)->output();
  EXPECT_EQ(turns->front().role, MessageRole::kAssistant);
  // What baresip heard began with the agent's greeting.
  auto recording = (*callee)->WaitForRecording();
  ASSERT_TRUE(recording) << recording.error().Describe();
  auto heard = testing::ReadMonoWav(recording->received);
  ASSERT_TRUE(heard);
  const std::vector<Samples> utterances = Utterances(heard->samples);
  ASSERT_FALSE(utterances.empty());
  const std::vector<double> greeting = Envelope(AgentSays(kGreeting));
  const std::vector<double> said = Envelope(utterances.front());
  EXPECT_GE(AlignedCorrelation(said, greeting), 0.6);
}

}  // namespace
}  // namespace talky
