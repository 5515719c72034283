// Offline voice activity detection with WebRTC's detector (webrtc-audio-processing 0.3, the C++
// AudioProcessing module's voice_detection(), VOICE.md): it judges 10 ms frames, so each 20 ms
// frame is two judgements and is speech when either half is (an onset in the second half counts).
//
// Likelihood: kLowLikelihood (WebRTC's aggressiveness mode 2 of 0-3). Turn taking reacts to the
// first speech frame (barge-in stops the agent), and a false trigger is what makes agents go
// silent (LiveKit #3418, Pipecat #4308), so we lean against noise; kVeryLowLikelihood (mode 3)
// starts clipping soft word onsets on 8 kHz audio, which the endpointer would read as pauses.
// Measured in tests/voice/providers: espeak speech flagged, digital silence and white noise at
// -40 dBFS not.
//
// Threads: Open from any thread; each detector belongs to one call's thread (not thread-safe).
// Rates: 8000, 16000, 32000 or 48000 Hz (WebRTC's native rates); others are InvalidArgument.
#pragma once

#include "voice/voice_activity_detector.h"

namespace talky {

class WebRtcVoiceActivityDetection final : public VoiceActivityDetection {
 public:
  Expected<std::unique_ptr<VoiceActivityDetector>> Open(int sample_rate) override;
};

}  // namespace talky
