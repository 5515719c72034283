#include "redis/redis_connection.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace talky::redis {
namespace {

timeval ToTimeval(std::chrono::milliseconds duration) {
  return timeval{.tv_sec = static_cast<time_t>(duration.count() / 1000),
                 .tv_usec = static_cast<suseconds_t>((duration.count() % 1000) * 1000)};
}

Error BadUrl(std::string_view url, std::string message) {
  return Error::InvalidArgument("invalid Redis URL '" + std::string(url) + "'",
                                {{"redis_url", std::move(message)}});
}

std::optional<int> ParseNumber(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string RedisAddress::Describe() const { return fmt::format("{}:{}", host, port); }

Expected<RedisAddress> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return std::unexpected(BadUrl(url, "must start with redis://"));
  }
  std::string_view rest = url.substr(kScheme.size());
  RedisAddress address;
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    if (std::size_t colon = credentials.find(':'); colon != std::string_view::npos) {
      credentials = credentials.substr(colon + 1);
    }
    address.password = std::string(credentials);
    rest = rest.substr(at + 1);
  }
  if (std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view database = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!database.empty()) {
      std::optional<int> number = ParseNumber(database);
      if (!number || *number < 0) return std::unexpected(BadUrl(url, "database must be a number"));
      address.database = *number;
    }
  }
  if (std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    std::optional<int> port = ParseNumber(rest.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) {
      return std::unexpected(BadUrl(url, "port must be 1-65535"));
    }
    address.port = *port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return std::unexpected(BadUrl(url, "host is missing"));
  address.host = std::string(rest);
  return address;
}

void Connection::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

Connection::Connection(std::unique_ptr<redisContext, ContextDeleter> context, std::string address,
                       std::chrono::milliseconds command_timeout)
    : context_(std::move(context)),
      address_(std::move(address)),
      command_timeout_(command_timeout) {}

Expected<std::unique_ptr<Connection>> Connection::Open(const RedisAddress& address,
                                                       std::chrono::milliseconds connect_timeout,
                                                       std::chrono::milliseconds command_timeout) {
  std::unique_ptr<redisContext, ContextDeleter> context(
      redisConnectWithTimeout(address.host.c_str(), address.port, ToTimeval(connect_timeout)));
  if (!context) {
    return std::unexpected(
        Error::Unavailable("cannot reach redis at " + address.Describe() + ": out of memory"));
  }
  if (context->err != 0) {
    return std::unexpected(Error::Unavailable(
        fmt::format("cannot reach redis at {}: {}", address.Describe(), context->errstr)));
  }
  std::unique_ptr<Connection> connection(
      new Connection(std::move(context), address.Describe(), command_timeout));
  if (Expected<void> set = connection->SetTimeout(command_timeout); !set) {
    return std::unexpected(set.error());
  }
  std::vector<Command> setup;
  if (!address.password.empty()) setup.push_back({"AUTH", address.password});
  if (address.database != 0) setup.push_back({"SELECT", std::to_string(address.database)});
  if (!setup.empty()) {
    Expected<std::vector<Reply>> replies = connection->Pipeline(setup);
    if (!replies) return std::unexpected(replies.error());
    for (const Reply& reply : *replies) {
      const ReplyView view(reply, "the connection set-up");
      if (view.IsError())
        return std::unexpected(view.ToError("the connection set-up (AUTH/SELECT)"));
    }
  }
  return connection;
}

Error Connection::TransportError() {
  broken_ = true;
  return Error::Unavailable(
      fmt::format("lost the connection to redis at {}: {}", address_,
                  context_->errstr[0] != '\0' ? context_->errstr : "connection closed"));
}

Expected<std::vector<Reply>> Connection::Pipeline(const std::vector<Command>& commands) {
  if (broken_) return std::unexpected(Error::Unavailable("redis connection is broken"));
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const Command& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return std::unexpected(TransportError());
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
      return std::unexpected(TransportError());
    }
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

Expected<Reply> Connection::Run(const Command& command) {
  Expected<std::vector<Reply>> replies = Pipeline({command});
  if (!replies) return std::unexpected(replies.error());
  return std::move(replies->front());
}

Expected<void> Connection::Send(const Command& command) {
  if (broken_) return std::unexpected(Error::Unavailable("redis connection is broken"));
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(command.size());
  lengths.reserve(command.size());
  for (const std::string& arg : command) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                             lengths.data()) != REDIS_OK) {
    return std::unexpected(TransportError());
  }
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_.get(), &done) != REDIS_OK) {
      return std::unexpected(TransportError());
    }
  }
  return {};
}

Expected<Reply> Connection::Receive() {
  if (broken_) return std::unexpected(Error::Unavailable("redis connection is broken"));
  void* raw = nullptr;
  if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
    return std::unexpected(TransportError());
  }
  return Reply(static_cast<redisReply*>(raw));
}

void Connection::Interrupt() {
  interrupted_ = true;
  // shutdown, not close: the descriptor stays ours until the owner frees the context.
  ::shutdown(context_->fd, SHUT_RDWR);
}

Expected<void> Connection::SetTimeout(std::chrono::milliseconds timeout) {
  if (redisSetTimeout(context_.get(), ToTimeval(timeout)) != REDIS_OK) {
    return std::unexpected(TransportError());
  }
  return {};
}

ConnectionPool::ConnectionPool(RedisAddress address, Options options)
    : address_(std::move(address)), options_(options) {}

ConnectionPool::Borrowed::~Borrowed() {
  if (pool_ != nullptr && connection_) pool_->GiveBack(std::move(connection_));
}

void ConnectionPool::GiveBack(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  // An interrupted connection was cut on purpose (a stopping waiter), not by the server.
  if (connection->interrupted()) return;
  if (!connection->broken()) {
    idle_.push_back(std::move(connection));
    return;
  }
  // One broken connection usually means the server went away: the idle ones are dead too.
  idle_.clear();
}

Expected<ConnectionPool::Borrowed> ConnectionPool::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Borrowed(this, std::move(connection));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < next_attempt_) {
      return std::unexpected(Error::Unavailable(fmt::format(
          "redis at {} is unreachable ({}); next reconnect attempt in {} ms", address_.Describe(),
          last_error_,
          std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count())));
    }
  }
  Expected<std::unique_ptr<Connection>> opened =
      Connection::Open(address_, options_.connect_timeout, options_.command_timeout);
  std::lock_guard lock(mutex_);
  if (!opened) {
    backoff_ = std::clamp(backoff_ * 2, options_.first_backoff, options_.max_backoff);
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    last_error_ = opened.error().message;
    spdlog::warn("{}; retrying in {} ms", last_error_, backoff_.count());
    return std::unexpected(opened.error());
  }
  if (backoff_.count() != 0) spdlog::info("reconnected to redis at {}", address_.Describe());
  backoff_ = std::chrono::milliseconds{0};
  return Borrowed(this, std::move(*opened));
}

}  // namespace talky::redis
