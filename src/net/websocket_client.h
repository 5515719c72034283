// One WebSocket connection to a cloud provider (Deepgram's listening socket, Cartesia's speaking
// socket), asynchronous on an io_context that many connections share: no thread per connection.
// ws:// and wss:// (TLS verified, tls_client.h). Connecting (name, TCP, TLS, the upgrade) has one
// bound; once open, a peer that falls silent is pinged, and one that answers nothing within the
// idle timeout is taken for dead (a stalled provider).
//
// Threads: Send and Close may be called from any thread. The handler is called on the io_context's
// threads, one call at a time, never after Close returned (Close waits for a call in progress; it
// may be called from inside one).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "net/http_client.h"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}  // namespace ssl
}  // namespace boost::asio

namespace talky {

struct WebSocketOptions {
  std::chrono::milliseconds connect_timeout{5'000};  // name, TCP, TLS and the upgrade together
  std::chrono::milliseconds idle_timeout{10'000};    // silence (ping unanswered) that ends it
  std::chrono::milliseconds close_timeout{2'000};    // a closing handshake that takes longer is cut
  std::size_t max_message_bytes = 4 * 1024 * 1024;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // The upgrade was accepted; what was sent before now goes out.
  virtual void OnOpen() {}
  virtual void OnMessage(std::string_view message, bool binary) = 0;
  // Once, last. Success when the peer closed normally. Otherwise Unavailable (unreachable, a
  // timeout, a dropped connection, a close with another code: its code and reason in the
  // message) or, for a refused upgrade, the answer's status as http_errors.h's HttpStatusError.
  virtual void OnClose(Expected<void> result) = 0;
};

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;

  // Connects to `url` (ws:// or wss://) with `headers` on the upgrade request. `tls` must outlive
  // the connection; the handler must outlive it or its Close. A URL that cannot be used is
  // reported through OnClose like any other failure.
  static std::shared_ptr<WebSocketConnection> Open(boost::asio::io_context& io,
                                                   boost::asio::ssl::context& tls,
                                                   const std::string& url, HttpHeaders headers,
                                                   WebSocketOptions options,
                                                   WebSocketHandler& handler);

  // Queued, and sent in order once the connection is open.
  virtual void SendText(std::string message) = 0;
  virtual void SendBinary(std::string bytes) = 0;

  // On an open connection what is queued is still sent, then it closes normally in the background
  // (within the close timeout); one still connecting is dropped. The handler hears nothing more
  // once this returns. Idempotent.
  virtual void Close() = 0;
};

}  // namespace talky
