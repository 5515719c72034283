#include "app/store_conversation_recorder.h"

#include <nlohmann/json.hpp>

namespace talky {

StoreConversationRecorder::StoreConversationRecorder(Store& store, const Clock& clock,
                                                     CallRecord call)
    : store_(store), clock_(clock), call_(std::move(call)) {}

Expected<void> StoreConversationRecorder::AppendTurn(const ConversationTurn& turn) {
  return store_.AppendConversationTurn(call_.tenant_id, turn);
}

Expected<void> StoreConversationRecorder::Conclude(CallOutcome verdict, Instant answered_at,
                                                   std::string_view error) {
  nlohmann::json payload = {{"source", "conversation"}, {"verdict", ToString(verdict)}};
  if (!error.empty()) payload["error"] = error;
  const Expected<CallEventResult> recorded =
      store_.RecordCallEvent(call_.tenant_id, CallEvent{.call_id = call_.id,
                                                        .provider_call_id = call_.provider_call_id,
                                                        .status = CallStatus::kAnswered,
                                                        .outcome = verdict,
                                                        .occurred_at = answered_at,
                                                        .payload = std::move(payload)});
  if (!recorded) return std::unexpected(recorded.error());
  return {};
}

Expected<void> StoreConversationRecorder::OptOut(Instant answered_at) {
  if (Expected<std::string> listed =
          store_.AddDoNotCall(call_.tenant_id, call_.to_number, clock_.Now());
      !listed) {
    return std::unexpected(listed.error());
  }
  return Conclude(CallOutcome::kDoNotCall, answered_at, {});
}

}  // namespace talky
