#include "net/websocket_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <mutex>
#include <optional>

#include "net/connect_within.h"
#include "net/http_endpoint.h"
#include "net/http_errors.h"
#include "net/tls_client.h"

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
using PlainSocket = websocket::stream<beast::tcp_stream>;
using SecureSocket = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct OutgoingMessage {
  std::string bytes;
  bool binary = false;
};

template <typename Socket>
class WebSocketSession final : public WebSocketConnection,
                               public std::enable_shared_from_this<WebSocketSession<Socket>> {
 public:
  static constexpr bool kTls = std::is_same_v<Socket, SecureSocket>;

  WebSocketSession(asio::io_context& io, ssl::context& tls, HttpEndpoint endpoint,
                   HttpHeaders headers, WebSocketOptions options, WebSocketHandler& handler)
      : strand_(asio::make_strand(io)),
        resolver_(strand_),
        timer_(strand_),
        endpoint_(std::move(endpoint)),
        headers_(std::move(headers)),
        options_(options),
        handler_(handler) {
    if constexpr (kTls) {
      socket_.emplace(strand_, tls);
    } else {
      socket_.emplace(strand_);
    }
    socket_->read_message_max(options_.max_message_bytes);
  }

  void Begin() {
    asio::dispatch(strand_, [self = this->shared_from_this()] { self->Resolve(); });
  }

  void SendText(std::string message) override { Queue({std::move(message), false}); }
  void SendBinary(std::string bytes) override { Queue({std::move(bytes), true}); }

  void Close() override {
    {
      std::lock_guard lock(mutex_);
      detached_ = true;
    }
    asio::post(strand_, [self = this->shared_from_this()] {
      self->closing_ = true;
      if (!self->open_) return self->Abort();
      self->WriteNext();
    });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(*socket_); }

  void Queue(OutgoingMessage message) {
    asio::post(strand_, [self = this->shared_from_this(), message = std::move(message)]() mutable {
      if (self->ended_ || self->closing_) return;
      self->outgoing_.push_back(std::move(message));
      self->WriteNext();
    });
  }

  void Resolve() {
    if (ended_) return;
    connect_deadline_ = std::chrono::steady_clock::now() + options_.connect_timeout;
    ConnectWithin(resolver_, timer_, Lowest(), endpoint_, connect_deadline_,
                  [self = this->shared_from_this()](beast::error_code ec, const char* what) {
                    if (ec) return self->Fail(what, ec);
                    if constexpr (kTls) {
                      self->SecureHandshake();
                    } else {
                      self->Upgrade();
                    }
                  });
  }

  void SecureHandshake() {
    if (Expected<void> prepared = PrepareTlsClient(socket_->next_layer(), endpoint_.host);
        !prepared) {
      return End(std::unexpected(prepared.error()));
    }
    socket_->next_layer().async_handshake(ssl::stream_base::client,
                                          [self = this->shared_from_this()](beast::error_code ec) {
                                            if (ec) return self->Fail("no TLS handshake with", ec);
                                            self->Upgrade();
                                          });
  }

  void Upgrade() {
    // From here the WebSocket's own timers bound the connection, not the TCP stream's.
    Lowest().expires_never();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        connect_deadline_ - std::chrono::steady_clock::now());
    socket_->set_option(websocket::stream_base::timeout{
        .handshake_timeout = std::max(left, std::chrono::milliseconds(1)),
        .idle_timeout = options_.idle_timeout,
        .keep_alive_pings = true});
    socket_->set_option(
        websocket::stream_base::decorator([headers = headers_](websocket::request_type& request) {
          request.set(beast::http::field::user_agent, "talky");
          for (const auto& [name, value] : headers) request.set(name, value);
        }));
    socket_->async_handshake(upgrade_answer_, endpoint_.HostHeader(), endpoint_.target,
                             [self = this->shared_from_this()](beast::error_code ec) {
                               if (ec == websocket::error::upgrade_declined) {
                                 return self->End(std::unexpected(HttpStatusError(
                                     self->endpoint_, self->upgrade_answer_.result_int(),
                                     self->upgrade_answer_.body())));
                               }
                               if (ec) return self->Fail("no WebSocket upgrade from", ec);
                               self->Opened();
                             });
  }

  void Opened() {
    if (ended_) return;
    open_ = true;
    {
      std::lock_guard lock(mutex_);
      if (!detached_) handler_.OnOpen();
    }
    Read();
    WriteNext();
  }

  void Read() {
    socket_->async_read(
        incoming_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec == websocket::error::closed) return self->ClosedByPeer();
          if (ec) return self->Fail("the connection broke with", ec);
          {
            const std::string message = beast::buffers_to_string(self->incoming_.data());
            self->incoming_.consume(self->incoming_.size());
            std::lock_guard lock(self->mutex_);
            if (!self->detached_) self->handler_.OnMessage(message, !self->socket_->got_text());
          }
          self->Read();
        });
  }

  void WriteNext() {
    if (!open_ || writing_ || ended_) return;
    if (outgoing_.empty()) {
      if (closing_) CloseGracefully();
      return;
    }
    writing_ = true;
    socket_->binary(outgoing_.front().binary);
    socket_->async_write(asio::buffer(outgoing_.front().bytes),
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                           self->writing_ = false;
                           self->outgoing_.pop_front();
                           if (ec) return self->Fail("could not send to", ec);
                           self->WriteNext();
                         });
  }

  void CloseGracefully() {
    if (close_sent_) return;
    close_sent_ = true;
    // The peer's answer to our close ends the pending read; a peer that never answers is cut.
    timer_.expires_after(options_.close_timeout);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->Abort();
    });
    socket_->async_close(websocket::close_code::normal,
                         [self = this->shared_from_this()](beast::error_code) {});
  }

  void ClosedByPeer() {
    const websocket::close_reason& reason = socket_->reason();
    if (reason.code == websocket::close_code::normal || close_sent_) return End({});
    std::string message = endpoint_.Origin() + " closed the connection with code " +
                          std::to_string(static_cast<int>(reason.code));
    if (!reason.reason.empty()) message += ": " + std::string(reason.reason.c_str());
    End(std::unexpected(Error::Unavailable(std::move(message))));
  }

  void Fail(const char* what, beast::error_code ec) {
    if (ended_) return;
    if (ec != beast::error::timeout) {
      return End(std::unexpected(TransportError(endpoint_, what, ec)));
    }
    if (!open_) {
      return End(
          std::unexpected(Error::Unavailable("could not open a WebSocket to " + endpoint_.Origin() +
                                             " within " + Millis(options_.connect_timeout))));
    }
    End(std::unexpected(Error::Unavailable(endpoint_.Origin() + " fell silent for " +
                                           Millis(options_.idle_timeout))));
  }

  void End(Expected<void> result) {
    if (ended_) return;
    Abort();
    std::lock_guard lock(mutex_);
    if (!detached_) handler_.OnClose(std::move(result));
  }

  // Closes the socket at once; pending operations end with errors that End ignores.
  void Abort() {
    if (ended_) return;
    ended_ = true;
    timer_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  Strand strand_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::optional<Socket> socket_;
  HttpEndpoint endpoint_;
  HttpHeaders headers_;
  WebSocketOptions options_;
  WebSocketHandler& handler_;

  // On the strand:
  std::chrono::steady_clock::time_point connect_deadline_{};  // also bounds the upgrade
  websocket::response_type upgrade_answer_;
  beast::flat_buffer incoming_;
  std::deque<OutgoingMessage> outgoing_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool ended_ = false;

  // Between the strand and Close's caller; held while the handler runs (recursive: a handler may
  // close).
  std::recursive_mutex mutex_;
  bool detached_ = false;
};

// A connection whose URL cannot be used: its error, reported on the io_context like any other end.
class UnusableConnection final : public WebSocketConnection {
 public:
  UnusableConnection(WebSocketHandler& handler, Error error)
      : handler_(handler), error_(std::move(error)) {}

  void Report() {
    std::lock_guard lock(mutex_);
    if (!detached_) handler_.OnClose(std::unexpected(error_));
  }
  void SendText(std::string) override {}
  void SendBinary(std::string) override {}
  void Close() override {
    std::lock_guard lock(mutex_);
    detached_ = true;
  }

 private:
  WebSocketHandler& handler_;
  Error error_;
  std::recursive_mutex mutex_;
  bool detached_ = false;
};

}  // namespace

std::shared_ptr<WebSocketConnection> WebSocketConnection::Open(
    asio::io_context& io, ssl::context& tls, const std::string& url, HttpHeaders headers,
    WebSocketOptions options, WebSocketHandler& handler) {
  Expected<HttpEndpoint> endpoint = ParseWebSocketEndpoint(url);
  if (!endpoint) {
    auto unusable = std::make_shared<UnusableConnection>(handler, endpoint.error());
    asio::post(io, [unusable] { unusable->Report(); });
    return unusable;
  }
  if (endpoint->tls) {
    auto connection = std::make_shared<WebSocketSession<SecureSocket>>(
        io, tls, std::move(*endpoint), std::move(headers), options, handler);
    connection->Begin();
    return connection;
  }
  auto connection = std::make_shared<WebSocketSession<PlainSocket>>(
      io, tls, std::move(*endpoint), std::move(headers), options, handler);
  connection->Begin();
  return connection;
}

}  // namespace talky
