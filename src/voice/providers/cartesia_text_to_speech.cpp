#include "voice/providers/cartesia_text_to_speech.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <iterator>
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

// Context ids may hold letters, digits, `-` and `_`.
std::string ContextIdFor(const std::string& turn_id, unsigned long long serial) {
  std::string id = turn_id;
  for (char& c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  }
  return id + "-" + std::to_string(serial);
}

}  // namespace

class CartesiaTextToSpeech::Speaking final : public WebSocketHandler,
                                             public std::enable_shared_from_this<Speaking> {
 public:
  using SentenceId = std::uint64_t;

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
      sentences_.clear();
      contexts_.clear();
      turns_.clear();
      connection = std::move(connection_);
    }
    if (connection) connection->Close();  // outside the lock: it waits for a handler call
  }

  SentenceId Begin(const SynthesisRequest& request, SynthesisSink& sink) {
    std::lock_guard lock(mutex_);
    const SentenceId id = ++sentences_begun_;
    sentences_[id] = Sentence{.sink = &sink};
    if (!connection_ && !stopped_) {
      if (SteadyClock::now() < retry_at_) {
        FailLater(id, last_error_);  // failed a moment ago: this sentence fails at once
        return id;
      }
      Connect();
    }
    if (request.turn_id.empty()) {
      SendAlone(id, request);
    } else {
      SendInTurn(id, request);
    }
    return id;
  }

  void Cancel(SentenceId id) {
    std::lock_guard lock(mutex_);
    auto found = sentences_.find(id);
    if (found == sentences_.end()) return;  // done, or never ours
    const std::string context_id = found->second.context_id;
    const int flush_id = found->second.flush_id;
    sentences_.erase(found);
    auto context = contexts_.find(context_id);
    if (context == contexts_.end() || context->second.in_flight.erase(flush_id) == 0) return;
    if (connection_) {
      connection_->SendText(nlohmann::json{{"context_id", context_id}, {"cancel", true}}.dump());
    }
    // The turn's sentences sent after this one go with it.
    for (const auto& [later_flush, later] : context->second.in_flight) {
      FailLater(later, Error::Unavailable("cancelled with the sentence before it"));
    }
    Forget(context);
  }

  void OnMessage(std::string_view text, bool binary) override {
    if (binary) return;
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    Expected<CartesiaMessage> message = ReadCartesiaMessage(text);
    if (!message) return Broken(message.error(), true);
    switch (message->type) {
      case CartesiaMessage::Type::kChunk:
        return Heard(message->context_id, message->flush_id, message->audio);
      case CartesiaMessage::Type::kFlushDone:
        if (std::optional<SentenceId> id = InFlight(message->context_id, message->flush_id)) {
          Finish(*id, {});
        }
        return;
      case CartesiaMessage::Type::kDone:
        return Done(message->context_id);
      case CartesiaMessage::Type::kError: {
        Error error = Error::Unavailable("Cartesia reported an error: " + message->error);
        if (message->context_id.empty()) return Broken(error, true);
        return Fail(message->context_id, std::move(error));
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
  // One Synthesize: what its handle cancels.
  struct Sentence {
    SynthesisSink* sink = nullptr;
    std::string context_id;        // empty while not sent
    int flush_id = 0;              // the flush its audio carries
    std::optional<char> odd_byte;  // a sample split between two chunks
  };

  struct Context {
    std::string turn_id;                  // empty: one synthesis, not a turn
    std::map<int, SentenceId> in_flight;  // by flush_id: sent and not yet done
    int flushes = 0;                      // the flush_id of the last sentence sent
    bool ended = false;                   // `continue: false` went: `done` comes next
    SteadyClock::time_point last_heard;   // audio, or our last sentence
    SteadyClock::time_point idle_since;   // its last sentence done
    std::optional<Error> failed;          // a turn's: its later sentences fail at once
  };

  void Connect() {
    connection_ = WebSocketConnection::Open(
        io_, tls_, settings_.url,
        {{"Cartesia-Version", settings_.version}, {"Authorization", "Bearer " + settings_.api_key}},
        settings_.websocket, *this);
  }

  nlohmann::json Input(const SynthesisRequest& request, const std::string& context_id,
                       std::string transcript, bool more) const {
    return {
        {"model_id", settings_.model},
        {"transcript", std::move(transcript)},
        {"voice", {{"mode", "id"}, {"id", settings_.voice}}},
        {"output_format",
         {{"container", "raw"}, {"encoding", "pcm_s16le"}, {"sample_rate", request.sample_rate}}},
        {"context_id", context_id},
        {"continue", more},
        {"language", settings_.language}};
  }

  void Send(const nlohmann::json& message) {
    if (connection_) connection_->SendText(message.dump());
  }

  // A context of its own, the text whole.
  void SendAlone(SentenceId id, const SynthesisRequest& request) {
    const std::string context_id = "talky-" + std::to_string(++contexts_begun_);
    Context& context = contexts_[context_id];
    context.ended = true;
    Sent(id, context_id, context);
    Send(Input(request, context_id, request.text, false));
  }

  // The turn's context, opened by its first sentence (or when Cartesia may have let it expire).
  void SendInTurn(SentenceId id, const SynthesisRequest& request) {
    const SteadyClock::time_point now = SteadyClock::now();
    std::string context_id;
    if (auto turn = turns_.find(request.turn_id); turn != turns_.end()) {
      auto context = contexts_.find(turn->second);
      if (context != contexts_.end() && context->second.failed) {
        context->second.idle_since = now;
        FailLater(id, *context->second.failed);
        if (request.last_of_turn) Forget(context);
        return;
      }
      if (context != contexts_.end() && !context->second.ended &&
          (!context->second.in_flight.empty() ||
           now - context->second.idle_since < settings_.continue_within)) {
        context_id = turn->second;
      } else if (context != contexts_.end() && !context->second.ended) {
        Forget(context);  // expired at Cartesia by now
      }
    }
    if (context_id.empty()) {
      context_id = ContextIdFor(request.turn_id, ++contexts_begun_);
      contexts_[context_id].turn_id = request.turn_id;
      turns_[request.turn_id] = context_id;
    }
    Context& context = contexts_[context_id];
    Sent(id, context_id, context);
    // Transcripts are joined verbatim: a space before the next sentence.
    const bool more = !request.last_of_turn;
    nlohmann::json input = Input(request, context_id, request.text + (more ? " " : ""), more);
    input["max_buffer_delay_ms"] = 0;  // whole sentences: nothing to wait for
    Send(input);
    if (more) {
      input["transcript"] = "";
      input["flush"] = true;  // its audio now, then flush_done
      Send(input);
    } else {
      context.ended = true;
    }
  }

  void Sent(SentenceId id, const std::string& context_id, Context& context) {
    Sentence& sentence = sentences_.at(id);
    sentence.context_id = context_id;
    sentence.flush_id = ++context.flushes;
    context.in_flight[sentence.flush_id] = id;
    context.last_heard = SteadyClock::now();
  }

  // The sentence a context's message is for: the one of its flush, else the oldest in flight.
  std::optional<SentenceId> InFlight(const std::string& context_id, std::optional<int> flush_id) {
    auto context = contexts_.find(context_id);
    if (context == contexts_.end() || context->second.in_flight.empty()) return std::nullopt;
    const std::map<int, SentenceId>& in_flight = context->second.in_flight;
    if (flush_id) {
      if (auto found = in_flight.find(*flush_id); found != in_flight.end()) return found->second;
    }
    return in_flight.begin()->second;
  }

  void Heard(const std::string& context_id, std::optional<int> flush_id, const std::string& bytes) {
    auto context = contexts_.find(context_id);
    if (context == contexts_.end()) return;  // cancelled, or never ours
    context->second.last_heard = SteadyClock::now();
    failures_ = 0;
    const std::optional<SentenceId> id = InFlight(context_id, flush_id);
    if (!id) return;
    Sentence& sentence = sentences_.at(*id);
    std::string whole;
    if (sentence.odd_byte) whole += *sentence.odd_byte;
    whole += bytes;
    sentence.odd_byte.reset();
    if (whole.size() % 2 != 0) {
      sentence.odd_byte = whole.back();
      whole.pop_back();
    }
    if (whole.empty()) return;
    std::vector<std::int16_t> samples(whole.size() / 2);
    std::memcpy(samples.data(), whole.data(), whole.size());  // pcm_s16le on a little-endian host
    sentence.sink->OnAudio(samples);
  }

  void Finish(SentenceId id, Expected<void> result) {
    auto found = sentences_.find(id);
    if (found == sentences_.end()) return;
    Sentence sentence = std::move(found->second);
    sentences_.erase(found);
    if (auto context = contexts_.find(sentence.context_id); context != contexts_.end()) {
      context->second.in_flight.erase(sentence.flush_id);
      context->second.idle_since = SteadyClock::now();
    }
    if (!result) {
      spdlog::warn("cartesia: context {}: {}", sentence.context_id, result.error().message);
    }
    sentence.sink->OnDone(std::move(result));
  }

  // On our thread, as the sink expects.
  void FailLater(SentenceId id, Error error) {
    asio::post(io_, [self = shared_from_this(), id, error = std::move(error)] {
      std::lock_guard later(self->mutex_);
      self->Finish(id, std::unexpected(error));
    });
  }

  // The context is over: the sentences still in it are done.
  void Done(const std::string& context_id) {
    auto context = contexts_.find(context_id);
    if (context == contexts_.end()) return;
    const std::map<int, SentenceId> in_flight = std::move(context->second.in_flight);
    Forget(context);
    for (const auto& [flush, id] : in_flight) Finish(id, {});
  }

  // The sentences in flight fail; a turn's context stays to fail the turn's next sentences.
  void Fail(const std::string& context_id, const Error& error) {
    auto context = contexts_.find(context_id);
    if (context == contexts_.end()) return;
    const std::map<int, SentenceId> in_flight = std::move(context->second.in_flight);
    context->second.in_flight.clear();
    if (context->second.turn_id.empty()) {
      Forget(context);
    } else {
      context->second.failed = error;
      context->second.idle_since = SteadyClock::now();
    }
    for (const auto& [flush, id] : in_flight) Finish(id, std::unexpected(error));
  }

  void Forget(std::map<std::string, Context>::iterator context) {
    if (auto turn = turns_.find(context->second.turn_id);
        turn != turns_.end() && turn->second == context->first) {
      turns_.erase(turn);
    }
    contexts_.erase(context);
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
    std::vector<SentenceId> in_flight;
    for (const auto& [context_id, context] : contexts_) {
      for (const auto& [flush, id] : context.in_flight) in_flight.push_back(id);
    }
    contexts_.clear();
    turns_.clear();
    for (SentenceId id : in_flight) Finish(id, std::unexpected(error));
  }

  void ScheduleTick() {
    tick_.expires_after(kStallCheckEvery);
    tick_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->CheckForStalls();
    });
  }

  // Fails contexts that went silent; forgets turns' contexts idle past continue_within.
  void CheckForStalls() {
    std::lock_guard lock(mutex_);
    if (stopped_) return;  // not rearmed: the last reference goes
    const SteadyClock::time_point now = SteadyClock::now();
    std::vector<std::string> stalled;
    for (auto context = contexts_.begin(); context != contexts_.end();) {
      auto next = std::next(context);
      if (!context->second.in_flight.empty()) {
        if (now - context->second.last_heard >= settings_.stall_timeout) {
          stalled.push_back(context->first);
        }
      } else if (now - context->second.idle_since >= settings_.continue_within) {
        Forget(context);
      }
      context = next;
    }
    for (const std::string& id : stalled) {
      Send(nlohmann::json{{"context_id", id}, {"cancel", true}});
      Fail(id, Error::Unavailable("Cartesia sent no audio for " +
                                  std::to_string(settings_.stall_timeout.count()) + " ms"));
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
  std::map<SentenceId, Sentence> sentences_;  // not yet done nor cancelled
  std::map<std::string, Context> contexts_;   // by context_id
  std::map<std::string, std::string> turns_;  // turn_id -> its open context
  SentenceId sentences_begun_ = 0;
  unsigned long long contexts_begun_ = 0;
  int failures_ = 0;
  SteadyClock::time_point retry_at_{};
  Error last_error_ = Error::Unavailable("Cartesia is unreachable");
  bool stopped_ = false;
};

namespace {

class CartesiaSynthesis final : public Synthesis {
 public:
  CartesiaSynthesis(std::shared_ptr<CartesiaTextToSpeech::Speaking> speaking,
                    CartesiaTextToSpeech::Speaking::SentenceId id)
      : speaking_(std::move(speaking)), id_(id) {}
  ~CartesiaSynthesis() override { Cancel(); }

  void Cancel() override { speaking_->Cancel(id_); }

 private:
  std::shared_ptr<CartesiaTextToSpeech::Speaking> speaking_;
  CartesiaTextToSpeech::Speaking::SentenceId id_;
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
