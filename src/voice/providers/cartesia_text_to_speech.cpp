#include "voice/providers/cartesia_text_to_speech.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "voice/providers/cartesia_message.h"

namespace talky {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kStallCheckEvery{100};
constexpr std::chrono::milliseconds kFirstRetryBackoff{100};
constexpr std::chrono::milliseconds kLongestRetryBackoff{5'000};

}  // namespace

class CartesiaTextToSpeech::Speaking final : public WebSocketHandler,
                                             public std::enable_shared_from_this<Speaking> {
 public:
  Speaking(asio::io_context& io, asio::ssl::context& tls, CartesiaSettings settings)
      : io_(io), tls_(tls), settings_(std::move(settings)), tick_(asio::make_strand(io)) {}

  void Start() {
    std::lock_guard lock(mutex_);
    Connect();
    ScheduleTick();
  }

  // No sink hears anything once this returns.
  void Stop() {
    std::shared_ptr<WebSocketConnection> connection;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      contexts_.clear();
      connection = std::move(connection_);
    }
    if (connection) connection->Close();  // outside the lock: it waits for a handler call
  }

  std::string Begin(const SynthesisRequest& request, SynthesisSink& sink) {
    std::lock_guard lock(mutex_);
    const std::string id = "talky-" + std::to_string(++contexts_begun_);
    contexts_[id] = Context{.sink = &sink, .last_heard = SteadyClock::now()};
    if (!connection_ && !stopped_) {
      if (SteadyClock::now() < retry_at_) {
        // Failed a moment ago: this sentence fails at once (on our thread, as the sink expects).
        asio::post(io_, [self = shared_from_this(), id, error = last_error_] {
          std::lock_guard later(self->mutex_);
          self->Finish(id, std::unexpected(error));
        });
        return id;
      }
      Connect();
    }
    nlohmann::json message = {
        {"model_id", settings_.model},
        {"transcript", request.text},
        {"voice", {{"mode", "id"}, {"id", settings_.voice}}},
        {"output_format",
         {{"container", "raw"}, {"encoding", "pcm_s16le"}, {"sample_rate", request.sample_rate}}},
        {"context_id", id},
        {"continue", false},
        {"language", settings_.language}};
    if (connection_) connection_->SendText(message.dump());
    return id;
  }

  void Cancel(const std::string& id) {
    std::lock_guard lock(mutex_);
    if (contexts_.erase(id) == 0 || !connection_) return;
    connection_->SendText(nlohmann::json{{"context_id", id}, {"cancel", true}}.dump());
  }

  void OnMessage(std::string_view text, bool binary) override {
    if (binary) return;
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    Expected<CartesiaMessage> message = ReadCartesiaMessage(text);
    if (!message) return Broken(message.error(), true);
    switch (message->type) {
      case CartesiaMessage::Type::kChunk:
        return Heard(message->context_id, message->audio);
      case CartesiaMessage::Type::kDone:
        return Finish(message->context_id, {});
      case CartesiaMessage::Type::kError: {
        Error error = Error::Unavailable("Cartesia reported an error: " + message->error);
        if (message->context_id.empty()) return Broken(error, true);
        return Finish(message->context_id, std::unexpected(std::move(error)));
      }
      case CartesiaMessage::Type::kOther:
        return;
    }
  }

  void OnClose(Expected<void> result) override {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    connection_.reset();
    Broken(result ? Error::Unavailable("Cartesia closed the connection") : result.error(), false);
  }

 private:
  struct Context {
    SynthesisSink* sink = nullptr;
    SteadyClock::time_point last_heard;
    std::optional<char> odd_byte;  // a sample split between two chunks
  };

  void Connect() {
    connection_ = WebSocketConnection::Open(
        io_, tls_, settings_.url,
        {{"Cartesia-Version", settings_.version}, {"Authorization", "Bearer " + settings_.api_key}},
        settings_.websocket, *this);
  }

  void Heard(const std::string& id, const std::string& bytes) {
    auto found = contexts_.find(id);
    if (found == contexts_.end()) return;  // cancelled, or never ours
    Context& context = found->second;
    context.last_heard = SteadyClock::now();
    failures_ = 0;
    std::string whole;
    if (context.odd_byte) whole += *context.odd_byte;
    whole += bytes;
    context.odd_byte.reset();
    if (whole.size() % 2 != 0) {
      context.odd_byte = whole.back();
      whole.pop_back();
    }
    if (whole.empty()) return;
    std::vector<std::int16_t> samples(whole.size() / 2);
    std::memcpy(samples.data(), whole.data(), whole.size());  // pcm_s16le on a little-endian host
    context.sink->OnAudio(samples);
  }

  void Finish(const std::string& id, Expected<void> result) {
    auto found = contexts_.find(id);
    if (found == contexts_.end()) return;
    SynthesisSink* sink = found->second.sink;
    contexts_.erase(found);
    if (!result) spdlog::warn("cartesia: context {}: {}", id, result.error().message);
    sink->OnDone(std::move(result));
  }

  // The socket cannot go on: every context fails with `error`; the next synthesis opens another
  // after the backoff. `close`: ours to close.
  void Broken(const Error& error, bool close) {
    spdlog::warn("cartesia: {}", error.message);
    if (close && connection_) {
      connection_->Close();  // from its own handler: returns at once
      connection_.reset();
    }
    last_error_ = error;
    const auto backoff = std::min<std::chrono::milliseconds>(
        kFirstRetryBackoff * (1 << std::min(failures_, 6)), kLongestRetryBackoff);
    ++failures_;
    retry_at_ = SteadyClock::now() + backoff;
    std::vector<std::string> ids;
    for (const auto& [id, context] : contexts_) ids.push_back(id);
    for (const std::string& id : ids) Finish(id, std::unexpected(error));
  }

  void ScheduleTick() {
    tick_.expires_after(kStallCheckEvery);
    tick_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->CheckForStalls();
    });
  }

  void CheckForStalls() {
    std::lock_guard lock(mutex_);
    if (stopped_) return;  // not rearmed: the last reference goes
    const SteadyClock::time_point now = SteadyClock::now();
    std::vector<std::string> stalled;
    for (const auto& [id, context] : contexts_) {
      if (now - context.last_heard >= settings_.stall_timeout) stalled.push_back(id);
    }
    for (const std::string& id : stalled) {
      if (connection_) {
        connection_->SendText(nlohmann::json{{"context_id", id}, {"cancel", true}}.dump());
      }
      Finish(id, std::unexpected(
                     Error::Unavailable("Cartesia sent no audio for " +
                                        std::to_string(settings_.stall_timeout.count()) + " ms")));
    }
    ScheduleTick();
  }

  asio::io_context& io_;
  asio::ssl::context& tls_;
  const CartesiaSettings settings_;
  asio::steady_timer tick_;  // used on its strand only

  // Recursive: a sink may cancel from inside its call.
  std::recursive_mutex mutex_;
  std::shared_ptr<WebSocketConnection> connection_;
  std::map<std::string, Context> contexts_;
  unsigned long long contexts_begun_ = 0;
  int failures_ = 0;
  SteadyClock::time_point retry_at_{};
  Error last_error_ = Error::Unavailable("Cartesia is unreachable");
  bool stopped_ = false;
};

namespace {

class CartesiaSynthesis final : public Synthesis {
 public:
  CartesiaSynthesis(std::shared_ptr<CartesiaTextToSpeech::Speaking> speaking, std::string id)
      : speaking_(std::move(speaking)), id_(std::move(id)) {}
  ~CartesiaSynthesis() override { Cancel(); }

  void Cancel() override { speaking_->Cancel(id_); }

 private:
  std::shared_ptr<CartesiaTextToSpeech::Speaking> speaking_;
  std::string id_;
};

}  // namespace

CartesiaTextToSpeech::CartesiaTextToSpeech(asio::io_context& io, asio::ssl::context& tls,
                                           CartesiaSettings settings)
    : speaking_(std::make_shared<Speaking>(io, tls, std::move(settings))) {
  speaking_->Start();
}

CartesiaTextToSpeech::~CartesiaTextToSpeech() { speaking_->Stop(); }

std::unique_ptr<Synthesis> CartesiaTextToSpeech::Synthesize(SynthesisRequest request,
                                                            SynthesisSink& sink) {
  return std::make_unique<CartesiaSynthesis>(speaking_, speaking_->Begin(request, sink));
}

}  // namespace talky
