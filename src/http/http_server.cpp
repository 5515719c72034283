#include "http/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "http/beast_request.h"
#include "http/request_target.h"

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr char kRequestsTotal[] = "talky_http_requests_total";
constexpr char kRequestDuration[] = "talky_http_request_duration_seconds";
constexpr char kUnmatchedRoute[] = "unmatched";
// After an error answer on a connection whose request was not read in full, how long the unread
// rest may drain before the socket closes (closing with unread data would reset the connection
// and could destroy the answer before the client reads it).
constexpr std::chrono::milliseconds kLingerLimit{2'000};
constexpr std::size_t kFirstReadBytes = 8192;

// A bounded set of method labels: a client may send any token as a method.
std::string MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",  "POST",    "PUT",  "DELETE",
                                                "HEAD", "OPTIONS", "PATCH"};
  for (std::string_view known : kKnown) {
    if (method == known) return std::string(known);
  }
  return "OTHER";
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What every session shares with the server: the router, the metrics and the list of live
// sessions that Stop walks.
struct ServerState {
  ServerState(const Router& router_in, Metrics& metrics_in, HttpServerOptions options_in)
      : router(router_in),
        metrics(metrics_in),
        options(std::move(options_in)),
        open_connections(metrics.GetGauge("talky_http_connections_open",
                                          "HTTP connections open at the moment")) {}

  const Router& router;
  Metrics& metrics;
  const HttpServerOptions options;
  std::map<std::string, ConnectionEndpoint*> websockets;  // by path; fixed once started
  std::map<std::string, ConnectionEndpoint*> streams;     // by pattern; fixed once started
  Metrics::Gauge& open_connections;
  const std::vector<double> latency_buckets = DefaultLatencyBuckets();

  std::mutex mutex;
  std::condition_variable sessions_changed;
  bool stopping = false;
  std::uint64_t next_session_id = 0;
  std::map<std::uint64_t, std::weak_ptr<class Session>> sessions;

  void Count(const std::string& method, const std::string& route, int status,
             SteadyClock::duration elapsed) {
    const std::string method_label = MethodLabel(method);
    metrics
        .GetCounter(
            kRequestsTotal, "HTTP requests answered, by method, route pattern and status",
            {{"method", method_label}, {"route", route}, {"status", std::to_string(status)}})
        .Increment();
    metrics
        .GetHistogram(kRequestDuration,
                      "Time from a request's first byte to its answer being handed to the socket",
                      latency_buckets, {{"method", method_label}, {"route", route}})
        .Observe(std::chrono::duration<double>(elapsed).count());
  }
};

// One connection. Every handler runs on the connection's strand, so the members need no lock;
// Router::Handle runs there too and may block only this connection.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<ServerState> state)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(std::move(state)) {
    state_->open_connections.Add(1);
  }

  ~Session() {
    state_->open_connections.Add(-1);
    if (!registered_) return;
    std::lock_guard lock(state_->mutex);
    state_->sessions.erase(id_);
    state_->sessions_changed.notify_all();
  }

  // Registers the session and waits for its first request; a server that is stopping closes it.
  void Start() {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->stopping) {
        Close();
        return;
      }
      id_ = state_->next_session_id++;
      state_->sessions[id_] = weak_from_this();
      registered_ = true;
    }
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // From Stop: an idle connection closes now, a busy one after its answer.
  void BeginStop() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (self->phase_ == Phase::kIdle) {
        beast::error_code ignored;
        self->socket_.cancel(ignored);
      }
    });
  }

  // From Stop, when the grace period is over.
  void ForceClose() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kClosing };

  void WaitForRequest() {
    phase_ = Phase::kIdle;
    if (stopping_) return Close();
    if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
    ArmTimer(state_->options.idle_timeout);
    // The first bytes of the next request, read here rather than merely waited for, so the idle
    // timeout applies until they come and the request timeout from then on.
    socket_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                              self->CancelTimer();
                              self->buffer_.commit(bytes);
                              // Idle too long, stopping, or gone: close without a word.
                              if (ec || bytes == 0 || self->timed_out_ || self->stopping_)
                                return self->Close();
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    phase_ = Phase::kReading;
    request_start_ = SteadyClock::now();
    parser_.emplace();
    parser_->body_limit(state_->options.body_limit);
    header_bytes_ = 0;
    ArmTimer(state_->options.request_timeout);
    ParseHeader();
  }

  // Beast's header_limit bounds only the bytes a single put() has not parsed yet: a request line
  // parsed in the same put, or fields parsed from earlier reads, do not count, so a header could
  // grow past it (22 KB through a 16 KB limit). The header is fed to the parser here, never more
  // bytes than the limit leaves after what is already parsed, so the whole header (request line,
  // fields and the empty line) is at most header_limit bytes.
  void ParseHeader() {
    while (buffer_.size() > 0) {
      const std::size_t allowance = state_->options.header_limit - header_bytes_;
      const std::size_t offered = std::min(buffer_.size(), allowance);
      beast::error_code ec;
      std::size_t parsed = 0;
      if (offered > 0) {
        parser_->header_limit(static_cast<std::uint32_t>(allowance));
        parsed = parser_->put(asio::buffer(buffer_.data().data(), offered), ec);
        buffer_.consume(parsed);
        header_bytes_ += parsed;
        if (parser_->is_header_done()) return OnHeader({});
      }
      if (ec && ec != http::error::need_more) return OnReadError(ec);
      if (offered == allowance && parsed == 0) return OnReadError(http::error::header_limit);
      if (parsed == 0) break;  // the rest of the header is still on its way
    }
    socket_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                              self->buffer_.commit(bytes);
                              if (ec) return self->OnReadError(ec);
                              self->ParseHeader();
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& message = parser_->get();
    auto expect = message.find(http::field::expect);
    if (expect != message.end() && Lower(expect->value()) == "100-continue" &&
        !parser_->is_done()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                          if (write_ec || self->timed_out_) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->CancelTimer();
                       if (ec) return self->OnReadError(ec);
                       self->HandleRequest();
                     });
  }

  void OnReadError(beast::error_code ec) {
    CancelTimer();
    if (timed_out_) {
      return ReplyAndClose(408, ErrorCode::kInvalidArgument,
                           "the request was not received within " +
                               std::to_string(state_->options.request_timeout.count()) + " ms");
    }
    if (ec == http::error::body_limit) {
      return ReplyAndClose(413, ErrorCode::kInvalidArgument,
                           "the request body is larger than the limit of " +
                               std::to_string(state_->options.body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return ReplyAndClose(431, ErrorCode::kInvalidArgument,
                           "the request headers are larger than the limit of " +
                               std::to_string(state_->options.header_limit) + " bytes");
    }
    // The client went away (or the server is stopping): nobody to answer.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::bad_target).category()) {
      return Close();
    }
    ReplyAndClose(400, ErrorCode::kInvalidArgument, "malformed HTTP request: " + ec.message());
  }

  // A request the server answers itself, before any handler: the method and route as far as the
  // parser got, so the metrics still say where it was going.
  void ReplyAndClose(int status, ErrorCode code, std::string message) {
    const auto& header = parser_->get();
    method_ = std::string(header.method_string());
    route_ = kUnmatchedRoute;
    if (Expected<RequestTarget> target = ParseRequestTarget(header.target())) {
      HttpRequest probe{.method = method_, .path = target->path};
      std::string pattern = state_->router.PatternOf(probe);
      if (!pattern.empty()) route_ = std::move(pattern);
    }
    read_in_full_ = false;
    head_ = false;
    Respond(ErrorResponse(Error{.code = code, .message = std::move(message)}, status), false, 11);
  }

  void HandleRequest() {
    phase_ = Phase::kHandling;
    http::request<http::string_body> message = parser_->release();
    read_in_full_ = true;
    head_ = message.method() == http::verb::head;
    method_ = std::string(message.method_string());
    route_ = kUnmatchedRoute;
    Expected<RequestTarget> target =
        ParseRequestTarget(std::string_view(message.target().data(), message.target().size()));
    // Routes that take the connection over see the request as Beast read it.
    if (target) {
      if (beast::websocket::is_upgrade(message)) {
        if (auto found = state_->websockets.find(target->path); found != state_->websockets.end()) {
          return HandOver(*found->second, std::move(message), target->path, 101);
        }
      } else if (message.method() == http::verb::get) {
        for (const auto& [pattern, endpoint] : state_->streams) {
          std::map<std::string, std::string> params;
          if (MatchesPattern(pattern, target->path, params)) {
            return HandOver(*endpoint, std::move(message), pattern, 200);
          }
        }
      }
    }
    const bool keep_alive = message.keep_alive();
    const unsigned version = message.version();
    HttpRequest request = ToHttpRequest(std::move(message));
    if (!target) return Respond(ErrorResponse(target.error()), keep_alive, version);
    request.path = std::move(target->path);
    request.query = std::move(target->query);

    std::string pattern = state_->router.PatternOf(request);
    if (!pattern.empty()) route_ = std::move(pattern);
    HttpResponse response;
    try {
      response = state_->router.Handle(std::move(request));
    } catch (const std::exception& error) {
      spdlog::error("http: handler for {} {} threw: {}", method_, route_, error.what());
      response = ErrorResponse(Error::Internal("internal error; the server log has the details"));
    } catch (...) {
      spdlog::error("http: handler for {} {} threw a non-standard exception", method_, route_);
      response = ErrorResponse(Error::Internal("internal error; the server log has the details"));
    }
    Respond(std::move(response), keep_alive, version);
  }

  // The connection leaves the server for an endpoint that takes it over; this session ends here.
  void HandOver(ConnectionEndpoint& endpoint, http::request<http::string_body> message,
                const std::string& route, int status) {
    CancelTimer();
    phase_ = Phase::kClosing;
    state_->Count(method_, route, status, SteadyClock::now() - request_start_);
    endpoint.TakeOver(std::move(socket_), std::move(message));
  }

  void Respond(HttpResponse answer, bool keep_alive, unsigned version) {
    phase_ = Phase::kWriting;
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::content_type, answer.content_type);
    for (auto& [name, value] : answer.headers) response_.set(name, value);
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive && read_in_full_ && !stopping_);
    response_.prepare_payload();
    if (head_) {
      // HEAD: the length the GET would have, and no body (RFC 9110 9.3.2).
      response_.body().clear();
    }
    state_->Count(method_, route_, answer.status, SteadyClock::now() - request_start_);

    ArmTimer(state_->options.request_timeout);
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->CancelTimer();
                        if (ec || self->timed_out_) return self->Close();
                        if (!self->response_.keep_alive()) return self->LingeringClose();
                        self->WaitForRequest();
                      });
  }

  // Half-closes and reads (and drops) what the client still sends until it closes too, or for a
  // bounded time, so that our answer is not lost to a reset.
  void LingeringClose() {
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    ArmTimer(std::min<std::chrono::milliseconds>(kLingerLimit, state_->options.request_timeout));
    Drain();
  }

  void Drain() {
    socket_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || self->timed_out_) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    phase_ = Phase::kClosing;
    CancelTimer();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  // One timer per connection; the generation tells a stale expiry (whose handler was already
  // queued when the timer was re-armed) from the current one.
  void ArmTimer(std::chrono::milliseconds duration) {
    timed_out_ = false;
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_after(duration);
    timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->timer_generation_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  void CancelTimer() {
    ++timer_generation_;
    timer_.cancel();
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<ServerState> state_;
  std::uint64_t id_ = 0;
  bool registered_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::size_t header_bytes_ = 0;  // of the request being read, parsed so far
  http::response<http::string_body> response_;
  std::array<char, 4096> drain_{};
  Phase phase_ = Phase::kIdle;
  bool stopping_ = false;
  bool timed_out_ = false;
  bool read_in_full_ = false;
  bool head_ = false;
  std::uint64_t timer_generation_ = 0;
  SteadyClock::time_point request_start_{};
  std::string method_;
  std::string route_;
};

}  // namespace

struct HttpServer::Impl {
  Impl(const Router& router, Metrics& metrics, HttpServerOptions options)
      : state(std::make_shared<ServerState>(router, metrics, std::move(options))) {}

  void Accept() {
    acceptor->async_accept(asio::make_strand(*io),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
                               return;
                             }
                             if (ec) {
                               // Out of file descriptors and the like: try again shortly.
                               spdlog::warn("http: accept failed: {}", ec.message());
                               retry_timer->expires_after(std::chrono::milliseconds(50));
                               retry_timer->async_wait([this](beast::error_code wait_ec) {
                                 if (!wait_ec) Accept();
                               });
                               return;
                             }
                             std::make_shared<Session>(std::move(socket), state)->Start();
                             Accept();
                           });
  }

  // Waits until no session is left or the deadline passes; true when none is left.
  bool WaitForSessions(SteadyClock::time_point deadline) {
    std::unique_lock lock(state->mutex);
    return state->sessions_changed.wait_until(lock, deadline,
                                              [&] { return state->sessions.empty(); });
  }

  std::vector<std::shared_ptr<Session>> LiveSessions() {
    std::vector<std::shared_ptr<Session>> live;
    std::lock_guard lock(state->mutex);
    for (auto& [id, weak] : state->sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }

  std::shared_ptr<ServerState> state;
  std::unique_ptr<asio::io_context> io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<asio::strand<asio::io_context::executor_type>> acceptor_strand;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> retry_timer;
  std::vector<std::thread> threads;
  std::mutex lifecycle_mutex;  // Start and Stop
  bool started = false;
  bool stopped = false;
};

HttpServer::HttpServer(const Router& router, Metrics& metrics, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(router, metrics, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Expected<int> HttpServer::Start() {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  if (impl_->started)
    return std::unexpected(Error::Conflict("the HTTP server was already started"));
  const HttpServerOptions& options = impl_->state->options;
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return std::unexpected(
        Error::InvalidArgument("cannot listen on '" + options.address + "': not an IP address",
                               {{"address", "not an IP address"}}));
  }
  if (options.port < 0 || options.port > 65535) {
    return std::unexpected(
        Error::InvalidArgument("port " + std::to_string(options.port) + " is out of range",
                               {{"port", "must be 0-65535"}}));
  }
  const int threads = options.threads > 0 ? options.threads : DefaultServerThreads();
  impl_->io = std::make_unique<asio::io_context>(threads);
  impl_->acceptor_strand.emplace(asio::make_strand(*impl_->io));
  impl_->acceptor = std::make_unique<tcp::acceptor>(*impl_->acceptor_strand);
  impl_->retry_timer = std::make_unique<asio::steady_timer>(*impl_->acceptor_strand);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  auto fail = [&](std::string_view step) {
    const std::string where = options.address + ":" + std::to_string(options.port);
    impl_->acceptor.reset();
    return std::unexpected(Error::Unavailable("cannot listen on " + where + ": " +
                                              std::string(step) + ": " + ec.message()));
  };
  if (impl_->acceptor->open(endpoint.protocol(), ec)) return fail("open");
  if (impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec)) {
    return fail("set SO_REUSEADDR");
  }
  if (impl_->acceptor->bind(endpoint, ec)) return fail("bind");
  if (impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
    return fail("listen");
  }
  const int port = impl_->acceptor->local_endpoint().port();
  impl_->started = true;
  impl_->work.emplace(impl_->io->get_executor());
  asio::post(*impl_->acceptor_strand, [impl = impl_.get()] { impl->Accept(); });
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([io = impl_->io.get()] { io->run(); });
  }
  spdlog::info("http: listening on {}:{} with {} threads", options.address, port, threads);
  return port;
}

void HttpServer::RouteWebSocket(std::string path, ConnectionEndpoint& endpoint) {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  impl_->state->websockets[std::move(path)] = &endpoint;
}

void HttpServer::RouteStream(std::string pattern, ConnectionEndpoint& endpoint) {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  impl_->state->streams[std::move(pattern)] = &endpoint;
}

void HttpServer::Stop() {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.state->mutex);
    impl.state->stopping = true;
  }
  std::promise<void> acceptor_closed;
  asio::post(*impl.acceptor_strand, [&impl, &acceptor_closed] {
    beast::error_code ignored;
    impl.acceptor->close(ignored);
    impl.retry_timer->cancel();
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait();

  for (const auto& session : impl.LiveSessions()) session->BeginStop();
  for (const auto& routes : {impl.state->websockets, impl.state->streams}) {
    for (const auto& [route, endpoint] : routes) endpoint->CloseAll(impl.state->options.stop_grace);
  }
  const auto grace_end = SteadyClock::now() + impl.state->options.stop_grace;
  if (!impl.WaitForSessions(grace_end)) {
    spdlog::warn("http: requests still in progress after the stop grace period; closing them");
    for (const auto& session : impl.LiveSessions()) session->ForceClose();
    impl.WaitForSessions(SteadyClock::now() + std::chrono::seconds(1));
  }
  impl.work.reset();
  impl.io->stop();
  for (std::thread& thread : impl.threads) thread.join();
  impl.threads.clear();
  // Handlers still queued (and the sessions they hold) go with the io_context.
  impl.acceptor.reset();
  impl.retry_timer.reset();
  impl.acceptor_strand.reset();
  impl.io.reset();
}

int DefaultServerThreads() {
  return std::max(16, 4 * static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace talky
