// The first steps of our asynchronous clients (http_stream, websocket_client): resolve the
// endpoint's name and connect to one of its addresses, the two together within one deadline. Name
// resolution has no socket to put an expiry on, so `timer` cancels it; the stream's expiry stays at
// the deadline, so a TLS handshake that follows is bound by it too. Included only by the net
// layer's sources (it brings in Asio and Beast).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>

#include "net/http_endpoint.h"

namespace talky {

// `done(ec, what)` is called once, on the resolver's executor: no error, or the error of the step
// that failed and `what` names it for the message ("could not resolve the name of", "could not
// connect to"); a step that ran out of time fails with beast::error::timeout. The resolver, timer
// and stream must outlive the call; `done` is what keeps their owner alive.
template <typename Done>
void ConnectWithin(boost::asio::ip::tcp::resolver& resolver, boost::asio::steady_timer& timer,
                   boost::beast::tcp_stream& stream, const HttpEndpoint& endpoint,
                   std::chrono::steady_clock::time_point deadline, Done done) {
  auto timed_out = std::make_shared<bool>(false);
  timer.expires_at(deadline);
  timer.async_wait([&resolver, timed_out](boost::beast::error_code ec) {
    if (ec) return;  // cancelled: the name came in time
    *timed_out = true;
    resolver.cancel();
  });
  resolver.async_resolve(
      endpoint.host, endpoint.port,
      [&timer, &stream, deadline, timed_out, done = std::move(done)](
          boost::beast::error_code ec,
          const boost::asio::ip::tcp::resolver::results_type& found) mutable {
        timer.cancel();
        if (*timed_out) ec = boost::beast::error::timeout;
        if (ec) return done(ec, "could not resolve the name of");
        stream.expires_at(deadline);
        stream.async_connect(found, [&stream, done = std::move(done)](
                                        boost::beast::error_code connected,
                                        const boost::asio::ip::tcp::endpoint&) mutable {
          // Our messages are small and answered (a flush after a transcript, a request after
          // its headers): Nagle would hold the second until the first's delayed ACK, ~40 ms.
          boost::beast::error_code ignored;
          if (!connected) stream.socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
          done(connected, "could not connect to");
        });
      });
}

}  // namespace talky
