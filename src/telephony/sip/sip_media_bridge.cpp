#include "telephony/sip/sip_media_bridge.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <string_view>

namespace talky {
namespace {

// The digits Vonage's websocket:dtmf carries (A-D have no key on a phone's pad).
bool IsPhoneKey(char digit) {
  return std::string_view("0123456789*#").find(digit) != std::string_view::npos;
}

constexpr int kConnectAttempts = 10;
constexpr auto kConnectRetryDelay = std::chrono::milliseconds(200);

}  // namespace

std::shared_ptr<SipMediaBridge> SipMediaBridge::Create(boost::asio::any_io_executor strand,
                                                       SipMediaBridgeOptions options,
                                                       OnClosed on_closed) {
  return std::make_shared<SipMediaBridge>(strand, std::move(options), std::move(on_closed));
}

SipMediaBridge::SipMediaBridge(boost::asio::any_io_executor strand, SipMediaBridgeOptions options,
                               OnClosed on_closed)
    : strand_(strand),
      options_(std::move(options)),
      on_closed_(std::move(on_closed)),
      timer_(strand) {}

RtpMediaCallbacks SipMediaBridge::MediaCallbacks() {
  auto self = shared_from_this();
  return RtpMediaCallbacks{
      .next_frame = [self](std::span<std::int16_t> frame) { return self->NextAgentFrame(frame); },
      .on_frame = [self](std::span<const std::int16_t> frame) { self->OnCallerFrame(frame); },
      .on_dtmf = [self](char digit,
                        std::chrono::milliseconds duration) { self->OnDigit(digit, duration); },
      .on_timeout = {}};
}

void SipMediaBridge::Connect() {
  std::lock_guard lock(mutex_);
  if (closed_ || connect_attempts_ > 0) return;
  OpenSocket();
}

void SipMediaBridge::OpenSocket() {
  auto self = shared_from_this();
  ++connect_attempts_;
  socket_ = MediaSocketClient::Start(
      strand_, options_.media,
      nlohmann::json{{"event", "websocket:connected"},
                     {"content-type", "audio/l16;rate=" + std::to_string(kWidebandRate)},
                     {"call_id", options_.call_id.value}},
      MediaSocketHandlers{
          .on_open = {},
          .on_audio = [self](std::span<const std::int16_t> frame) { self->OnAgentAudio(frame); },
          .on_action = [self](const nlohmann::json& action) { self->OnAction(action); },
          .on_closed = [self](const MediaSocketEnd& end) { self->OnSocketClosed(end); }});
}

void SipMediaBridge::Close() {
  std::shared_ptr<MediaSocketClient> socket;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    socket = std::move(socket_);
    playback_.clear();
    notifies_.clear();
  }
  boost::asio::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
  if (socket) socket->Close();
}

void SipMediaBridge::OnCallerFrame(std::span<const std::int16_t> frame) {
  std::shared_ptr<MediaSocketClient> socket;
  {
    std::lock_guard lock(mutex_);
    socket = socket_;
  }
  if (!socket) return;  // not answered yet, or over
  Samples wideband = up_.Process(frame);
  up_pending_.insert(up_pending_.end(), wideband.begin(), wideband.end());
  const std::size_t frame_samples = SamplesPerFrame(kWidebandRate);
  std::size_t sent = 0;
  for (; up_pending_.size() - sent >= frame_samples; sent += frame_samples) {
    socket->SendAudio(std::span(up_pending_).subspan(sent, frame_samples));
  }
  up_pending_.erase(up_pending_.begin(), up_pending_.begin() + static_cast<long>(sent));
}

void SipMediaBridge::OnDigit(char digit, std::chrono::milliseconds duration) {
  std::shared_ptr<MediaSocketClient> socket;
  {
    std::lock_guard lock(mutex_);
    socket = socket_;
  }
  if (!socket) return;
  if (!IsPhoneKey(digit)) {
    spdlog::info("call {}: DTMF '{}' has no key on a phone's pad; not passed on",
                 options_.call_id.value, digit);
    return;
  }
  socket->SendEvent({{"event", "websocket:dtmf"},
                     {"digit", std::string(1, digit)},
                     {"duration", duration.count()}});
}

bool SipMediaBridge::NextAgentFrame(std::span<std::int16_t> frame) {
  std::lock_guard lock(mutex_);
  if (playback_.empty()) return false;
  const std::size_t count = std::min(frame.size(), playback_.size());
  std::copy_n(playback_.begin(), count, frame.begin());
  std::fill(frame.begin() + static_cast<long>(count), frame.end(), std::int16_t{0});
  playback_.erase(playback_.begin(), playback_.begin() + static_cast<long>(count));
  played_ += count;
  SendDueNotifies();
  return true;
}

void SipMediaBridge::OnAgentAudio(std::span<const std::int16_t> frame) {
  Samples narrowband = down_.Process(frame);
  std::lock_guard lock(mutex_);
  if (closed_) return;
  const auto limit = static_cast<std::size_t>(options_.max_queued.count() * kNarrowbandRate / 1000);
  if (playback_.size() + narrowband.size() > limit) {
    spdlog::warn("call {}: the agent's audio is {} ms ahead of RTP; 20 ms dropped",
                 options_.call_id.value, playback_.size() * 1000 / kNarrowbandRate);
    return;
  }
  playback_.insert(playback_.end(), narrowband.begin(), narrowband.end());
  queued_ += narrowband.size();
}

void SipMediaBridge::OnAction(const nlohmann::json& message) {
  const std::string action = message.value("action", "");
  std::lock_guard lock(mutex_);
  if (closed_ || !socket_) return;
  if (action == "clear") {
    played_ += playback_.size();
    playback_.clear();
    socket_->SendEvent({{"event", "websocket:cleared"}});
    SendDueNotifies();  // what they waited for was dropped: it will never play
  } else if (action == "notify") {
    notifies_.emplace_back(queued_, message.value("payload", nlohmann::json()));
    SendDueNotifies();
  }
}

void SipMediaBridge::SendDueNotifies() {
  if (!socket_) return;
  std::erase_if(notifies_, [this](const std::pair<std::uint64_t, nlohmann::json>& notify) {
    if (notify.first > played_) return false;
    socket_->SendEvent({{"event", "websocket:notify"}, {"payload", notify.second}});
    return true;
  });
}

void SipMediaBridge::OnSocketClosed(const MediaSocketEnd& end) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;                               // we closed it: the call is over already
    const bool refused = !end.result && queued_ == 0;  // before the agent said anything
    if (refused && connect_attempts_ < kConnectAttempts) {
      spdlog::debug("call {}: media socket: {}; trying again", options_.call_id.value,
                    end.result.error().message);
      socket_.reset();
      timer_.expires_after(kConnectRetryDelay);
      timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec) return;
        std::lock_guard retry_lock(self->mutex_);
        if (!self->closed_) self->OpenSocket();
      });
      return;
    }
    closed_ = true;
    socket_.reset();
    if (!end.result) {
      playback_.clear();
      notifies_.clear();
    }
  }
  if (!end.result || options_.hangup_delay <= std::chrono::milliseconds(0))
    return ReportClosed(end);
  // The agent hung up: its last words are still in RTP's queue and the far side's jitter buffer.
  timer_.expires_after(options_.hangup_delay);
  timer_.async_wait([self = shared_from_this(), end](boost::system::error_code ec) {
    if (!ec) self->ReportClosed(end);
  });
}

void SipMediaBridge::ReportClosed(const MediaSocketEnd& end) {
  if (on_closed_) {
    OnClosed on_closed = std::move(on_closed_);
    on_closed(end);
  }
}

}  // namespace talky
