// A SIP call's progress as the dialer records it (domain/call_record.h's CallEvent, what a Vonage
// webhook becomes): a 180/183 is `ringing`, the answer `answered`, the end `completed` with the
// outcome of sip_outcome.h's table. A media change after the answer moves nothing. The payload
// keeps what SIP said (status code, reason, how it ended) for the call's audit trail. Pure.
#pragma once

#include <optional>

#include "domain/call_record.h"
#include "domain/instant.h"
#include "telephony/sip/sip_user_agent.h"

namespace talky {

std::optional<CallEvent> ToCallEvent(const SipCallEvent& event, Instant at);

}  // namespace talky
