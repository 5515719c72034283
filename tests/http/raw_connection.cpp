#include "raw_connection.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <functional>

namespace talky::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

RawConnection::RawConnection(int port) : socket_(io_) {
  beast::error_code ec;
  socket_.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
  connected_ = !ec;
}

bool RawConnection::Send(std::string_view bytes) {
  beast::error_code ec;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  return !ec;
}

std::optional<RawResponse> RawConnection::Read(std::chrono::milliseconds bound) {
  RawResponse response;
  bool done = false;
  beast::error_code result;
  io_.restart();
  beast::http::async_read(socket_, buffer_, response, [&](beast::error_code ec, std::size_t) {
    done = true;
    result = ec;
  });
  io_.run_for(bound);
  if (!done) {
    beast::error_code ignored;
    socket_.cancel(ignored);
    io_.restart();
    io_.run();
    return std::nullopt;
  }
  if (result) return std::nullopt;
  return response;
}

RawConnection::Rest RawConnection::ReadUntilClosed(std::chrono::milliseconds bound) {
  Rest rest;
  rest.bytes.assign(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  buffer_.clear();
  std::array<char, 4096> chunk{};
  const auto deadline = std::chrono::steady_clock::now() + bound;
  io_.restart();
  std::function<void()> read_more = [&] {
    socket_.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      rest.bytes.append(chunk.data(), n);
      if (ec) {
        rest.closed = ec == asio::error::eof || ec == asio::error::connection_reset;
        return;
      }
      read_more();
    });
  };
  read_more();
  io_.run_until(deadline);
  if (!io_.stopped()) {
    beast::error_code ignored;
    socket_.cancel(ignored);
    io_.restart();
    io_.run();
  }
  return rest;
}

std::string GetRequest(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

}  // namespace talky::testing
