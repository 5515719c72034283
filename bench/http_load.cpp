#include "bench/http_load.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct Target {
  std::string host;
  std::string port;
  std::string path_and_query;
};

Expected<Target> ParseTarget(const std::string& url) {
  auto invalid = [&](const std::string& why) {
    return std::unexpected(Error::InvalidArgument("--url '" + url + "': " + why, {{"url", why}}));
  };
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_uri(url);
  if (!parsed) return invalid("not an absolute URL");
  if (parsed->scheme_id() != boost::urls::scheme::http) return invalid("only http:// is supported");
  Target target{.host = std::string(parsed->encoded_host()),
                .port = parsed->has_port() ? std::string(parsed->port()) : "80"};
  if (parsed->host_type() == boost::urls::host_type::ipv6) {
    target.host = parsed->host_ipv6_address().to_string();
  }
  target.path_and_query =
      parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target.path_and_query += "?" + std::string(parsed->encoded_query());
  return target;
}

// What every connection shares: the request's fixed parts and the figures.
struct HttpLoadState {
  http::verb verb;
  Target target;
  std::string host_header;
  std::vector<std::string> body_parts;  // the template split at each "{n}"
  const HttpLoadOptions* options;
  tcp::resolver::results_type endpoints;
  SteadyClock::time_point deadline;
  std::atomic<std::uint64_t> counter{0};
  std::atomic<std::int64_t> connected{0};

  std::mutex mutex;  // the figures below, merged when a connection ends
  std::int64_t errors = 0;
  std::map<int, std::int64_t> statuses;
  std::vector<std::int64_t> latencies_ns;

  std::string Body() {
    if (body_parts.size() == 1) return body_parts.front();
    const std::string n = std::to_string(counter.fetch_add(1, std::memory_order_relaxed) + 1);
    std::string body = body_parts.front();
    for (size_t i = 1; i < body_parts.size(); ++i) body += n + body_parts[i];
    return body;
  }
};

class LoadConnection : public std::enable_shared_from_this<LoadConnection> {
 public:
  LoadConnection(asio::any_io_executor executor, HttpLoadState& state)
      : stream_(executor), state_(state) {}

  ~LoadConnection() {
    std::lock_guard lock(state_.mutex);
    state_.errors += errors_;
    for (const auto& [status, count] : statuses_) state_.statuses[status] += count;
    state_.latencies_ns.insert(state_.latencies_ns.end(), latencies_ns_.begin(),
                               latencies_ns_.end());
  }

  void Connect() {
    if (SteadyClock::now() >= state_.deadline) return;
    stream_.expires_after(state_.options->request_timeout);
    stream_.async_connect(state_.endpoints,
                          [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                            // A server that refuses the first connection is down: no retry loop.
                            if (ec && !self->ever_connected_) return;
                            if (ec) return self->Fail();
                            self->ever_connected_ = true;
                            self->state_.connected.fetch_add(1);
                            self->stream_.socket().set_option(tcp::no_delay(true));
                            self->Send();
                          });
  }

 private:
  void Send() {
    if (SteadyClock::now() >= state_.deadline) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    request_ = {state_.verb, state_.target.path_and_query, 11};
    request_.set(http::field::host, state_.host_header);
    for (const auto& [name, value] : state_.options->headers) request_.set(name, value);
    request_.body() = state_.Body();
    if (state_.options->sign) {
      request_.set(http::field::authorization, state_.options->sign(request_.body()));
    }
    if (!request_.body().empty() || state_.verb == http::verb::post ||
        state_.verb == http::verb::put) {
      request_.prepare_payload();
    }
    sent_at_ = SteadyClock::now();
    stream_.expires_after(state_.options->request_timeout);
    http::async_write(stream_, request_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->Fail();
                        self->Receive();
                      });
  }

  void Receive() {
    response_.emplace();
    response_->body_limit(64 * 1024 * 1024);
    http::async_read(
        stream_, buffer_, *response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->Fail();
          self->latencies_ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            SteadyClock::now() - self->sent_at_)
                                            .count());
          ++self->statuses_[static_cast<int>(self->response_->get().result_int())];
          if (!self->response_->get().keep_alive()) {
            beast::error_code ignored;
            self->stream_.socket().close(ignored);
            self->buffer_.clear();
            return self->Connect();
          }
          self->Send();
        });
  }

  // Counts the failure and starts over on a new connection (until the deadline).
  void Fail() {
    ++errors_;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    Connect();
  }

  beast::tcp_stream stream_;
  HttpLoadState& state_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> response_;
  SteadyClock::time_point sent_at_{};
  bool ever_connected_ = false;
  std::int64_t errors_ = 0;
  std::map<int, std::int64_t> statuses_;
  std::vector<std::int64_t> latencies_ns_;
};

double PercentileMs(const std::vector<std::int64_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const size_t index = std::min(sorted.size() - 1,
                                static_cast<size_t>(fraction * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[index]) / 1e6;
}

}  // namespace

Expected<std::pair<std::string, std::string>> ParseHeaderLine(const std::string& line) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos || colon == 0) {
    return std::unexpected(Error::InvalidArgument("--header '" + line + "': expected 'Name: value'",
                                                  {{"header", "expected 'Name: value'"}}));
  }
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  return std::pair{line.substr(0, colon), value};
}

std::string HttpLoadResult::ToText(const HttpLoadOptions& options) const {
  std::string text = fmt::format("{} {}: {} connections for {:.1f} s\n", options.method,
                                 options.url, options.connections, seconds);
  text += fmt::format("requests: {} answered ({:.0f}/s), {} errors\n", requests,
                      RequestsPerSecond(), errors);
  for (const auto& [status, count] : statuses) {
    text += fmt::format("status {}: {}\n", status, count);
  }
  text +=
      fmt::format("latency: p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n", p50_ms, p99_ms, max_ms);
  return text;
}

Expected<HttpLoadResult> RunHttpLoad(const HttpLoadOptions& options) {
  Expected<Target> target = ParseTarget(options.url);
  if (!target) return std::unexpected(target.error());
  const http::verb verb = http::string_to_verb(options.method);
  if (verb == http::verb::unknown) {
    return std::unexpected(Error::InvalidArgument("--method '" + options.method + "' is unknown",
                                                  {{"method", "not an HTTP method"}}));
  }
  HttpLoadState state{.verb = verb, .target = *target, .options = &options};
  state.host_header = target->host + ":" + target->port;
  for (size_t from = 0;;) {
    const size_t at = options.body_template.find("{n}", from);
    state.body_parts.push_back(options.body_template.substr(from, at - from));
    if (at == std::string::npos) break;
    from = at + 3;
  }

  asio::io_context io(options.threads);
  tcp::resolver resolver(io);
  beast::error_code ec;
  state.endpoints = resolver.resolve(target->host, target->port, ec);
  if (ec) {
    return std::unexpected(
        Error::Unavailable("cannot resolve " + target->host + ": " + ec.message()));
  }
  const auto started = SteadyClock::now();
  state.deadline = started + options.duration;
  for (int i = 0; i < options.connections; ++i) {
    std::make_shared<LoadConnection>(asio::make_strand(io), state)->Connect();
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& thread : threads) thread.join();
  const auto finished = SteadyClock::now();

  if (state.connected.load() == 0) {
    return std::unexpected(Error::Unavailable("could not connect to " + options.url));
  }
  HttpLoadResult result;
  result.seconds = std::chrono::duration<double>(finished - started).count();
  result.errors = state.errors;
  result.statuses = state.statuses;
  std::sort(state.latencies_ns.begin(), state.latencies_ns.end());
  result.requests = static_cast<std::int64_t>(state.latencies_ns.size());
  result.p50_ms = PercentileMs(state.latencies_ns, 0.50);
  result.p99_ms = PercentileMs(state.latencies_ns, 0.99);
  result.max_ms =
      state.latencies_ns.empty() ? 0 : static_cast<double>(state.latencies_ns.back()) / 1e6;
  return result;
}

}  // namespace talky
