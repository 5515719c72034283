// The cloud providers of this process: one io_context (one thread) and one verifying TLS context
// shared by every call's streams and sockets, and per call the language model, ears and voice its
// campaign names (voice_settings.h), each with its key from the process's secrets.
#pragma once

#include <memory>
#include <string>

#include "app/secrets.h"
#include "voice/language_model.h"
#include "voice/speech_to_text.h"
#include "voice/text_to_speech.h"
#include "voice/voice_settings.h"

namespace talky {

class CloudProviders {
 public:
  // `extra_ca_pem`: authorities trusted beside the system's (a private CA; a test's).
  explicit CloudProviders(Secrets secrets, const std::string& extra_ca_pem = "");
  ~CloudProviders();  // stops the thread; calls must be over
  CloudProviders(const CloudProviders&) = delete;
  CloudProviders& operator=(const CloudProviders&) = delete;

  // Each: Unavailable, naming the secret (never its value), when the key it names is not among
  // the secrets.
  Expected<std::shared_ptr<LanguageModel>> ModelFor(const LanguageModelSettings& settings);
  // Deepgram: a socket per call, opened when the call's pipeline opens its recognizer.
  Expected<std::shared_ptr<SpeechToText>> SpeechToTextFor(const SpeechToTextSettings& settings);
  // Cartesia: connects at once, so the greeting finds the socket open.
  Expected<std::shared_ptr<TextToSpeech>> TextToSpeechFor(const TextToSpeechSettings& settings);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
