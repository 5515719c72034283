// A route of the HttpServer that takes the connection over rather than answering one request: the
// media WebSocket at /media, a campaign's live event stream. The server reads the request like any
// other, then hands the socket over and forgets it. The endpoint owns its connections from then
// on, and closes them when the server stops.
// Threads: TakeOver runs on the connection's strand (the socket's executor) and may block briefly
// as handlers do (store reads); CloseAll on the thread that stops the server.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>

namespace talky {

class ConnectionEndpoint {
 public:
  virtual ~ConnectionEndpoint() = default;
  virtual void TakeOver(boost::asio::ip::tcp::socket socket,
                        boost::beast::http::request<boost::beast::http::string_body> request) = 0;
  // Closes every connection (going away) and returns once none is left, or after `grace`.
  virtual void CloseAll(std::chrono::milliseconds grace) = 0;
};

}  // namespace talky
