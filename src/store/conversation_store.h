// A call's conversation turns (the voice pipeline writes them; transcripts read them).
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <vector>

#include "domain/conversation.h"
#include "domain/error.h"
#include "domain/ids.h"

namespace talky {

class ConversationStore {
 public:
  virtual ~ConversationStore() = default;

  // Turns of a call, in turn order. Conflict on a repeated turn index.
  virtual Expected<void> AppendConversationTurn(const TenantId& tenant,
                                                const ConversationTurn& turn) = 0;
  virtual Expected<std::vector<ConversationTurn>> ListConversationTurns(const TenantId& tenant,
                                                                        const CallId& call) = 0;
};

}  // namespace talky
