// Telling answering machines from people, on synthesized audio through the real voice activity
// detector: greetings with and without a beep, a short "leave a message" before a beep, a person
// who says hello and waits, one who later talks at length, and silence. And the beep detector on
// its own: tones across the band at both rates, and speech that is not a tone.
#include "voice/answering_machine_detector.h"

#include <gtest/gtest.h>

#include "speech_fixtures.h"
#include "voice/providers/webrtc_voice_activity_detection.h"

namespace talky {
namespace {

using namespace std::chrono;
using testing::Tone;

Samples Silence(milliseconds length, int rate) {
  return Samples(static_cast<std::size_t>(rate * length.count() / 1000), 0);
}

Samples Speech(const std::string& text, int rate) {
  return testing::SpeakWithCommandLine(text, "en-us", 160, rate);
}

Samples Join(std::initializer_list<Samples> parts) {
  Samples all;
  for (const Samples& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

struct Heard {
  AnswerKind verdict = AnswerKind::kUndecided;
  std::optional<milliseconds> decided_at;
  bool beep = false;
  std::optional<milliseconds> ready_at;  // for a message
};

// Feeds `audio` frame by frame, as the pipeline does.
Heard Listen(const Samples& audio, int rate) {
  WebRtcVoiceActivityDetection detection;
  auto vad = detection.Open(rate);
  EXPECT_TRUE(vad);
  AnsweringMachineDetector detector(rate);
  Heard heard;
  const std::size_t frame = SamplesPerFrame(rate);
  milliseconds at{0};
  for (std::size_t i = 0; i + frame <= audio.size(); i += frame, at += kFrameDuration) {
    const std::span<const std::int16_t> piece(audio.data() + i, frame);
    detector.OnFrame(piece, (*vad)->IsSpeech(piece));
    if (!heard.decided_at && detector.verdict() != AnswerKind::kUndecided) heard.decided_at = at;
    if (!heard.ready_at && detector.ready_for_message()) heard.ready_at = at;
  }
  heard.verdict = detector.verdict();
  heard.beep = detector.beep_heard();
  return heard;
}

const std::string kGreeting =
    "Hi, you have reached Ada Lovelace. I cannot take your call right now. Please leave your "
    "name and number after the tone, and I will call you back as soon as I can.";

class AnsweringMachineDetectorTest : public ::testing::TestWithParam<int> {};

TEST_P(AnsweringMachineDetectorTest, AGreetingWithABeepIsAMachineReadyAtTheBeep) {
  const int rate = GetParam();
  const Samples greeting = Speech(kGreeting, rate);
  const Samples audio =
      Join({greeting, Tone(1000, milliseconds(500), rate), Silence(milliseconds(2000), rate)});
  const Heard heard = Listen(audio, rate);
  EXPECT_EQ(heard.verdict, AnswerKind::kMachine);
  EXPECT_TRUE(heard.beep);
  ASSERT_TRUE(heard.decided_at && heard.ready_at);
  // Decided during the greeting; ready within 200 ms of the beep's start.
  const milliseconds greeting_length = DurationOf(greeting.size(), rate);
  EXPECT_LT(*heard.decided_at, greeting_length);
  EXPECT_GE(*heard.ready_at, greeting_length);
  EXPECT_LE(*heard.ready_at, greeting_length + milliseconds(200));
}

TEST_P(AnsweringMachineDetectorTest, AGreetingWithoutABeepIsReadyWhenItGoesQuiet) {
  const int rate = GetParam();
  const Samples greeting = Speech(kGreeting, rate);
  const Heard heard = Listen(Join({greeting, Silence(milliseconds(3000), rate)}), rate);
  EXPECT_EQ(heard.verdict, AnswerKind::kMachine);
  EXPECT_FALSE(heard.beep);
  ASSERT_TRUE(heard.ready_at);
  EXPECT_GE(*heard.ready_at, DurationOf(greeting.size(), rate));
}

TEST_P(AnsweringMachineDetectorTest, AShortGreetingIsAMachineByItsBeep) {
  const int rate = GetParam();
  const Heard heard =
      Listen(Join({Speech("Leave a message.", rate), Tone(850, milliseconds(400), rate),
                   Silence(milliseconds(500), rate)}),
             rate);
  EXPECT_EQ(heard.verdict, AnswerKind::kMachine);
  EXPECT_TRUE(heard.beep);
}

// The provider's detection overrides the audio: a beep told is a machine ready for its message;
// a person told is a person, whatever the greeting that follows.
TEST(AnsweringMachineDetectorTold, TheProvidersVerdictOverridesTheAudio) {
  const int rate = 16000;
  const Samples speech = Speech(kGreeting, rate);
  const std::span<const std::int16_t> frame(speech.data(), SamplesPerFrame(rate));

  AnsweringMachineDetector beeped(rate);
  beeped.OnFrame(frame, true);
  beeped.Told({.verdict = AnswerKind::kMachine, .beep = true});
  EXPECT_EQ(beeped.verdict(), AnswerKind::kMachine);
  EXPECT_TRUE(beeped.beep_heard());
  EXPECT_TRUE(beeped.ready_for_message());

  AnsweringMachineDetector machine(rate);
  machine.Told({.verdict = AnswerKind::kMachine});
  EXPECT_EQ(machine.verdict(), AnswerKind::kMachine);
  EXPECT_FALSE(machine.ready_for_message());  // its greeting has not gone quiet

  AnsweringMachineDetector person(rate);
  person.Told({.verdict = AnswerKind::kHuman});
  EXPECT_EQ(Listen(speech, rate).verdict, AnswerKind::kMachine);  // by the audio alone
  for (std::size_t i = 0; i + SamplesPerFrame(rate) <= speech.size(); i += SamplesPerFrame(rate)) {
    person.OnFrame({speech.data() + i, SamplesPerFrame(rate)}, true);
  }
  EXPECT_EQ(person.verdict(), AnswerKind::kHuman);
}

TEST_P(AnsweringMachineDetectorTest, APersonWhoSaysHelloAndWaitsIsAPerson) {
  const int rate = GetParam();
  const Heard heard =
      Listen(Join({Speech("Hello?", rate), Silence(milliseconds(3000), rate)}), rate);
  EXPECT_EQ(heard.verdict, AnswerKind::kHuman);
  ASSERT_TRUE(heard.decided_at);
  EXPECT_LT(*heard.decided_at, milliseconds(2500));
  EXPECT_FALSE(heard.ready_at);
}

TEST_P(AnsweringMachineDetectorTest, APersonWhoLaterTalksAtLengthIsStillAPerson) {
  const int rate = GetParam();
  const Heard heard = Listen(
      Join({Speech("Hello, who is it?", rate), Silence(milliseconds(1500), rate),
            Speech("Well, I was just thinking about what you said, and I would like to know a "
                   "lot more about the offer before I decide anything at all, to be honest.",
                   rate)}),
      rate);
  EXPECT_EQ(heard.verdict, AnswerKind::kHuman);
}

TEST_P(AnsweringMachineDetectorTest, SilenceIsAPersonListening) {
  const int rate = GetParam();
  const Heard heard = Listen(Silence(milliseconds(9000), rate), rate);
  EXPECT_EQ(heard.verdict, AnswerKind::kHuman);
}

INSTANTIATE_TEST_SUITE_P(Rates, AnsweringMachineDetectorTest,
                         ::testing::Values(kNarrowbandRate, kWidebandRate));

TEST(ToneDetector, HearsTonesAcrossTheBandAndNotSpeech) {
  for (int rate : {kNarrowbandRate, kWidebandRate}) {
    for (int hz : {440, 1000, 1400, 2000}) {
      SCOPED_TRACE(std::to_string(rate) + " Hz rate, " + std::to_string(hz) + " Hz tone");
      ToneDetector tones(rate);
      const Samples tone = Tone(hz, milliseconds(200), rate);
      const std::size_t frame = SamplesPerFrame(rate);
      for (std::size_t i = 0; i + frame <= tone.size(); i += frame) {
        tones.OnFrame(std::span(tone).subspan(i, frame));
      }
      EXPECT_TRUE(tones.heard());
      EXPECT_NEAR(tones.frequency_hz().value_or(0), hz, 30);
    }
    ToneDetector speech(rate);
    const Samples said = Speech(kGreeting, rate);
    const std::size_t frame = SamplesPerFrame(rate);
    for (std::size_t i = 0; i + frame <= said.size(); i += frame) {
      speech.OnFrame(std::span(said).subspan(i, frame));
    }
    EXPECT_FALSE(speech.heard()) << "speech taken for a tone at "
                                 << speech.frequency_hz().value_or(0);
  }
}

}  // namespace
}  // namespace talky
