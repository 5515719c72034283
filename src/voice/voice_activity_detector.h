// Voice activity detection: is there speech in this piece of a caller's audio. The pipeline's turn
// taking (start of speech, barge-in, end of turn) is built on it. Offline: WebRTC's detector.
// Not thread-safe: one detector per call, called from that call's thread.
#pragma once

#include <memory>
#include <span>

#include "domain/error.h"
#include "voice/audio.h"

namespace talky {

class VoiceActivityDetector {
 public:
  virtual ~VoiceActivityDetector() = default;
  // One 20 ms frame at the detector's sample rate: true when it holds speech.
  virtual bool IsSpeech(std::span<const std::int16_t> frame) = 0;
};

class VoiceActivityDetection {
 public:
  virtual ~VoiceActivityDetection() = default;
  virtual Expected<std::unique_ptr<VoiceActivityDetector>> Open(int sample_rate) = 0;
};

}  // namespace talky
