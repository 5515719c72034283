// hiredis, wrapped: a connection (one redisContext), replies owned by unique_ptr and read through
// ReplyView (redis_reply.h), and a pool that hands one connection to one caller at a time and
// reconnects with backoff when Redis is down. With redis_reply.cpp, the only place that includes
// hiredis and turns its errors into ours. Used by the Redis job queue and the Redis call session
// store.
//
// A Connection is used by one thread at a time (hiredis contexts are not thread-safe), except
// Interrupt(), which any thread may call; the pool is thread-safe. A connection that saw a
// transport error is dropped, never reused.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "redis/redis_reply.h"

struct redisContext;  // hiredis; complete only in redis_connection.cpp

namespace talky::redis {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int database = 0;
  std::string password;

  std::string Describe() const;  // "127.0.0.1:6379", for messages
};

// redis://[:password@]host[:port][/database]
Expected<RedisAddress> ParseRedisUrl(std::string_view url);

using Command = std::vector<std::string>;

class Connection {
 public:
  static Expected<std::unique_ptr<Connection>> Open(const RedisAddress& address,
                                                    std::chrono::milliseconds connect_timeout,
                                                    std::chrono::milliseconds command_timeout);

  // Sends all commands, then reads all replies: one round trip. Error replies are returned as
  // replies; only a transport failure is an error (and breaks the connection).
  Expected<std::vector<Reply>> Pipeline(const std::vector<Command>& commands);
  Expected<Reply> Run(const Command& command);

  // Streamed pipelining: Send writes a command out at once (the server starts on it while the
  // caller builds the next); Receive reads the replies in order. Overlaps client and server work.
  Expected<void> Send(const Command& command);
  Expected<Reply> Receive();

  // For blocking commands: the read timeout for the next calls.
  Expected<void> SetTimeout(std::chrono::milliseconds timeout);
  std::chrono::milliseconds command_timeout() const { return command_timeout_; }

  bool broken() const { return broken_; }

  // From any thread: shuts the socket down, so a blocked read (BLPOP) on it fails at once as a
  // transport error. The connection is then dropped by the pool, alone.
  void Interrupt();
  bool interrupted() const { return interrupted_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  Connection(std::unique_ptr<redisContext, ContextDeleter> context, std::string address,
             std::chrono::milliseconds command_timeout);
  Error TransportError();

  std::unique_ptr<redisContext, ContextDeleter> context_;
  std::string address_;
  std::chrono::milliseconds command_timeout_;
  bool broken_ = false;
  std::atomic<bool> interrupted_ = false;
};

class ConnectionPool {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds command_timeout{5000};
    std::chrono::milliseconds first_backoff{50};
    std::chrono::milliseconds max_backoff{2000};
  };

  ConnectionPool(RedisAddress address, Options options);

  // A borrowed connection, given back on destruction unless it broke.
  class Borrowed {
   public:
    Borrowed(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Borrowed(Borrowed&&) = default;
    Borrowed& operator=(Borrowed&&) = default;
    ~Borrowed();
    Connection* operator->() const { return connection_.get(); }
    Connection* get() const { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // An idle connection, or a new one. While Redis is unreachable, fails at once with kUnavailable
  // until the backoff (doubling up to max_backoff) allows the next connection attempt.
  Expected<Borrowed> Acquire();

  const RedisAddress& address() const { return address_; }

 private:
  void GiveBack(std::unique_ptr<Connection> connection);

  const RedisAddress address_;
  const Options options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  // Reconnect backoff: real elapsed time of the process, not the domain clock.
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;
};

}  // namespace talky::redis
