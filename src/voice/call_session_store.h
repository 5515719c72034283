// Where live call sessions are kept for reading by any process (the API's
// GET /v1/calls/{id}/session): memory in the embedded mode (memory_call_session_store.h), Redis in
// the distributed one. Entries expire after `ttl` unless saved again, so a process that dies
// leaves no session that claims to be live for longer than that.
// Thread-safe.
#pragma once

#include <chrono>
#include <optional>

#include "domain/call_session.h"
#include "domain/error.h"

namespace talky {

class CallSessionStore {
 public:
  virtual ~CallSessionStore() = default;
  virtual Expected<void> Save(const CallSession& session, std::chrono::seconds ttl) = 0;
  // NotFound when there is none (or it expired).
  virtual Expected<CallSession> Get(const CallId& call) = 0;
};

}  // namespace talky
