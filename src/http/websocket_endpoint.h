// A path of the HttpServer that speaks WebSocket (the media WebSocket at /media): the server reads
// the upgrade request like any other, then hands the connection over and forgets it. The endpoint
// owns its connections from then on, and closes them when the server stops.
// Threads: Upgrade runs on the connection's strand (the socket's executor); CloseAll on the thread
// that stops the server.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace talky {

class WebSocketEndpoint {
 public:
  virtual ~WebSocketEndpoint() = default;
  virtual void Upgrade(boost::asio::ip::tcp::socket socket,
                       boost::beast::http::request<boost::beast::http::string_body> request) = 0;
  // Closes every connection (going away) and returns once none is left, or after `grace`.
  virtual void CloseAll(std::chrono::milliseconds grace) = 0;
};

}  // namespace talky
