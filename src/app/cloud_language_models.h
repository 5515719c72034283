// The cloud language models of this process: one io_context (one thread) and one verifying TLS
// context shared by every call's completions, and a model per call as its campaign names it
// (voice_settings.h's language_model), its key from the process's secrets.
#pragma once

#include <memory>
#include <string>

#include "app/secrets.h"
#include "voice/language_model.h"
#include "voice/voice_settings.h"

namespace talky {

class CloudLanguageModels {
 public:
  // `extra_ca_pem`: authorities trusted beside the system's (a private CA; a test's).
  explicit CloudLanguageModels(Secrets secrets, const std::string& extra_ca_pem = "");
  ~CloudLanguageModels();  // stops the thread; completions must be over
  CloudLanguageModels(const CloudLanguageModels&) = delete;
  CloudLanguageModels& operator=(const CloudLanguageModels&) = delete;

  // The campaign's cloud model; Unavailable, naming the secret (never its value), when the key it
  // names is not among the secrets.
  Expected<std::shared_ptr<LanguageModel>> ModelFor(const LanguageModelSettings& settings);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
