// The far side of our media WebSocket (`/media`, src/http/media/), as Vonage plays it when a call
// is answered: it connects, says `websocket:connected` (the audio format and our call id), then
// streams the caller's audio as binary frames and DTMF as text, and hears the agent's audio and
// our `clear` and `notify` actions. Providers whose audio we carry ourselves use it to put a call
// through the same socket as a Vonage call: the SIP provider (its RTP), and the simulated one
// (its speaking callees). What to send and what the actions mean is theirs; this is the socket.
//
// Threads: everything runs on the strand given at Start, every handler too; Send* and Close may
// be called from any thread (they are posted there).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct MediaSocketAddress {
  std::string host = "127.0.0.1";  // an IP address
  int port = 0;                    // the path is /media
};

// How the connection ended, for on_closed.
struct MediaSocketEnd {
  bool connected = false;  // the handshake went through
  // The server closed with a refusal (policy error or try-again-later: unknown call, duplicate,
  // overloaded) or could not be reached at all: kUnavailable. Otherwise it closed normally, the
  // peer dropped, or we closed: ok.
  Expected<void> result;
};

struct MediaSocketHandlers {
  std::function<void()> on_open;  // the handshake went through; websocket:connected is queued
  std::function<void(std::span<const std::int16_t> frame)> on_audio;  // the agent's, one frame
  // A text message that is an object with a string "action"; other text is ignored.
  std::function<void(const nlohmann::json& action)> on_action;
  std::function<void(const MediaSocketEnd& end)> on_closed;  // once, last
};

class MediaSocketClient final : public std::enable_shared_from_this<MediaSocketClient> {
 public:
  // Connects and, once the handshake is done, sends `connected` (the websocket:connected
  // message) first of all.
  static std::shared_ptr<MediaSocketClient> Start(boost::asio::any_io_executor strand,
                                                  MediaSocketAddress address,
                                                  nlohmann::json connected,
                                                  MediaSocketHandlers handlers);

  // The caller's audio (little-endian 16-bit PCM, 20 ms) and events. Dropped before the handshake
  // and after the end.
  void SendAudio(std::span<const std::int16_t> frame);
  void SendEvent(const nlohmann::json& event);
  // Ends the connection (the call is over); on_closed follows.
  void Close();

  MediaSocketClient(boost::asio::any_io_executor strand, MediaSocketAddress address,
                    nlohmann::json connected, MediaSocketHandlers handlers);

 private:
  void Connect();
  void Read();
  void Queue(bool text, std::string data);
  void WriteNext();
  void CloseNow();
  void End(Expected<void> result);

  boost::asio::any_io_executor strand_;
  MediaSocketAddress address_;
  nlohmann::json connected_message_;
  MediaSocketHandlers handlers_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer in_;
  std::deque<std::pair<bool, std::string>> outgoing_;  // (text?, data)
  std::pair<bool, std::string> in_flight_;
  bool writing_ = false;
  bool connected_ = false;
  bool ended_ = false;
};

}  // namespace talky
