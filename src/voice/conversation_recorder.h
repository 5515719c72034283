// What the system of record keeps of an answered call as it happens: each turn said (with its
// latencies), the conversation's verdict, and the callee's wish not to be called again. The
// voice pipeline calls it; app/ implements it on the store (store_conversation_recorder.h).
//
// Threads: called from the call's executor; an implementation may block briefly (a store write).
#pragma once

#include <string_view>

#include "domain/call_outcome.h"
#include "domain/call_record.h"
#include "domain/error.h"

namespace talky {

class ConversationRecorder {
 public:
  virtual ~ConversationRecorder() = default;
  virtual Expected<void> AppendTurn(const ConversationTurn& turn) = 0;
  // goal_achieved or goal_not_achieved: the call's outcome when it ends, whatever the provider's
  // final event says. The first verdict of a call stands. `answered_at` is the start of the call's
  // timeline: the verdict is kept as an event of the answer (which may be stored before the
  // provider's own answered event, as in embedded mode, where that comes with the call's end).
  // `error`, for a call that failed on our side (a provider that would not answer), is kept with
  // the verdict; empty otherwise.
  virtual Expected<void> Conclude(CallOutcome verdict, Instant answered_at,
                                  std::string_view error) = 0;
  // The callee asked not to be called again: the number goes on the tenant's Do-Not-Call list at
  // once, and the call's verdict is do_not_call.
  virtual Expected<void> OptOut(Instant answered_at) = 0;
};

}  // namespace talky
