#include "voice/memory_call_session_store.h"

#include <iterator>

namespace talky {

Expected<void> MemoryCallSessionStore::Save(const CallSession& session, std::chrono::seconds ttl) {
  const Instant now = clock_.Now();
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires_at <= now; });
  entries_.insert_or_assign(session.call_id, Entry{session, now + ttl});
  return {};
}

Expected<CallSession> MemoryCallSessionStore::Get(const CallId& call) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(call);
  if (found == entries_.end() || found->second.expires_at <= clock_.Now()) {
    return std::unexpected(Error::NotFound("no session for call " + call.value));
  }
  return found->second.session;
}

}  // namespace talky
