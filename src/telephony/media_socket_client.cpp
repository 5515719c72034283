#include "telephony/media_socket_client.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <cstring>

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

constexpr auto kConnectTimeout = std::chrono::seconds(10);

}  // namespace

std::shared_ptr<MediaSocketClient> MediaSocketClient::Start(asio::any_io_executor strand,
                                                            MediaSocketAddress address,
                                                            nlohmann::json connected,
                                                            MediaSocketHandlers handlers) {
  auto client = std::make_shared<MediaSocketClient>(strand, std::move(address),
                                                    std::move(connected), std::move(handlers));
  asio::post(strand, [client] { client->Connect(); });
  return client;
}

MediaSocketClient::MediaSocketClient(asio::any_io_executor strand, MediaSocketAddress address,
                                     nlohmann::json connected, MediaSocketHandlers handlers)
    : strand_(strand),
      address_(std::move(address)),
      connected_message_(std::move(connected)),
      handlers_(std::move(handlers)),
      ws_(strand) {}

void MediaSocketClient::SendAudio(std::span<const std::int16_t> frame) {
  // Little-endian PCM: the machine's own order on the platforms we build for.
  std::string bytes(frame.size_bytes(), '\0');
  std::memcpy(bytes.data(), frame.data(), frame.size_bytes());
  asio::post(strand_, [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
    if (self->connected_) self->Queue(false, std::move(bytes));
  });
}

void MediaSocketClient::SendEvent(const nlohmann::json& event) {
  asio::post(strand_, [self = shared_from_this(), text = event.dump()]() mutable {
    if (self->connected_) self->Queue(true, std::move(text));
  });
}

void MediaSocketClient::Close() {
  asio::post(strand_, [self = shared_from_this()] { self->CloseNow(); });
}

void MediaSocketClient::Connect() {
  beast::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(address_.host, ec);
  if (ec) {
    return End(std::unexpected(Error::InvalidArgument("bad media host " + address_.host)));
  }
  beast::get_lowest_layer(ws_).expires_after(kConnectTimeout);
  beast::get_lowest_layer(ws_).async_connect(
      asio::ip::tcp::endpoint(ip, static_cast<unsigned short>(address_.port)),
      [self = shared_from_this()](beast::error_code error) {
        if (self->ended_) return;
        if (error) {
          return self->End(std::unexpected(Error::Unavailable("media socket: " + error.message())));
        }
        beast::get_lowest_layer(self->ws_).socket().set_option(asio::ip::tcp::no_delay(true));
        self->ws_.async_handshake(
            self->address_.host, "/media", [self](beast::error_code handshake_error) {
              if (self->ended_) return;
              if (handshake_error) {
                return self->End(std::unexpected(
                    Error::Unavailable("media socket handshake: " + handshake_error.message())));
              }
              beast::get_lowest_layer(self->ws_).expires_never();
              self->connected_ = true;
              self->Queue(true, self->connected_message_.dump());
              if (self->handlers_.on_open) self->handlers_.on_open();
              if (!self->ended_) self->Read();
            });
      });
}

void MediaSocketClient::Read() {
  ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->ended_) return;
    if (ec) {
      const websocket::close_reason& reason = self->ws_.reason();
      const bool refused =
          ec == websocket::error::closed && (reason.code == websocket::close_code::policy_error ||
                                             reason.code == websocket::close_code::try_again_later);
      if (refused) {
        return self->End(std::unexpected(
            Error::Unavailable("the media socket refused the call: " +
                               std::string(reason.reason.data(), reason.reason.size()))));
      }
      return self->End({});
    }
    const auto* data = static_cast<const char*>(self->in_.cdata().data());
    const std::size_t size = self->in_.size();
    if (self->ws_.got_text()) {
      const nlohmann::json message =
          nlohmann::json::parse(std::string_view(data, size), nullptr, false);
      self->in_.consume(size);
      const bool action =
          message.is_object() && message.contains("action") && message["action"].is_string();
      if (action && self->handlers_.on_action) {
        self->handlers_.on_action(message);
      }
    } else {
      std::vector<std::int16_t> frame(size / 2);
      std::memcpy(frame.data(), data, frame.size() * 2);
      self->in_.consume(size);
      if (self->handlers_.on_audio) self->handlers_.on_audio(frame);
    }
    if (!self->ended_) self->Read();
  });
}

void MediaSocketClient::Queue(bool text, std::string data) {
  if (ended_) return;
  outgoing_.emplace_back(text, std::move(data));
  if (!writing_) WriteNext();
}

void MediaSocketClient::WriteNext() {
  if (outgoing_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  in_flight_ = std::move(outgoing_.front());
  outgoing_.pop_front();
  ws_.text(in_flight_.first);
  ws_.async_write(asio::buffer(in_flight_.second),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) {
                      self->writing_ = false;
                      self->outgoing_.clear();
                      return;  // the read side sees the connection's end
                    }
                    self->WriteNext();
                  });
}

void MediaSocketClient::CloseNow() {
  if (ended_) return;
  if (!connected_) return End(std::unexpected(Error::Unavailable("closed before connecting")));
  outgoing_.clear();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);  // the read loop ends the connection
}

void MediaSocketClient::End(Expected<void> result) {
  if (ended_) return;
  ended_ = true;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  MediaSocketHandlers handlers = std::move(handlers_);
  handlers_ = {};
  if (handlers.on_closed) {
    handlers.on_closed(MediaSocketEnd{.connected = connected_, .result = std::move(result)});
  }
}

}  // namespace talky
