// A fake of a cloud WebSocket API (Deepgram's listening socket, Cartesia's speaking socket): a
// server on 127.0.0.1, plain or TLS (with a certificate the test trusts). Each connection's upgrade
// request is kept; the test's script refuses it (an HTTP status and body) or accepts it, then
// answers each message the client sends, from the connection's own thread, through a WebSocketPeer
// (send text or binary, sleep, close with a code, or drop the TCP connection). Every message
// received is kept, in order, with the connection it came on.
//
// Stop (or the destructor) cuts every connection, ends any sleep and joins.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/loopback_http_server.h"
#include "net/tls_test_server.h"

namespace talky::testing {

struct ReceivedWebSocketMessage {
  int connection = 0;  // 0 for the first connection accepted, 1 for the next...
  bool binary = false;
  std::string bytes;
  std::chrono::steady_clock::time_point at;
};

class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  virtual void SendText(const std::string& text) = 0;
  virtual void SendBinary(const std::string& bytes) = 0;
  // False when the server is stopping (the script should return).
  virtual bool Sleep(std::chrono::milliseconds duration) = 0;
  virtual void Close(int code, const std::string& reason) = 0;  // the closing handshake
  virtual void Drop() = 0;                                      // the TCP connection, no close
};

struct WebSocketScript {
  int refuse_status = 0;  // not 0: the upgrade is answered with this status and body
  std::string refuse_body;
  std::function<void(WebSocketPeer&)> on_open;
  std::function<void(WebSocketPeer&, const ReceivedWebSocketMessage&)> on_message;
};

class ScriptedWebSocketServer {
 public:
  // `script` is asked once per connection, given its upgrade request. TLS with `certificate`.
  explicit ScriptedWebSocketServer(std::function<WebSocketScript(const LoopbackRequest&)> script,
                                   std::optional<SelfSignedCertificate> certificate = std::nullopt);
  ~ScriptedWebSocketServer();
  ScriptedWebSocketServer(const ScriptedWebSocketServer&) = delete;
  ScriptedWebSocketServer& operator=(const ScriptedWebSocketServer&) = delete;

  std::string Url(const std::string& path) const;  // ws(s)://127.0.0.1:<port><path>
  std::vector<LoopbackRequest> upgrades() const;
  std::vector<ReceivedWebSocketMessage> messages() const;
  // Waits until `done` holds for the messages received (true), or `timeout` passed (false).
  bool WaitFor(const std::function<bool(const std::vector<ReceivedWebSocketMessage>&)>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A server whose script depends only on which connection it is (0 for the first accepted).
std::unique_ptr<ScriptedWebSocketServer> ServeByConnection(
    std::function<WebSocketScript(int connection)> script,
    std::optional<SelfSignedCertificate> certificate = std::nullopt);

}  // namespace talky::testing
