// Call sessions in this process's memory: the embedded mode, where the process that carries a
// call's audio also answers the API. Expired entries are dropped when met. Thread-safe.
#pragma once

#include <map>
#include <mutex>

#include "domain/clock.h"
#include "voice/call_session_store.h"

namespace talky {

class MemoryCallSessionStore final : public CallSessionStore {
 public:
  explicit MemoryCallSessionStore(const Clock& clock) : clock_(clock) {}
  Expected<void> Save(const CallSession& session, std::chrono::seconds ttl) override;
  Expected<CallSession> Get(const CallId& call) override;

 private:
  struct Entry {
    CallSession session;
    Instant expires_at;
  };
  const Clock& clock_;
  std::mutex mutex_;
  std::map<CallId, Entry> entries_;
};

}  // namespace talky
