#include "net/http_stream.h"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <limits>
#include <mutex>
#include <optional>

#include "net/connect_within.h"
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
using Strand = asio::strand<asio::io_context::executor_type>;
using PlainStream = beast::tcp_stream;
using SecureStream = beast::ssl_stream<beast::tcp_stream>;

// Which bound a timeout broke, for its message.
enum class Phase { kConnecting, kAwaitingAnswer, kReadingBody };

template <typename Stream>
class Session final : public HttpStream, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, SecureStream>;

  Session(asio::io_context& io, ssl::context& tls, HttpEndpoint endpoint,
          http::request<http::string_body> request, HttpStreamOptions options,
          HttpStreamHandler& handler)
      : strand_(asio::make_strand(io)),
        resolver_(strand_),
        timer_(strand_),
        endpoint_(std::move(endpoint)),
        request_(std::move(request)),
        options_(options),
        handler_(handler) {
    if constexpr (kTls) {
      stream_.emplace(strand_, tls);
    } else {
      stream_.emplace(strand_);
    }
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());  // a stream: no bound
    parser_.header_limit(64 * 1024);
  }

  void Begin() {
    asio::dispatch(strand_, [self = this->shared_from_this()] { self->Resolve(); });
  }

  void Cancel() override {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
    }
    asio::post(strand_, [self = this->shared_from_this()] { self->Close(); });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(*stream_); }

  void Resolve() {
    if (closed_) return;
    ConnectWithin(resolver_, timer_, Lowest(), endpoint_,
                  std::chrono::steady_clock::now() + options_.connect_timeout,
                  [self = this->shared_from_this()](beast::error_code ec, const char* what) {
                    if (ec) return self->Fail(what, ec);
                    if constexpr (kTls) {
                      self->Handshake();
                    } else {
                      self->Send();
                    }
                  });
  }

  void Handshake() {
    if (Expected<void> prepared = PrepareTlsClient(*stream_, endpoint_.host); !prepared) {
      return End(std::unexpected(prepared.error()));
    }
    stream_->async_handshake(ssl::stream_base::client,
                             [self = this->shared_from_this()](beast::error_code ec) {
                               if (ec) return self->Fail("no TLS handshake with", ec);
                               self->Send();
                             });
  }

  void Send() {
    phase_ = Phase::kAwaitingAnswer;
    Lowest().expires_after(options_.first_byte_timeout);
    http::async_write(*stream_, request_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->Fail("could not send the request to", ec);
                        self->ReadHeader();
                      });
  }

  void ReadHeader() {
    http::async_read_header(*stream_, buffer_, parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->Fail("no valid answer from", ec);
                              self->status_ = self->parser_.get().result_int();
                              self->phase_ = Phase::kReadingBody;
                              self->ReadBody();
                            });
  }

  void ReadBody() {
    if (parser_.is_done()) return Finish();
    parser_.get().body().data = piece_.data();
    parser_.get().body().size = piece_.size();
    Lowest().expires_after(options_.stall_timeout);
    http::async_read_some(*stream_, buffer_, parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            const std::size_t got =
                                self->piece_.size() - self->parser_.get().body().size;
                            if (got > 0) self->Piece(std::string_view(self->piece_.data(), got));
                            if (ec == http::error::need_buffer) ec = {};
                            // A body that ends with the connection: its end is the end of the
                            // stream.
                            if (ec && self->parser_.need_eof() &&
                                (ec == http::error::end_of_stream || ec == asio::error::eof ||
                                 ec == ssl::error::stream_truncated)) {
                              return self->Finish();
                            }
                            if (ec) return self->Fail("the answer broke off from", ec);
                            self->ReadBody();
                          });
  }

  void Piece(std::string_view piece) {
    if (closed_) return;
    if (status_ >= 200 && status_ < 300) {
      std::lock_guard lock(mutex_);
      if (!cancelled_) handler_.OnBody(piece);
      return;
    }
    const std::size_t room = options_.max_error_body_bytes - error_body_.size();
    error_body_.append(piece.substr(0, room));
  }

  void Finish() {
    if (status_ >= 200 && status_ < 300) return End({});
    End(std::unexpected(HttpStatusError(endpoint_, status_, error_body_)));
  }

  void Fail(const char* what, beast::error_code ec) {
    if (closed_) return;  // cancelled: the error is our own closing
    if (ec != beast::error::timeout) {
      return End(std::unexpected(TransportError(endpoint_, what, ec)));
    }
    End(std::unexpected(Error::Unavailable(TimeoutMessage(what))));
  }

  // Which bound broke, in words.
  std::string TimeoutMessage(const char* what) const {
    switch (phase_) {
      case Phase::kConnecting:
        return std::string(what) + " " + endpoint_.Origin() + " within " +
               Millis(options_.connect_timeout);
      case Phase::kAwaitingAnswer:
        return "no answer from " + endpoint_.Origin() + " within " +
               Millis(options_.first_byte_timeout);
      case Phase::kReadingBody:
        return "the answer from " + endpoint_.Origin() + " stalled for " +
               Millis(options_.stall_timeout);
    }
    return std::string(what) + " " + endpoint_.Origin() + ": timeout";
  }

  void End(Expected<void> result) {
    if (closed_) return;
    Close();
    std::lock_guard lock(mutex_);
    if (!cancelled_) handler_.OnEnd(std::move(result));
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  Strand strand_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::optional<Stream> stream_;
  HttpEndpoint endpoint_;
  http::request<http::string_body> request_;
  HttpStreamOptions options_;
  HttpStreamHandler& handler_;

  // On the strand:
  Phase phase_ = Phase::kConnecting;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::array<char, 4096> piece_{};
  int status_ = 0;
  std::string error_body_;
  bool closed_ = false;

  // Between the strand and Cancel's caller; held while the handler runs (recursive: a handler
  // may cancel).
  std::recursive_mutex mutex_;
  bool cancelled_ = false;
};

// A stream that failed before it began (a URL or method we cannot use): its error, reported on
// the io_context like any other end.
class FailedStream final : public HttpStream, public std::enable_shared_from_this<FailedStream> {
 public:
  FailedStream(HttpStreamHandler& handler, Error error)
      : handler_(handler), error_(std::move(error)) {}

  void Report() {
    std::lock_guard lock(mutex_);
    if (!cancelled_) handler_.OnEnd(std::unexpected(error_));
  }
  void Cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }

 private:
  HttpStreamHandler& handler_;
  Error error_;
  std::recursive_mutex mutex_;
  bool cancelled_ = false;
};

}  // namespace

std::shared_ptr<HttpStream> HttpStream::Start(asio::io_context& io, ssl::context& tls,
                                              HttpClientRequest request, HttpStreamOptions options,
                                              HttpStreamHandler& handler) {
  Expected<HttpEndpoint> endpoint = ParseHttpEndpoint(request.url);
  const http::verb verb = http::string_to_verb(request.method);
  if (endpoint && verb == http::verb::unknown) {
    endpoint = std::unexpected(Error::InvalidArgument(
        "unknown HTTP method '" + request.method + "'", {{"method", "is not an HTTP method"}}));
  }
  if (!endpoint) {
    auto failed = std::make_shared<FailedStream>(handler, endpoint.error());
    asio::post(io, [failed] { failed->Report(); });
    return failed;
  }
  http::request<http::string_body> message{verb, endpoint->target, 11};
  message.set(http::field::host, endpoint->HostHeader());
  message.set(http::field::user_agent, "talky");
  for (const auto& [name, value] : request.headers) message.insert(name, value);
  message.body() = std::move(request.body);
  message.prepare_payload();
  if (endpoint->tls) {
    auto session = std::make_shared<Session<SecureStream>>(io, tls, std::move(*endpoint),
                                                           std::move(message), options, handler);
    session->Begin();
    return session;
  }
  auto session = std::make_shared<Session<PlainStream>>(io, tls, std::move(*endpoint),
                                                        std::move(message), options, handler);
  session->Begin();
  return session;
}

}  // namespace talky
