#include "net/scripted_stream_server.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace talky::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string StatusLineAndHeaders(const StreamScript& script) {
  std::string head =
      fmt::format("HTTP/1.1 {} {}\r\n", script.status,
                  std::string(http::obsolete_reason(static_cast<http::status>(script.status))));
  bool typed = false;
  for (const auto& [name, value] : script.headers) {
    typed = typed || beast::iequals(name, "content-type");
    head += name + ": " + value + "\r\n";
  }
  if (!typed) head += "Content-Type: text/event-stream\r\n";
  return head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
}

}  // namespace

struct ScriptedStreamServer::Impl {
  StreamScriptHandler handler;
  std::optional<ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread accepting;

  mutable std::mutex mutex;
  std::condition_variable stopping_signal;
  bool stopping = false;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> connections;
  std::vector<LoopbackRequest> requests;

  // Waits `delay`; false when the server is stopping.
  bool Wait(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    return !stopping_signal.wait_for(lock, delay, [this] { return stopping; });
  }

  template <typename Stream>
  void Serve(Stream& stream) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    beast::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    LoopbackRequest seen{.method = std::string(request.method_string()),
                         .target = std::string(request.target()),
                         .body = request.body()};
    for (const auto& field : request) {
      seen.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    {
      std::lock_guard lock(mutex);
      requests.push_back(seen);
    }
    const StreamScript script = handler(seen);
    if (!Wait(script.delay_before_answer)) return;
    asio::write(stream, asio::buffer(StatusLineAndHeaders(script)), ec);
    for (const StreamPiece& piece : script.pieces) {
      if (ec || !Wait(piece.delay)) return;
      if (piece.bytes.empty()) continue;  // an empty chunk would end the body
      asio::write(stream,
                  asio::buffer(fmt::format("{:x}\r\n{}\r\n", piece.bytes.size(), piece.bytes)), ec);
    }
    if (ec) return;
    switch (script.ending) {
      case StreamScript::Ending::kComplete:
        asio::write(stream, asio::buffer(std::string("0\r\n\r\n")), ec);
        return;
      case StreamScript::Ending::kHangUp:
        return;  // the socket closes mid-body
      case StreamScript::Ending::kStall:
        Wait(std::chrono::hours(1));  // until the client gives up or the server stops
        return;
    }
  }

  void Connection(std::shared_ptr<tcp::socket> socket) {
    if (!tls) return Serve(*socket);
    ssl::stream<tcp::socket&> stream(*socket, *tls);
    beast::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (!ec) Serve(stream);
  }
};

ScriptedStreamServer::ScriptedStreamServer(StreamScriptHandler handler,
                                           std::optional<SelfSignedCertificate> certificate)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  if (certificate) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(certificate->certificate_pem));
    impl_->tls->use_private_key(asio::buffer(certificate->private_key_pem), ssl::context::pem);
  }
  impl_->accepting = std::thread([impl = impl_.get()] {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(impl->io);
      beast::error_code ec;
      impl->acceptor.accept(*socket, ec);
      std::lock_guard lock(impl->mutex);
      if (ec || impl->stopping) return;
      impl->sockets.push_back(socket);
      impl->connections.emplace_back([impl, socket] {
        impl->Connection(socket);
        beast::error_code ignored;
        socket->shutdown(tcp::socket::shutdown_both, ignored);
        socket->close(ignored);
      });
    }
  });
}

ScriptedStreamServer::~ScriptedStreamServer() { Stop(); }

void ScriptedStreamServer::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return;
    impl_->stopping = true;
    beast::error_code ignored;
    for (const auto& socket : impl_->sockets) socket->shutdown(tcp::socket::shutdown_both, ignored);
  }
  impl_->stopping_signal.notify_all();
  // Unblocks the accept.
  beast::error_code ec;
  tcp::socket poke(impl_->io);
  poke.connect(impl_->acceptor.local_endpoint(), ec);
  impl_->accepting.join();
  for (std::thread& connection : impl_->connections) connection.join();
}

std::string ScriptedStreamServer::BaseUrl() const {
  return std::string(impl_->tls ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
}

std::vector<LoopbackRequest> ScriptedStreamServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

}  // namespace talky::testing
