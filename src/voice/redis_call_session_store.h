// Call sessions in Redis: the distributed mode, where the `talky serve` that carries a call's
// audio is rarely the one that answers the API. One key per call ("<prefix>session:<call id>", the
// session as JSON) with Redis's own expiry, so a process that dies leaves nothing that claims to be
// live for longer than the ttl. Thread-safe (a connection pool).
#pragma once

#include <memory>
#include <string>

#include "redis/redis_connection.h"
#include "voice/call_session_store.h"

namespace talky {

class RedisCallSessionStore final : public CallSessionStore {
 public:
  // kInvalidArgument for a bad URL. Connects lazily: Redis may come up after the server.
  static Expected<std::unique_ptr<RedisCallSessionStore>> Open(const std::string& url,
                                                               std::string key_prefix = "talky:");

  Expected<void> Save(const CallSession& session, std::chrono::seconds ttl) override;
  Expected<CallSession> Get(const CallId& call) override;

 private:
  RedisCallSessionStore(redis::RedisAddress address, std::string key_prefix);
  std::string KeyOf(const CallId& call) const;

  redis::ConnectionPool pool_;
  const std::string key_prefix_;
};

}  // namespace talky
