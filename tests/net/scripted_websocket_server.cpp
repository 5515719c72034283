#include "net/scripted_websocket_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace talky::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

}  // namespace

struct ScriptedWebSocketServer::Impl {
  std::function<WebSocketScript(const LoopbackRequest&)> script;
  std::optional<ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread accepting;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // a message came, or the server is stopping
  bool stopping = false;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  std::vector<std::thread> connections;
  std::vector<LoopbackRequest> upgrades;
  std::vector<ReceivedWebSocketMessage> messages;

  template <typename Stream>
  class Peer final : public WebSocketPeer {
   public:
    Peer(Impl& impl, websocket::stream<Stream&>& socket, tcp::socket& tcp_socket)
        : impl_(impl), socket_(socket), tcp_socket_(tcp_socket) {}
    void SendText(const std::string& text) override {
      socket_.text(true);
      beast::error_code ignored;
      socket_.write(asio::buffer(text), ignored);
    }
    void SendBinary(const std::string& bytes) override {
      socket_.binary(true);
      beast::error_code ignored;
      socket_.write(asio::buffer(bytes), ignored);
    }
    bool Sleep(std::chrono::milliseconds duration) override {
      std::unique_lock lock(impl_.mutex);
      return !impl_.changed.wait_for(lock, duration, [this] { return impl_.stopping; });
    }
    void Close(int code, const std::string& reason) override {
      beast::error_code ignored;
      websocket::close_reason why;
      why.code = static_cast<std::uint16_t>(code);
      why.reason = reason;
      socket_.close(why, ignored);
    }
    void Drop() override {
      beast::error_code ignored;
      tcp_socket_.shutdown(tcp::socket::shutdown_both, ignored);
      tcp_socket_.close(ignored);
    }

   private:
    Impl& impl_;
    websocket::stream<Stream&>& socket_;
    tcp::socket& tcp_socket_;
  };

  template <typename Stream>
  void Serve(Stream& stream, tcp::socket& tcp_socket, int index) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    beast::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    LoopbackRequest seen{.method = std::string(request.method_string()),
                         .target = std::string(request.target())};
    for (const auto& field : request) {
      seen.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    {
      std::lock_guard lock(mutex);
      upgrades.push_back(seen);
    }
    const WebSocketScript answer = script(seen);
    if (answer.refuse_status != 0) {
      http::response<http::string_body> refusal{static_cast<http::status>(answer.refuse_status), 11,
                                                answer.refuse_body};
      refusal.set(http::field::content_type, "application/json");
      refusal.prepare_payload();
      http::write(stream, refusal, ec);
      return;
    }
    websocket::stream<Stream&> socket(stream);
    socket.accept(request, ec);
    if (ec) return;
    Peer<Stream> peer(*this, socket, tcp_socket);
    if (answer.on_open) answer.on_open(peer);
    for (;;) {
      beast::flat_buffer incoming;
      socket.read(incoming, ec);
      if (ec) return;
      ReceivedWebSocketMessage message{.connection = index,
                                       .binary = socket.got_binary(),
                                       .bytes = beast::buffers_to_string(incoming.data()),
                                       .at = std::chrono::steady_clock::now()};
      {
        std::lock_guard lock(mutex);
        messages.push_back(message);
      }
      changed.notify_all();
      if (answer.on_message) answer.on_message(peer, message);
    }
  }

  void Connection(std::shared_ptr<tcp::socket> socket, int index) {
    if (!tls) return Serve(*socket, *socket, index);
    ssl::stream<tcp::socket&> stream(*socket, *tls);
    beast::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (!ec) Serve(stream, *socket, index);
  }
};

ScriptedWebSocketServer::ScriptedWebSocketServer(
    std::function<WebSocketScript(const LoopbackRequest&)> script,
    std::optional<SelfSignedCertificate> certificate)
    : impl_(std::make_unique<Impl>()) {
  impl_->script = std::move(script);
  if (certificate) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(certificate->certificate_pem));
    impl_->tls->use_private_key(asio::buffer(certificate->private_key_pem), ssl::context::pem);
  }
  impl_->accepting = std::thread([impl = impl_.get()] {
    for (int index = 0;; ++index) {
      auto socket = std::make_shared<tcp::socket>(impl->io);
      beast::error_code ec;
      impl->acceptor.accept(*socket, ec);
      std::lock_guard lock(impl->mutex);
      if (ec || impl->stopping) return;
      impl->sockets.push_back(socket);
      impl->connections.emplace_back([impl, socket, index] {
        impl->Connection(socket, index);
        beast::error_code ignored;
        socket->shutdown(tcp::socket::shutdown_both, ignored);
        socket->close(ignored);
      });
    }
  });
}

ScriptedWebSocketServer::~ScriptedWebSocketServer() { Stop(); }

void ScriptedWebSocketServer::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return;
    impl_->stopping = true;
    beast::error_code ignored;
    for (const auto& socket : impl_->sockets) socket->shutdown(tcp::socket::shutdown_both, ignored);
  }
  impl_->changed.notify_all();
  // Unblocks the accept.
  beast::error_code ec;
  tcp::socket poke(impl_->io);
  poke.connect(impl_->acceptor.local_endpoint(), ec);
  impl_->accepting.join();
  for (std::thread& connection : impl_->connections) connection.join();
}

std::string ScriptedWebSocketServer::Url(const std::string& path) const {
  return std::string(impl_->tls ? "wss" : "ws") +
         "://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port()) + path;
}

std::vector<LoopbackRequest> ScriptedWebSocketServer::upgrades() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->upgrades;
}

std::vector<ReceivedWebSocketMessage> ScriptedWebSocketServer::messages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->messages;
}

bool ScriptedWebSocketServer::WaitFor(
    const std::function<bool(const std::vector<ReceivedWebSocketMessage>&)>& done,
    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] {
    return impl_->stopping || done(impl_->messages);
  }) && !impl_->stopping;
}

std::unique_ptr<ScriptedWebSocketServer> ServeByConnection(
    std::function<WebSocketScript(int connection)> script,
    std::optional<SelfSignedCertificate> certificate) {
  return std::make_unique<ScriptedWebSocketServer>(
      [script = std::move(script), connections = 0](const LoopbackRequest&) mutable {
        return script(connections++);
      },
      std::move(certificate));
}

}  // namespace talky::testing
