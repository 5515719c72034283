#include "voice/providers/webrtc_voice_activity_detection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "speech_fixtures.h"

namespace talky {
namespace {

struct Counts {
  int speech = 0;
  int frames = 0;
};

Counts Classify(int rate, const Samples& audio) {
  WebRtcVoiceActivityDetection detection;
  auto detector = detection.Open(rate);
  EXPECT_TRUE(detector.has_value());
  Counts counts;
  const std::size_t frame = SamplesPerFrame(rate);
  for (std::size_t at = 0; at + frame <= audio.size(); at += frame) {
    ++counts.frames;
    if ((*detector)->IsSpeech(std::span(audio).subspan(at, frame))) ++counts.speech;
  }
  return counts;
}

// Frames whose RMS is well above silence: where espeak is actually voicing.
int LoudFrames(int rate, const Samples& audio) {
  int loud = 0;
  const std::size_t frame = SamplesPerFrame(rate);
  for (std::size_t at = 0; at + frame <= audio.size(); at += frame) {
    double energy = 0;
    for (std::size_t i = at; i < at + frame; ++i) energy += double(audio[i]) * audio[i];
    if (std::sqrt(energy / double(frame)) > 1000) ++loud;
  }
  return loud;
}

class VoiceActivity : public ::testing::TestWithParam<int> {};

TEST_P(VoiceActivity, SpeechFlaggedSilenceAndQuietNoiseNot) {
  const int rate = GetParam();
  const Samples speech =
      testing::Synthesize(testing::SharedSpeaker(), "please call me back tomorrow afternoon", rate);
  const Counts heard = Classify(rate, speech);
  const int loud = LoudFrames(rate, speech);
  // Nearly every loud frame is speech, and the 300 ms of digital silence either side is not:
  // an always-yes detector fails the upper bound, an always-no one the lower.
  EXPECT_GE(heard.speech, loud * 9 / 10) << heard.speech << " of " << heard.frames;
  EXPECT_LE(heard.speech, heard.frames - 20) << heard.speech << " of " << heard.frames;

  const Samples silence(static_cast<std::size_t>(rate) * 2, 0);
  EXPECT_EQ(Classify(rate, silence).speech, 0);

  std::mt19937 random(7);
  std::normal_distribution<double> noise(0, 100);  // about -50 dBFS white noise
  Samples hiss(static_cast<std::size_t>(rate) * 2);
  for (auto& s : hiss) s = static_cast<std::int16_t>(noise(random));
  const Counts hissed = Classify(rate, hiss);
  EXPECT_LE(hissed.speech, hissed.frames / 20) << hissed.speech << " of " << hissed.frames;
}

INSTANTIATE_TEST_SUITE_P(Rates, VoiceActivity, ::testing::Values(8000, 16000));

TEST(WebRtcVoiceActivityDetection, RejectsRatesItCannotJudge) {
  WebRtcVoiceActivityDetection detection;
  auto detector = detection.Open(22050);
  ASSERT_FALSE(detector.has_value());
  EXPECT_EQ(detector.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace talky
