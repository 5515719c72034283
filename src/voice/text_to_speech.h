// Speech synthesis (spec: tts_provider): text in, PCM out in chunks as it is produced, cancellable
// at any time (barge-in). Offline: espeak-ng (providers/espeak_text_to_speech.h); cloud: Cartesia.
//
// Threads: Synthesize may be called from any thread. The sink is called on the provider's own
// thread, never concurrently for one synthesis, and never after Cancel() has returned or after
// OnDone. The sink must outlive the synthesis (its handle) or the handle's Cancel.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "domain/error.h"
#include "voice/audio.h"

namespace talky {

// One sentence to speak. The sentences of one agent turn share a turn_id and are asked for one
// after the other, each once the one before it is done; a provider that streams text into one
// synthesis per turn (Cartesia's contexts) joins them, one that speaks sentence by sentence
// ignores both turn fields.
struct SynthesisRequest {
  std::string text;
  std::string voice;  // provider's voice name; empty: the provider's default
  int sample_rate = kWidebandRate;
  std::string turn_id;        // empty: a synthesis of its own, in no turn
  bool last_of_turn = false;  // no more sentences follow in this turn (when the asker knows)
};

class SynthesisSink {
 public:
  virtual ~SynthesisSink() = default;
  // Audio at the request's sample rate, any length.
  virtual void OnAudio(std::span<const std::int16_t> samples) = 0;
  // Once per synthesis unless cancelled: all audio was delivered, or the error that stopped it.
  virtual void OnDone(Expected<void> result) = 0;
};

// One synthesis in progress. Destroying the handle cancels.
class Synthesis {
 public:
  virtual ~Synthesis() = default;
  // Stops delivery: once this returns the sink hears nothing more (not even OnDone). Idempotent.
  virtual void Cancel() = 0;
};

class TextToSpeech {
 public:
  virtual ~TextToSpeech() = default;
  virtual std::unique_ptr<Synthesis> Synthesize(SynthesisRequest request, SynthesisSink& sink) = 0;
};

}  // namespace talky
