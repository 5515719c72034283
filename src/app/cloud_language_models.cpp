#include "app/cloud_language_models.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <thread>

#include "net/tls_client.h"
#include "voice/providers/openai_chat_model.h"

namespace talky {

struct CloudLanguageModels::Impl {
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

  Secrets secrets;
  boost::asio::ssl::context tls;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
  std::thread thread;  // last: started once the members above exist
};

CloudLanguageModels::CloudLanguageModels(Secrets secrets, const std::string& extra_ca_pem)
    : impl_(std::make_unique<Impl>(std::move(secrets), extra_ca_pem)) {}

CloudLanguageModels::~CloudLanguageModels() = default;

Expected<std::shared_ptr<LanguageModel>> CloudLanguageModels::ModelFor(
    const LanguageModelSettings& settings) {
  std::string key;
  if (!settings.api_key_name.empty()) {
    std::optional<std::string> found = impl_->secrets.Get(settings.api_key_name);
    if (!found) {
      return std::unexpected(Error::Unavailable("the secret " + settings.api_key_name +
                                                " (the language model's key) is not set: give it "
                                                "in the environment or the secrets file"));
    }
    key = std::move(*found);
  }
  return std::make_shared<OpenAiChatModel>(
      impl_->io, impl_->tls,
      ChatModelSettings{.base_url = settings.base_url, .api_key = key, .model = settings.model});
}

}  // namespace talky
