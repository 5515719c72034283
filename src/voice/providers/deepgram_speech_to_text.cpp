#include "voice/providers/deepgram_speech_to_text.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cctype>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "voice/providers/deepgram_message.h"

namespace talky {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kDeepgramTick{100};
constexpr std::chrono::milliseconds kFirstReconnectBackoff{100};

// Dictation as the pipeline reads it: lower case words (letters, digits, apostrophes), single
// spaces.
std::string Dictation(const std::string& text) {
  std::string words;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '\'' || byte >= 0x80) {
      words += static_cast<char>(std::tolower(byte));
    } else if (!words.empty() && words.back() != ' ') {
      words += ' ';
    }
  }
  if (!words.empty() && words.back() == ' ') words.pop_back();
  return words;
}

std::string AsLittleEndianBytes(std::span<const std::int16_t> samples) {
  static_assert(std::endian::native == std::endian::little, "linear16 is little-endian");
  std::string bytes(samples.size_bytes(), '\0');
  std::memcpy(bytes.data(), samples.data(), samples.size_bytes());
  return bytes;
}

// One call's listening: the socket (opened again when it breaks), the utterance in progress and
// the timers, shared by the call's thread (Write, Finalize), the socket's handler and the tick.
class Listening final : public WebSocketHandler, public std::enable_shared_from_this<Listening> {
 public:
  Listening(asio::io_context& io, asio::ssl::context& tls, const DeepgramSettings& settings,
            int sample_rate, RecognitionSink& sink)
      : io_(io),
        tls_(tls),
        settings_(settings),
        url_(DeepgramListenUrl(settings, sample_rate)),
        flux_(IsFluxModel(settings.model)),
        sink_(sink),
        tick_(asio::make_strand(io)) {}

  void Start() {
    std::lock_guard lock(mutex_);
    Connect();
    ScheduleTick();
  }

  void Write(std::span<const std::int16_t> samples) {
    std::lock_guard lock(mutex_);
    if (stopped_ || failed_) return;
    std::string bytes = AsLittleEndianBytes(samples);
    utterance_audio_ += bytes;
    if (connection_) {
      connection_->SendBinary(std::move(bytes));
      last_sent_ = SteadyClock::now();
    }
  }

  void Finalize() {
    std::lock_guard lock(mutex_);
    if (stopped_ || failed_) return;
    finalize_pending_ = true;
    SendFinalize();
    if (speech_closed_ && !segments_.empty()) Emit();  // Flux: a turn its timeout ended before
  }

  // The call is over: CloseStream, and nothing more reaches the sink.
  void Stop() {
    std::shared_ptr<WebSocketConnection> connection;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      connection = std::move(connection_);
    }
    if (connection) {
      connection->SendText(R"({"type":"CloseStream"})");
      connection->Close();  // outside the lock: it waits for a handler call in progress
    }
  }

  void OnMessage(std::string_view message, bool binary) override {
    if (binary) return;
    std::lock_guard lock(mutex_);
    if (stopped_ || failed_) return;
    Expected<DeepgramMessage> read = ReadDeepgramMessage(message);
    if (!read) return Broken(read.error(), true);
    switch (read->type) {
      case DeepgramMessage::Type::kResults:
        return Heard(*read);
      case DeepgramMessage::Type::kTurnInfo:
        return TurnHeard(*read);
      case DeepgramMessage::Type::kUtteranceEnd:
        speech_closed_ = true;
        if (finalize_pending_) Emit();
        return;
      case DeepgramMessage::Type::kMetadata:
        spdlog::debug("deepgram: request {}", read->request_id);
        return;
      case DeepgramMessage::Type::kError:
        return Broken(Error::Unavailable("Deepgram reported an error: " + read->error), true);
      case DeepgramMessage::Type::kSpeechStarted:  // our own detector hears the caller sooner
      case DeepgramMessage::Type::kOther:
        return;
    }
  }

  void OnClose(Expected<void> result) override {
    std::lock_guard lock(mutex_);
    if (stopped_ || failed_) return;
    connection_.reset();
    Broken(result ? Error::Unavailable("Deepgram closed the connection") : result.error(), false);
  }

 private:
  void Connect() {
    reconnect_at_.reset();
    connection_ = WebSocketConnection::Open(io_, tls_, url_,
                                            {{"Authorization", "Token " + settings_.api_key}},
                                            settings_.websocket, *this);
    last_sent_ = SteadyClock::now();
    // A new socket hears the utterance in progress from its start (queued until it opens).
    if (!utterance_audio_.empty()) connection_->SendBinary(utterance_audio_);
    if (finalize_pending_) SendFinalize();
  }

  void SendFinalize() {
    finalize_sent_at_ = SteadyClock::now();
    if (!connection_) return;
    connection_->SendText(flux_ ? R"({"type":"ForceEndTurn"})" : R"({"type":"Finalize"})");
  }

  // Flux: a turn's end carries its whole transcript; the other events are progress.
  void TurnHeard(const DeepgramMessage& turn) {
    if (turn.event != "EndOfTurn") return;
    failures_ = 0;
    segments_.clear();
    if (!turn.transcript.empty()) segments_.push_back(turn.transcript);
    confidence_ = turn.confidence;
    speech_closed_ = true;
    if (finalize_pending_) Emit();
  }

  void Heard(const DeepgramMessage& result) {
    if (!result.is_final) {
      if (!result.transcript.empty()) speech_closed_ = false;  // the caller is still talking
      return;
    }
    failures_ = 0;  // the provider is serving us again
    if (!result.transcript.empty()) {
      segments_.push_back(result.transcript);
      confidence_ = std::min(confidence_, result.confidence);
      speech_closed_ = result.speech_final;
    } else if (result.speech_final) {
      speech_closed_ = true;
    }
    if (finalize_pending_ && (result.from_finalize || (speech_closed_ && !segments_.empty()))) {
      Emit();
    }
  }

  // The utterance's final transcript, from the pieces since the last one.
  void Emit() {
    std::string joined;
    for (const std::string& segment : segments_) joined += segment + " ";
    Transcript transcript{.text = Dictation(joined), .is_final = true};
    transcript.understood = !transcript.text.empty();
    transcript.confidence = segments_.empty() ? 0.0 : confidence_;
    segments_.clear();
    confidence_ = 1.0;
    speech_closed_ = false;
    finalize_pending_ = false;
    utterance_audio_.clear();
    if (!stopped_) sink_.OnTranscript(std::move(transcript));
  }

  // The socket cannot go on: open another after a backoff, or give up. `close`: ours to close.
  void Broken(const Error& error, bool close) {
    spdlog::warn("deepgram: {}", error.message);
    if (close && connection_) {
      connection_->Close();  // from its own handler: returns at once
      connection_.reset();
    }
    if (++failures_ > settings_.reconnect_attempts) {
      failed_ = true;
      sink_.OnError(error);
      return;
    }
    reconnect_at_ = SteadyClock::now() + kFirstReconnectBackoff * (1 << (2 * (failures_ - 1)));
  }

  void ScheduleTick() {
    tick_.expires_after(kDeepgramTick);
    tick_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->Tick();
    });
  }

  // The timers: a finalize unanswered, a socket idle too long, a reconnect due.
  void Tick() {
    std::lock_guard lock(mutex_);
    if (stopped_ || failed_) return;  // not rearmed: the last reference goes
    const SteadyClock::time_point now = SteadyClock::now();
    if (finalize_pending_ && now - finalize_sent_at_ >= settings_.finalize_timeout) {
      spdlog::debug("deepgram: no answer to Finalize within {} ms; the utterance ends as heard",
                    settings_.finalize_timeout.count());
      Emit();
    }
    if (connection_ && now - last_sent_ >= settings_.keep_alive_every) {
      connection_->SendText(R"({"type":"KeepAlive"})");
      last_sent_ = now;
    }
    if (!connection_ && reconnect_at_ && now >= *reconnect_at_) Connect();
    ScheduleTick();
  }

  asio::io_context& io_;
  asio::ssl::context& tls_;
  const DeepgramSettings settings_;
  const std::string url_;
  const bool flux_;
  RecognitionSink& sink_;
  asio::steady_timer tick_;  // used on its strand only

  std::mutex mutex_;
  std::shared_ptr<WebSocketConnection> connection_;
  std::string utterance_audio_;  // since the last transcript, to send again on a new socket
  std::vector<std::string> segments_;
  double confidence_ = 1.0;
  bool speech_closed_ = false;  // Deepgram heard the speech end, and no word since
  bool finalize_pending_ = false;
  SteadyClock::time_point finalize_sent_at_{};
  SteadyClock::time_point last_sent_{};
  int failures_ = 0;
  std::optional<SteadyClock::time_point> reconnect_at_;
  bool stopped_ = false;
  bool failed_ = false;
};

class DeepgramRecognizer final : public SpeechRecognizer {
 public:
  explicit DeepgramRecognizer(std::shared_ptr<Listening> listening)
      : listening_(std::move(listening)) {}
  ~DeepgramRecognizer() override { listening_->Stop(); }

  void Expect(std::vector<std::string>) override {}  // dictation: hints are fixed per socket
  void Write(std::span<const std::int16_t> samples) override { listening_->Write(samples); }
  void Finalize() override { listening_->Finalize(); }

 private:
  std::shared_ptr<Listening> listening_;
};

}  // namespace

bool IsFluxModel(const std::string& model) { return model.starts_with("flux"); }

std::string DeepgramListenUrl(const DeepgramSettings& settings, int sample_rate) {
  if (IsFluxModel(settings.model)) {
    // Our turn taking ends turns (ForceEndTurn); Flux's own timeout is only a backstop.
    return fmt::format(
        "{}?model={}&encoding=linear16&sample_rate={}&eot_threshold=1.0&eot_timeout_ms=30000",
        settings.url.empty() ? "wss://api.deepgram.com/v2/listen" : settings.url, settings.model,
        sample_rate);
  }
  return fmt::format(
      "{}?model={}&language={}&encoding=linear16&sample_rate={}&channels=1&interim_results=true&"
      "endpointing={}&utterance_end_ms={}&vad_events=true",
      settings.url.empty() ? "wss://api.deepgram.com/v1/listen" : settings.url, settings.model,
      settings.language, sample_rate, settings.endpointing_ms, settings.utterance_end_ms);
}

DeepgramSpeechToText::DeepgramSpeechToText(asio::io_context& io, asio::ssl::context& tls,
                                           DeepgramSettings settings)
    : io_(io), tls_(tls), settings_(std::move(settings)) {}

Expected<std::unique_ptr<SpeechRecognizer>> DeepgramSpeechToText::Open(int sample_rate,
                                                                       RecognitionSink& sink) {
  auto listening = std::make_shared<Listening>(io_, tls_, settings_, sample_rate, sink);
  listening->Start();
  return std::make_unique<DeepgramRecognizer>(std::move(listening));
}

}  // namespace talky
