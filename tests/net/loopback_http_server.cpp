#include "net/loopback_http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <thread>
#include <vector>

namespace talky::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// One accepted connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const LoopbackHandler& handler)
      : socket_(std::move(socket)), handler_(handler) {}

  void ReadNext() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->Answer();
                     });
  }

 private:
  void Answer() {
    LoopbackRequest request{.method = std::string(request_.method_string()),
                            .target = std::string(request_.target()),
                            .headers = {},
                            .body = request_.body()};
    for (const auto& field : request_) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    std::optional<LoopbackReply> reply = handler_(request);
    if (!reply) return;  // never answer; the server keeps the session (and its socket) alive
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(reply->status));
    for (const auto& [name, value] : reply->headers) response_.set(name, value);
    response_.body() = std::move(reply->body);
    response_.keep_alive(request_.keep_alive() && !reply->close);
    response_.prepare_payload();
    hang_up_after_ = reply->hang_up_after;
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (self->hang_up_after_) {
                          beast::error_code ignored;
                          self->socket_.close(ignored);
                          return;
                        }
                        if (ec || !self->response_.keep_alive()) {
                          beast::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->ReadNext();
                      });
  }

  tcp::socket socket_;
  const LoopbackHandler& handler_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  bool hang_up_after_ = false;
};

}  // namespace

std::optional<std::string> LoopbackRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return std::nullopt;
}

struct LoopbackHttpServer::Impl {
  explicit Impl(LoopbackHandler request_handler)
      : handler(std::move(request_handler)),
        acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        port(acceptor.local_endpoint().port()) {}

  void Accept(std::atomic<int>& accepted) {
    acceptor.async_accept([this, &accepted](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      ++accepted;
      auto session = std::make_shared<Session>(std::move(socket), handler);
      sessions.push_back(session);  // silent sessions must outlive their last pending operation
      session->ReadNext();
      Accept(accepted);
    });
  }

  LoopbackHandler handler;
  asio::io_context io;
  tcp::acceptor acceptor;
  uint16_t port;
  std::vector<std::shared_ptr<Session>> sessions;
  std::thread thread;
};

LoopbackHttpServer::LoopbackHttpServer(LoopbackHandler handler)
    : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->Accept(connections_accepted_);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

LoopbackHttpServer::~LoopbackHttpServer() { Stop(); }

void LoopbackHttpServer::Stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
  impl_->sessions.clear();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

uint16_t LoopbackHttpServer::port() const { return impl_->port; }

std::string LoopbackHttpServer::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

uint16_t UnusedLoopbackPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace talky::testing
