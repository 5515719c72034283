#include "net/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "net/http_endpoint.h"
#include "net/http_errors.h"
#include "net/tls_client.h"

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

bool IsIdempotent(http::verb verb) {
  return verb == http::verb::get || verb == http::verb::head || verb == http::verb::put ||
         verb == http::verb::delete_ || verb == http::verb::options;
}

// A connection owns its io_context: only the thread that took it from the pool runs it, so
// synchronous calls get Beast's per-operation timeouts without a shared event loop.
struct Connection {
  Connection(bool use_tls, ssl::context& tls_context) : tls(use_tls) {
    if (tls) {
      secure.emplace(io, tls_context);
    } else {
      plain.emplace(io);
    }
  }

  beast::tcp_stream& Lowest() { return tls ? beast::get_lowest_layer(*secure) : *plain; }

  // Runs the io_context until the started operation completes; the stream's expiry bounds it.
  beast::error_code Run(std::optional<beast::error_code>& result) {
    io.restart();
    io.run();
    return result.value_or(asio::error::operation_aborted);
  }

  asio::io_context io;  // first: the streams below are bound to it
  bool tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
};

// An idle keep-alive connection that the server has since closed (or that has unexpected bytes
// waiting) would fail the next request: peek without blocking, and drop it if anything is there.
bool LooksReusable(Connection& connection) {
  tcp::socket& socket = connection.Lowest().socket();
  beast::error_code ec;
  socket.non_blocking(true, ec);
  if (ec) return false;
  char byte = 0;
  socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
  const bool idle = ec == asio::error::would_block;
  socket.non_blocking(false, ec);
  return idle && !ec && connection.buffer.size() == 0;
}

}  // namespace

std::optional<std::string> HttpClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions client_options)
      : options(std::move(client_options)),
        tls_context(MakeVerifyingTlsContext(options.extra_ca_pem)) {}

  std::unique_ptr<Connection> TakeIdle(const std::string& origin) {
    std::lock_guard lock(mutex);
    auto found = idle.find(origin);
    if (found == idle.end()) return nullptr;
    std::vector<std::unique_ptr<Connection>>& pool = found->second;
    while (!pool.empty()) {
      std::unique_ptr<Connection> connection = std::move(pool.back());
      pool.pop_back();
      if (LooksReusable(*connection)) return connection;
    }
    return nullptr;
  }

  void GiveBack(const std::string& origin, std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mutex);
    std::vector<std::unique_ptr<Connection>>& pool = idle[origin];
    if (pool.size() < options.max_idle_connections_per_host) pool.push_back(std::move(connection));
  }

  Expected<std::unique_ptr<Connection>> Open(const HttpEndpoint& endpoint) {
    auto connection = std::make_unique<Connection>(endpoint.tls, tls_context);
    const SteadyClock::time_point deadline = SteadyClock::now() + options.connect_timeout;

    // Name resolution has no socket to put an expiry on: bound the run instead.
    tcp::resolver resolver(connection->io);
    std::optional<beast::error_code> resolved;
    tcp::resolver::results_type addresses;
    resolver.async_resolve(endpoint.host, endpoint.port,
                           [&](beast::error_code ec, tcp::resolver::results_type results) {
                             resolved = ec;
                             addresses = std::move(results);
                           });
    connection->io.restart();
    connection->io.run_until(deadline);
    if (!resolved) {
      resolver.cancel();
      connection->io.restart();
      connection->io.run();
      return std::unexpected(Error::Unavailable("could not resolve " + endpoint.host + " within " +
                                                Millis(options.connect_timeout)));
    }
    if (*resolved) return std::unexpected(TransportError(endpoint, "could not resolve", *resolved));

    beast::tcp_stream& stream = connection->Lowest();
    stream.expires_at(deadline);
    std::optional<beast::error_code> connected;
    stream.async_connect(addresses,
                         [&](beast::error_code ec, const tcp::endpoint&) { connected = ec; });
    if (beast::error_code ec = connection->Run(connected)) {
      if (ec == beast::error::timeout) {
        return std::unexpected(Error::Unavailable("could not connect to " + endpoint.Origin() +
                                                  " within " + Millis(options.connect_timeout)));
      }
      return std::unexpected(TransportError(endpoint, "could not connect to", ec));
    }

    if (endpoint.tls) {
      if (Expected<void> prepared = PrepareTlsClient(*connection->secure, endpoint.host);
          !prepared) {
        return std::unexpected(prepared.error());
      }
      std::optional<beast::error_code> shook;
      connection->secure->async_handshake(ssl::stream_base::client,
                                          [&](beast::error_code ec) { shook = ec; });
      if (beast::error_code ec = connection->Run(shook)) {
        if (ec == beast::error::timeout) {
          return std::unexpected(Error::Unavailable("no TLS handshake with " + endpoint.Origin() +
                                                    " within " + Millis(options.connect_timeout)));
        }
        return std::unexpected(TransportError(endpoint, "TLS handshake failed with", ec));
      }
    }
    stream.expires_never();
    return connection;
  }

  // One exchange on an open connection. `stale` is set when the connection failed before the
  // server said anything (a keep-alive connection closed under us), which makes a retry safe.
  template <typename Stream>
  Expected<http::response<http::string_body>> Exchange(Connection& connection, Stream& stream,
                                                       const HttpEndpoint& endpoint,
                                                       const http::request<http::string_body>& req,
                                                       bool& stale) {
    stale = false;
    connection.Lowest().expires_after(options.request_timeout);
    std::optional<beast::error_code> written;
    http::async_write(stream, req, [&](beast::error_code ec, size_t) { written = ec; });
    if (beast::error_code ec = connection.Run(written)) {
      stale = ec != beast::error::timeout;
      if (ec == beast::error::timeout) {
        return std::unexpected(Error::Unavailable("could not send the request to " +
                                                  endpoint.Origin() + " within " +
                                                  Millis(options.request_timeout)));
      }
      return std::unexpected(TransportError(endpoint, "could not send the request to", ec));
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_body_bytes);
    parser.header_limit(64 * 1024);
    if (req.method() == http::verb::head) parser.skip(true);
    std::optional<beast::error_code> read;
    http::async_read(stream, connection.buffer, parser,
                     [&](beast::error_code ec, size_t) { read = ec; });
    if (beast::error_code ec = connection.Run(read)) {
      if (ec == beast::error::timeout) {
        return std::unexpected(Error::Unavailable("no answer from " + endpoint.Origin() +
                                                  " within " + Millis(options.request_timeout)));
      }
      if (ec == http::error::body_limit) {
        return std::unexpected(Error::Unavailable(
            "the response from " + endpoint.Origin() + " is larger than the limit of " +
            std::to_string(options.max_response_body_bytes) + " bytes"));
      }
      stale = !parser.got_some() && connection.buffer.size() == 0 &&
              (ec == http::error::end_of_stream || ec == asio::error::eof ||
               ec == asio::error::connection_reset || ec == asio::error::broken_pipe);
      return std::unexpected(TransportError(endpoint, "no valid HTTP response from", ec));
    }
    connection.Lowest().expires_never();
    return parser.release();
  }

  Expected<http::response<http::string_body>> Exchange(Connection& connection,
                                                       const HttpEndpoint& endpoint,
                                                       const http::request<http::string_body>& req,
                                                       bool& stale) {
    if (connection.tls) return Exchange(connection, *connection.secure, endpoint, req, stale);
    return Exchange(connection, *connection.plain, endpoint, req, stale);
  }

  HttpClientOptions options;
  ssl::context tls_context;
  std::mutex mutex;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // by origin
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

Expected<HttpClientResponse> HttpClient::Send(const HttpClientRequest& request) {
  Expected<HttpEndpoint> endpoint = ParseHttpEndpoint(request.url);
  if (!endpoint) return std::unexpected(endpoint.error());
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    return std::unexpected(Error::InvalidArgument("unknown HTTP method '" + request.method + "'",
                                                  {{"method", "must be an HTTP method"}}));
  }

  http::request<http::string_body> req{verb, endpoint->target, 11};
  req.set(http::field::host, endpoint->HostHeader());
  req.set(http::field::user_agent, "talky");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put ||
      verb == http::verb::patch) {
    req.body() = request.body;
    req.prepare_payload();
  }
  req.keep_alive(true);

  const std::string origin = endpoint->Origin();
  std::unique_ptr<Connection> connection = impl_->TakeIdle(origin);
  const bool reused = connection != nullptr;
  if (!connection) {
    Expected<std::unique_ptr<Connection>> opened = impl_->Open(*endpoint);
    if (!opened) return std::unexpected(opened.error());
    connection = std::move(*opened);
  }
  bool stale = false;
  Expected<http::response<http::string_body>> response =
      impl_->Exchange(*connection, *endpoint, req, stale);
  // The server may close an idle connection just as we reuse it. Only then, and only for a method
  // that is safe to repeat, try once more on a fresh connection (a POST might have been acted on).
  if (!response && reused && stale && IsIdempotent(verb)) {
    Expected<std::unique_ptr<Connection>> opened = impl_->Open(*endpoint);
    if (!opened) return std::unexpected(opened.error());
    connection = std::move(*opened);
    response = impl_->Exchange(*connection, *endpoint, req, stale);
  }
  if (!response) return std::unexpected(response.error());

  HttpClientResponse result;
  result.status = static_cast<int>(response->result_int());
  for (const auto& field : *response) {
    result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  result.body = std::move(response->body());
  if (response->keep_alive() && connection->buffer.size() == 0) {
    impl_->GiveBack(origin, std::move(connection));
  }
  return result;
}

}  // namespace talky
