#include "telephony/sip/sip_call_event.h"

namespace talky {

std::optional<CallEvent> ToCallEvent(const SipCallEvent& event, Instant at) {
  CallEvent call_event{.call_id = event.call_id,
                       .provider_call_id = event.provider_call_id,
                       .occurred_at = at,
                       .payload = {{"sip_event", ToString(event.kind)}}};
  if (event.status_code != 0) {
    call_event.payload["sip_status"] = event.status_code;
    call_event.payload["reason_phrase"] = event.reason_phrase;
  }
  switch (event.kind) {
    case SipCallEventKind::kProgress:
      call_event.status = CallStatus::kRinging;
      call_event.payload["early_media"] = event.early_media;
      break;
    case SipCallEventKind::kAnswered:
      call_event.status = CallStatus::kAnswered;
      break;
    case SipCallEventKind::kMediaChanged:
      return std::nullopt;
    case SipCallEventKind::kEnded:
      call_event.status = CallStatus::kCompleted;
      call_event.outcome = SipEndOutcome(event.end_cause, event.status_code);
      call_event.payload["end_cause"] = ToString(event.end_cause);
      call_event.payload["detail"] = event.end_reason;
      break;
  }
  call_event.payload["status"] = ToString(call_event.status);
  return call_event;
}

}  // namespace talky
