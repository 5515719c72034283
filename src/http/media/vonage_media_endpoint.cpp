#include "http/media/vonage_media_endpoint.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <optional>

#include "telephony/vonage/vonage_media_message.h"

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using SteadyClock = std::chrono::steady_clock;

// A close reason travels in a control frame: at most 123 bytes.
std::string CloseReason(std::string text) {
  if (text.size() > 123) text.resize(123);
  return text;
}

}  // namespace

class VonageMediaEndpoint::Connection final : public MediaGateway,
                                              public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, VonageMediaEndpoint& endpoint)
      : ws_(std::move(socket)),
        first_message_timer_(ws_.get_executor()),
        pacer_(ws_.get_executor()),
        endpoint_(endpoint),
        options_(endpoint.options_) {}

  ~Connection() override { endpoint_.Unregister(this); }

  void Start(beast::http::request<beast::http::string_body> request) {
    request_ = std::move(request);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(options_.max_message_bytes);
    // 20 ms frames are small writes: Nagle's algorithm would hold one back until the previous is
    // acknowledged (tens of ms with delayed ACKs), making the agent late and its pacing uneven.
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    ws_.async_accept(request_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Finish("handshake_failed", ec.message());
      self->first_message_timer_.expires_after(self->options_.first_message_timeout);
      self->first_message_timer_.async_wait([weak = self->weak_from_this()](beast::error_code e) {
        auto alive = weak.lock();
        if (e || !alive || alive->listener_ || alive->finished_) return;
        alive->Refuse(websocket::close_code::policy_error, "first_message_timeout",
                      "no websocket:connected message within " +
                          std::to_string(alive->options_.first_message_timeout.count()) + " ms");
      });
      self->Read();
    });
  }

  // Closes as the server stops.
  void GoAway() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->CloseWhenFlushed(websocket::close_code::going_away, "the server is stopping");
    });
  }

  // MediaGateway
  int sample_rate() const override { return sample_rate_; }
  std::chrono::milliseconds max_lead() const override { return options_.max_lead; }
  void AudioReady() override {
    if (options_.pace_by_caller_audio) return PaceByCallerAudio();
    if (sent_in_burst_ == 0 && listener_) Pace();  // idle: start the burst now, not next tick
  }

  void Post(std::function<void()> task) override {
    asio::post(ws_.get_executor(), [weak = weak_from_this(), task = std::move(task)] {
      auto alive = weak.lock();
      if (alive && !alive->finished_) task();
    });
  }

  void ClearPlayback() override {
    // Audio not yet handed to the socket goes; the message being written cannot be taken back.
    std::erase_if(queue_, [](const Outgoing& message) { return !message.text; });
    sent_in_burst_ = 0;
    Queue({.text = true, .data = VonageClearAction()});
  }

  void NotifyWhenPlayed(int marker) override {
    Queue({.text = true, .data = VonageNotifyAction({{"marker", marker}})});
  }

  void Hangup(std::string reason) override {
    hanging_up_ = true;
    CloseWhenFlushed(websocket::close_code::normal, reason);
  }

  std::optional<Instant> answered_at() const override { return answered_at_; }

 private:
  struct Outgoing {
    bool text = false;
    std::string data;
  };

  void Read() {
    ws_.async_read(
        in_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      const bool closed = ec == websocket::error::closed;
      const std::string fallback = closed ? "peer_closed" : "read_error";
      return Finish(close_label_.empty() ? fallback : close_label_,
                    closed ? std::string(ws_.reason().reason.data(), ws_.reason().reason.size())
                           : ec.message());
    }
    const std::string_view data(static_cast<const char*>(in_.cdata().data()), in_.size());
    const bool text = ws_.got_text();
    if (!listener_) {
      first_message_timer_.cancel();
      OnFirstMessage(text, data);
    } else if (!text) {
      OnAudioMessage(data);
    } else {
      OnTextMessage(data);
    }
    in_.consume(in_.size());
    if (!finished_) Read();
  }

  void OnFirstMessage(bool text, std::string_view data) {
    if (!text) {
      return Refuse(websocket::close_code::policy_error, "bad_first_message",
                    "the first message must be the websocket:connected text event");
    }
    Expected<VonageMediaEvent> event = ParseVonageMediaEvent(data);
    if (!event || !std::holds_alternative<VonageMediaConnected>(*event)) {
      return Refuse(websocket::close_code::policy_error, "bad_first_message",
                    "the first message must be websocket:connected" +
                        (event ? std::string() : ": " + event.error().Describe()));
    }
    const auto& connected = std::get<VonageMediaConnected>(*event);
    sample_rate_ = connected.sample_rate;
    frame_bytes_ = SamplesPerFrame(sample_rate_) * 2;
    call_id_ = connected.call_id;
    answered_at_ = connected.answered_at;
    Expected<std::shared_ptr<MediaListener>> listener =
        endpoint_.acceptor_.Accept(call_id_, shared_from_this());
    if (!listener) {
      const ErrorCode code = listener.error().code;
      return Refuse(code == ErrorCode::kUnavailable ? websocket::close_code::try_again_later
                                                    : websocket::close_code::policy_error,
                    code == ErrorCode::kNotFound   ? "unknown_call"
                    : code == ErrorCode::kConflict ? "duplicate_call"
                                                   : "unavailable",
                    listener.error().message);
    }
    listener_ = std::move(*listener);
    Count("talky_media_connections_total", "Media WebSocket connections, by result",
          {{"result", "accepted"}});
    if (options_.pace_by_caller_audio) return PaceByCallerAudio();
    Pace();
  }

  void OnAudioMessage(std::string_view data) {
    if (data.size() != frame_bytes_) {
      return Refuse(websocket::close_code::bad_payload, "bad_frame_size",
                    "an audio message of " + std::to_string(data.size()) + " bytes; 20 ms at " +
                        std::to_string(sample_rate_) + " Hz is " + std::to_string(frame_bytes_));
    }
    frame_in_.resize(frame_bytes_ / 2);
    for (std::size_t i = 0; i < frame_in_.size(); ++i) {
      const auto low = static_cast<unsigned char>(data[2 * i]);
      const auto high = static_cast<unsigned char>(data[2 * i + 1]);
      frame_in_[i] = static_cast<std::int16_t>(static_cast<std::uint16_t>(low | (high << 8)));
    }
    listener_->OnAudio(frame_in_);
    if (options_.pace_by_caller_audio && listener_) {
      ++caller_frames_;
      PaceByCallerAudio();
    }
  }

  void OnTextMessage(std::string_view data) {
    Expected<VonageMediaEvent> event = ParseVonageMediaEvent(data);
    if (!event) {
      return Refuse(websocket::close_code::unknown_data, "bad_text", event.error().Describe());
    }
    if (std::holds_alternative<VonageMediaConnected>(*event)) {
      return Refuse(websocket::close_code::policy_error, "bad_text",
                    "a second websocket:connected on one connection");
    }
    if (const auto* dtmf = std::get_if<VonageMediaDtmf>(&*event)) {
      listener_->OnDtmf(dtmf->digit, std::chrono::milliseconds(dtmf->duration_ms));
    } else if (std::holds_alternative<VonageMediaCleared>(*event)) {
      listener_->OnPlaybackCleared();
    } else if (const auto* notify = std::get_if<VonageMediaNotify>(&*event)) {
      if (notify->payload.is_object() && notify->payload.contains("marker") &&
          notify->payload["marker"].is_number_integer()) {
        listener_->OnPlayed(notify->payload["marker"].get<int>());
      }
    }
  }

  // Sends the agent's frames as the media clock allows: a burst of audio starts on the clock's
  // now and may run max_lead ahead of it; a pause long enough for the far side to play all that
  // was sent starts a new burst.
  void Pace() {
    if (finished_ || hanging_up_ || close_code_) return;
    const auto now = SteadyClock::now();
    if (sent_in_burst_ > 0) {  // the media clock's tick while audio flows: how late it fired
      endpoint_.pacing_lateness_.Observe(std::chrono::duration<double>(now - pacer_due_).count());
    }
    if (sent_in_burst_ == 0) burst_start_ = now;
    const auto elapsed = now - burst_start_;
    const auto allowed = static_cast<std::size_t>((elapsed + options_.max_lead) / kFrameDuration);
    while (sent_in_burst_ < allowed && !close_code_) {
      if (!listener_->NextFrame(frame_out_)) {
        if (sent_in_burst_ * kFrameDuration <= elapsed) sent_in_burst_ = 0;
        break;
      }
      SendAgentFrame();
      ++sent_in_burst_;
    }
    if (finished_) return;
    pacer_due_ = now + kFrameDuration;
    pacer_.expires_at(pacer_due_);
    pacer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Pace();
    });
  }

  // The media clock is the caller's frames: the agent's audio may run max_lead ahead of them; after
  // a silence its next frame plays "now".
  void PaceByCallerAudio() {
    if (finished_ || hanging_up_ || close_code_ || !listener_) return;
    const long lead = static_cast<long>(options_.max_lead / kFrameDuration);
    agent_frames_ = std::max(agent_frames_, caller_frames_);
    while (agent_frames_ < caller_frames_ + lead && !close_code_ && listener_) {
      if (!listener_->NextFrame(frame_out_)) break;
      SendAgentFrame();
      ++agent_frames_;
    }
  }

  void SendAgentFrame() {
    std::string bytes(frame_out_.size() * 2, '\0');
    for (std::size_t i = 0; i < frame_out_.size(); ++i) {
      const auto sample = static_cast<std::uint16_t>(frame_out_[i]);
      bytes[2 * i] = static_cast<char>(sample & 0xff);
      bytes[2 * i + 1] = static_cast<char>(sample >> 8);
    }
    Queue({.text = false, .data = std::move(bytes)});
  }

  void Queue(Outgoing message) {
    if (finished_ || closing_) return;
    if (queue_.size() >= options_.max_queued_writes) {
      // The peer stopped reading: no graceful close can get through either.
      Warn("peer_stalled",
           "the peer stopped reading (" + std::to_string(queue_.size()) + " messages waiting)");
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      close_label_ = "peer_stalled";
      return;
    }
    queue_.push_back(std::move(message));
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    if (queue_.empty()) {
      writing_ = false;
      if (close_code_) DoClose();
      return;
    }
    writing_ = true;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    ws_.text(in_flight_.text);
    ws_.async_write(asio::buffer(in_flight_.data), [self = shared_from_this()](beast::error_code ec,
                                                                               std::size_t) {
      if (ec) {
        self->writing_ = false;
        return self->Finish(self->close_label_.empty() ? "write_error" : self->close_label_,
                            ec.message());
      }
      self->WriteNext();
    });
  }

  void Refuse(websocket::close_code code, const std::string& label, const std::string& message) {
    if (!listener_) {
      Count("talky_media_connections_total", "Media WebSocket connections, by result",
            {{"result", "refused"}});
    }
    Warn(label, message);
    queue_.clear();
    close_label_ = label;
    CloseWhenFlushed(code, message);
  }

  void Warn(const std::string& label, const std::string& message) {
    spdlog::warn("media: call {}: closing ({}): {}", call_id_.value.empty() ? "?" : call_id_.value,
                 label, message);
  }

  void CloseWhenFlushed(websocket::close_code code, const std::string& reason) {
    if (finished_ || close_code_) return;
    close_code_ = code;
    close_text_ = CloseReason(reason);
    if (close_label_.empty()) close_label_ = code == websocket::close_code::normal ? "hangup" : "";
    if (code == websocket::close_code::going_away) close_label_ = "server_stopping";
    if (!writing_) DoClose();
  }

  void DoClose() {
    if (closing_) return;
    closing_ = true;
    pacer_.cancel();
    ws_.async_close(websocket::close_reason(*close_code_, close_text_),
                    [self = shared_from_this()](beast::error_code) {
                      // The read loop sees the peer's close (or the socket's end) and finishes.
                    });
  }

  void Finish(const std::string& label, const std::string& detail) {
    if (finished_) return;
    finished_ = true;
    first_message_timer_.cancel();
    pacer_.cancel();
    Count("talky_media_closes_total", "Media WebSocket connections closed, by reason",
          {{"reason", label}});
    if (listener_) {
      listener_->OnClosed(detail.empty() ? label : label + ": " + detail);
      listener_.reset();  // the pipeline holds this connection: break the cycle
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void Count(const std::string& name, const std::string& help, MetricLabels labels) {
    endpoint_.metrics_.GetCounter(name, help, std::move(labels)).Increment();
  }

  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer first_message_timer_;
  asio::steady_timer pacer_;
  VonageMediaEndpoint& endpoint_;
  const VonageMediaOptions& options_;
  beast::http::request<beast::http::string_body> request_;
  beast::flat_buffer in_;
  Samples frame_in_;
  Samples frame_out_;

  int sample_rate_ = kWidebandRate;
  std::size_t frame_bytes_ = SamplesPerFrame(kWidebandRate) * 2;
  CallId call_id_;
  std::optional<Instant> answered_at_;
  std::shared_ptr<MediaListener> listener_;

  SteadyClock::time_point burst_start_{};
  SteadyClock::time_point pacer_due_{};
  std::size_t sent_in_burst_ = 0;
  long caller_frames_ = 0;  // with pace_by_caller_audio: the media clock
  long agent_frames_ = 0;   // where the agent's next frame plays on that clock
  std::deque<Outgoing> queue_;
  Outgoing in_flight_;  // the message being written, outside the queue that ClearPlayback edits
  bool writing_ = false;
  bool hanging_up_ = false;
  std::optional<websocket::close_code> close_code_;
  std::string close_text_;
  std::string close_label_;
  bool closing_ = false;
  bool finished_ = false;
};

VonageMediaEndpoint::VonageMediaEndpoint(MediaCallAcceptor& acceptor, Metrics& metrics,
                                         VonageMediaOptions options)
    : acceptor_(acceptor),
      metrics_(metrics),
      pacing_lateness_(metrics.GetHistogram(
          "talky_media_pacing_lateness_seconds",
          "How late the media clock's 20 ms ticks fired while agent audio was being sent",
          {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1})),
      options_(options) {}

VonageMediaEndpoint::~VonageMediaEndpoint() = default;

void VonageMediaEndpoint::TakeOver(asio::ip::tcp::socket socket,
                                   beast::http::request<beast::http::string_body> request) {
  auto connection = std::make_shared<Connection>(std::move(socket), *this);
  Register(connection);
  connection->Start(std::move(request));
}

void VonageMediaEndpoint::Register(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  connections_[connection.get()] = connection;
}

void VonageMediaEndpoint::Unregister(const Connection* connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);
  connections_changed_.notify_all();
}

void VonageMediaEndpoint::CloseAll(std::chrono::milliseconds grace) {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, weak] : connections_) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  for (const auto& connection : open) connection->GoAway();
  open.clear();
  std::unique_lock lock(mutex_);
  connections_changed_.wait_for(lock, grace, [this] { return connections_.empty(); });
}

}  // namespace talky
