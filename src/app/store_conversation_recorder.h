// An answered call's record kept in the store as the call happens (voice/conversation_recorder.h):
// turns appended to the call's conversation, the verdict recorded as an event after the answer
// (which sets the call's outcome once; the provider's final event then completes the attempt with
// it, wherever that webhook lands), and an opt-out as a Do-Not-Call entry plus the do_not_call
// verdict. The store and the clock must outlive it.
#pragma once

#include "domain/clock.h"
#include "store/store.h"
#include "voice/conversation_recorder.h"

namespace talky {

class StoreConversationRecorder final : public ConversationRecorder {
 public:
  StoreConversationRecorder(Store& store, const Clock& clock, CallRecord call);

  Expected<void> AppendTurn(const ConversationTurn& turn) override;
  Expected<void> Conclude(CallOutcome verdict, Instant answered_at,
                          std::string_view error) override;
  Expected<void> OptOut(Instant answered_at) override;

 private:
  Store& store_;
  const Clock& clock_;
  const CallRecord call_;
};

}  // namespace talky
