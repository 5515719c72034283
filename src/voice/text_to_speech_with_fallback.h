// A cloud voice with the offline one behind it: a sentence the primary cannot speak (it fails
// before its first audio: unreachable, refused, stalled) is spoken by the fallback instead, so a
// provider's trouble never leaves the caller in silence. A failure after audio began ends that
// sentence as the primary left it. The fallback hears the request as given (its voice is the
// offline voice's name). Each such failure is told to `on_failure` (for /metrics).
#pragma once

#include <functional>
#include <memory>

#include "voice/text_to_speech.h"

namespace talky {

class TextToSpeechWithFallback final : public TextToSpeech {
 public:
  // `fallback` must outlive this and its syntheses. `on_failure` may be empty; it is called on the
  // primary's thread.
  TextToSpeechWithFallback(std::shared_ptr<TextToSpeech> primary, TextToSpeech& fallback,
                           std::function<void(const Error&)> on_failure = {});

  std::unique_ptr<Synthesis> Synthesize(SynthesisRequest request, SynthesisSink& sink) override;

 private:
  std::shared_ptr<TextToSpeech> primary_;
  TextToSpeech& fallback_;
  std::function<void(const Error&)> on_failure_;
};

}  // namespace talky
