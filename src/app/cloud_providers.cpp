#include "app/cloud_providers.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <thread>

#include "net/tls_client.h"
#include "voice/providers/cartesia_text_to_speech.h"
#include "voice/providers/deepgram_speech_to_text.h"
#include "voice/providers/openai_chat_model.h"

namespace talky {

struct CloudProviders::Impl {
  Impl(Secrets loaded, const std::string& extra_ca_pem)
      : secrets(std::move(loaded)),
        tls(MakeVerifyingTlsContext(extra_ca_pem)),
        work(boost::asio::make_work_guard(io)),
        thread([this] { io.run(); }) {}
  ~Impl() {
    work.reset();
    io.stop();
    thread.join();
  }

  // The key a provider's settings name; empty when they name none.
  Expected<std::string> Key(const std::string& name, const char* whose) const {
    if (name.empty()) return std::string();
    std::optional<std::string> found = secrets.Get(name);
    if (!found) {
      return std::unexpected(Error::Unavailable("the secret " + name + " (" + whose +
                                                "'s key) is not set: give it in the environment "
                                                "or the secrets file"));
    }
    return std::move(*found);
  }

  Secrets secrets;
  boost::asio::ssl::context tls;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::thread thread;  // last: started once the members above exist
};

CloudProviders::CloudProviders(Secrets secrets, const std::string& extra_ca_pem)
    : impl_(std::make_unique<Impl>(std::move(secrets), extra_ca_pem)) {}

CloudProviders::~CloudProviders() = default;

Expected<std::shared_ptr<LanguageModel>> CloudProviders::ModelFor(
    const LanguageModelSettings& settings) {
  Expected<std::string> key = impl_->Key(settings.api_key_name, "the language model");
  if (!key) return std::unexpected(key.error());
  return std::make_shared<OpenAiChatModel>(
      impl_->io, impl_->tls,
      ChatModelSettings{.base_url = settings.base_url, .api_key = *key, .model = settings.model});
}

Expected<std::shared_ptr<SpeechToText>> CloudProviders::SpeechToTextFor(
    const SpeechToTextSettings& settings) {
  Expected<std::string> key = impl_->Key(settings.api_key_name, "Deepgram");
  if (!key) return std::unexpected(key.error());
  return std::make_shared<DeepgramSpeechToText>(impl_->io, impl_->tls,
                                                DeepgramSettings{.url = settings.url,
                                                                 .api_key = *key,
                                                                 .model = settings.model,
                                                                 .language = settings.language});
}

Expected<std::shared_ptr<TextToSpeech>> CloudProviders::TextToSpeechFor(
    const TextToSpeechSettings& settings) {
  Expected<std::string> key = impl_->Key(settings.api_key_name, "Cartesia");
  if (!key) return std::unexpected(key.error());
  return std::make_shared<CartesiaTextToSpeech>(impl_->io, impl_->tls,
                                                CartesiaSettings{.url = settings.url,
                                                                 .api_key = *key,
                                                                 .version = settings.version,
                                                                 .model = settings.model,
                                                                 .voice = settings.voice,
                                                                 .language = settings.language});
}

}  // namespace talky
