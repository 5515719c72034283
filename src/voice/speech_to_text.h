// Speech recognition (spec: stt_provider), streamed: the pipeline writes a caller's audio as it
// arrives and ends each utterance when its turn detection says the caller is done. Offline:
// pocketsphinx over a grammar of the replies the conversation expects (providers/); cloud:
// Deepgram, whose own endpointing may also end an utterance.
//
// Threads: one SpeechRecognizer serves one call and is called from that call's thread only; its
// sink may be called from inside Write/Finalize or from the provider's thread, never concurrently.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "domain/error.h"
#include "voice/audio.h"

namespace talky {

struct Transcript {
  std::string text;       // words, lower case, single spaces; empty when nothing understood
  bool is_final = false;  // false: interim text that may still change
  bool understood =
      false;  // false: speech was heard but matches nothing expected ("not understood")
  double confidence = 0.0;  // 0..1 where the provider gives one
};

class RecognitionSink {
 public:
  virtual ~RecognitionSink() = default;
  virtual void OnTranscript(Transcript transcript) = 0;
  // The recognizer cannot go on (a provider error); the pipeline decides what the call does.
  virtual void OnError(Error error) = 0;
};

class SpeechRecognizer {
 public:
  virtual ~SpeechRecognizer() = default;
  // The replies the conversation expects next (a grammar offline, hints for a cloud model); takes
  // effect from the next utterance. An empty list lets the provider hear anything it can.
  virtual void Expect(std::vector<std::string> phrases) = 0;
  // The caller's audio at the recognizer's sample rate, any length.
  virtual void Write(std::span<const std::int16_t> samples) = 0;
  // Our end of the caller's turn: the final transcript of the audio written since the last
  // Finalize reaches the sink (is_final, possibly not understood). The next Write starts a new
  // utterance.
  virtual void Finalize() = 0;
};

class SpeechToText {
 public:
  virtual ~SpeechToText() = default;
  // A recognizer for one call's audio at sample_rate; Unavailable when the provider cannot serve.
  virtual Expected<std::unique_ptr<SpeechRecognizer>> Open(int sample_rate,
                                                           RecognitionSink& sink) = 0;
};

}  // namespace talky
