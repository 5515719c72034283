// A test's own end of one TCP connection to a server on loopback, written with raw Asio and
// Beast so a test controls every byte (partial requests, several requests on one connection).
// Every wait is bounded: a server that never answers fails the test instead of hanging it.
// One thread at a time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace talky::testing {

using RawResponse = boost::beast::http::response<boost::beast::http::string_body>;

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; `connected()` says whether it worked.
  explicit RawConnection(int port);

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes);
  // One response, or nullopt when the server closed, failed or took longer than `bound`.
  std::optional<RawResponse> Read(std::chrono::milliseconds bound = std::chrono::seconds(10));

  struct Rest {
    std::string bytes;    // everything the server sent until it closed
    bool closed = false;  // false: still open after `bound`
  };
  Rest ReadUntilClosed(std::chrono::milliseconds bound = std::chrono::seconds(10));

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

// A request line plus headers for a GET on a kept-alive connection.
std::string GetRequest(std::string_view target);

}  // namespace talky::testing
