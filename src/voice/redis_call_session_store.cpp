#include "voice/redis_call_session_store.h"

#include <nlohmann/json.hpp>

namespace talky {

Expected<std::unique_ptr<RedisCallSessionStore>> RedisCallSessionStore::Open(
    const std::string& url, std::string key_prefix) {
  Expected<redis::RedisAddress> address = redis::ParseRedisUrl(url);
  if (!address) return std::unexpected(address.error());
  if (key_prefix.empty()) {
    return std::unexpected(Error::InvalidArgument("the session key prefix must not be empty"));
  }
  return std::unique_ptr<RedisCallSessionStore>(
      new RedisCallSessionStore(std::move(*address), std::move(key_prefix)));
}

RedisCallSessionStore::RedisCallSessionStore(redis::RedisAddress address, std::string key_prefix)
    : pool_(std::move(address), redis::ConnectionPool::Options{}),
      key_prefix_(std::move(key_prefix)) {}

std::string RedisCallSessionStore::KeyOf(const CallId& call) const {
  return key_prefix_ + "session:" + call.value;
}

Expected<void> RedisCallSessionStore::Save(const CallSession& session, std::chrono::seconds ttl) {
  if (ttl.count() < 1) return std::unexpected(Error::InvalidArgument("ttl must be at least 1 s"));
  Expected<redis::ConnectionPool::Borrowed> connection = pool_.Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<redis::Reply> reply = (*connection)
                                     ->Run({"SET", KeyOf(session.call_id), ToJson(session).dump(),
                                            "EX", std::to_string(ttl.count())});
  if (!reply) return std::unexpected(reply.error());
  const redis::ReplyView view(*reply, "SET of a call session");
  if (view.IsError()) return std::unexpected(view.ToError("saving a call session"));
  return {};
}

Expected<CallSession> RedisCallSessionStore::Get(const CallId& call) {
  Expected<redis::ConnectionPool::Borrowed> connection = pool_.Acquire();
  if (!connection) return std::unexpected(connection.error());
  Expected<redis::Reply> reply = (*connection)->Run({"GET", KeyOf(call)});
  if (!reply) return std::unexpected(reply.error());
  const redis::ReplyView view(*reply, "GET of a call session");
  if (view.IsError()) return std::unexpected(view.ToError("reading a call session"));
  if (view.IsNil()) return std::unexpected(Error::NotFound("no session for call " + call.value));
  Expected<std::string_view> text = view.Text();
  if (!text) return std::unexpected(text.error());
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return std::unexpected(
        Error::Internal("the stored session of call " + call.value + " is not JSON"));
  }
  Expected<CallSession> session = CallSessionFromJson(json);
  if (!session) {
    return std::unexpected(Error::Internal("the stored session of call " + call.value +
                                           " is unreadable: " + session.error().message));
  }
  return session;
}

}  // namespace talky
