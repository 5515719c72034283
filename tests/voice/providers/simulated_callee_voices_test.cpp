// The voices of talky run's simulated callees, listened to: every line in every voice is
// recognized as itself by pocketsphinx over the callees' own lines (what the agent's grammar
// does with them is the engine's business), and each voice's answering-machine greeting is long
// enough for the detector to call it a machine, its beep heard.
#include "telephony/simulated/simulated_callee_voices.h"

#include <gtest/gtest.h>

#include "speech_fixtures.h"
#include "telephony/simulated/callee_script.h"
#include "voice/answering_machine_detector.h"
#include "voice/providers/pocketsphinx_speech_to_text.h"
#include "voice/providers/webrtc_voice_activity_detection.h"

namespace talky {
namespace {

const SimulatedCalleeVoices& Voices() {
  static const SimulatedCalleeVoices voices = [] {
    Expected<SimulatedCalleeVoices> made =
        SimulatedCalleeVoices::Make(testing::SharedSpeaker(), kWidebandRate);
    if (!made) throw std::runtime_error(made.error().Describe());
    return std::move(*made);
  }();
  return voices;
}

TEST(SimulatedCalleeVoices, EveryLineInEveryVoiceIsRecognizedAsItself) {
  const SimulatedCalleeVoices& voices = Voices();
  for (int voice = 0; voice < voices.voices(); ++voice) {
    for (const std::string& line : CalleeLines()) {
      // A fresh recognizer per line: pocketsphinx adapts to what it heard before.
      PocketsphinxSpeechToText recognizer;
      testing::FinalText sink;
      auto stream = recognizer.Open(kWidebandRate, sink);
      ASSERT_TRUE(stream) << stream.error().Describe();
      (*stream)->Expect(CalleeLines());
      (*stream)->Write(voices.Line(line, voice));
      (*stream)->Finalize();
      EXPECT_EQ(sink.text, line) << "voice " << SimulatedCalleeVoices::VoiceNames()[voice];
    }
  }
}

TEST(SimulatedCalleeVoices, AMachinesGreetingIsTakenForAMachineAndItsBeepIsHeard) {
  const SimulatedCalleeVoices& voices = Voices();
  WebRtcVoiceActivityDetection vad;
  for (int voice = 0; voice < voices.voices(); ++voice) {
    auto detector = vad.Open(kWidebandRate);
    ASSERT_TRUE(detector);
    AnsweringMachineDetector machine(kWidebandRate);
    Samples audio = voices.MachineGreeting(voice);
    audio.insert(audio.end(), voices.Beep().begin(), voices.Beep().end());
    const std::size_t frame = SamplesPerFrame(kWidebandRate);
    for (std::size_t at = 0; at + frame <= audio.size(); at += frame) {
      std::span<const std::int16_t> samples(audio.data() + at, frame);
      machine.OnFrame(samples, (*detector)->IsSpeech(samples));
    }
    EXPECT_EQ(machine.verdict(), AnswerKind::kMachine)
        << "voice " << SimulatedCalleeVoices::VoiceNames()[voice];
    EXPECT_TRUE(machine.beep_heard()) << "voice " << SimulatedCalleeVoices::VoiceNames()[voice];
  }
}

}  // namespace
}  // namespace talky
