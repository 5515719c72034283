// What the end of an outgoing SIP call means as a CallOutcome (document 000 §2.2): the one table
// from the final response code of our INVITE (RFC 3261 §21) to an outcome, the other ways a SIP
// call ends (ring timeout, hang-up, transport or authentication failure), and the reason text an
// operator reads for each. Kept apart from the user agent (sip_user_agent.h) so that the table can
// be read, and tested, row by row. Pure: no I/O; any thread.
#pragma once

#include <string>
#include <string_view>

#include "domain/call_outcome.h"

namespace talky {

// How a SIP call ended, as SipUserAgent reports it.
enum class SipEndCause {
  kFinalResponse,   // the far side refused our INVITE with a final response (>= 300)
  kRingTimeout,     // nobody answered within the ring timeout: we sent CANCEL (487-equivalent)
  kCancelled,       // we cancelled before an answer (Hangup or Stop)
  kRemoteHangup,    // answered, then the far side sent BYE
  kLocalHangup,     // answered, then we sent BYE (Hangup or Stop)
  kAuthFailed,      // the trunk refused our digest credentials, or asked for some we do not have
  kTransportError,  // the connection failed or the trunk stopped answering after the INVITE
  kMediaRejected,   // answered with an SDP we cannot use (no codec of ours): we ACKed, then BYE
  kMediaTimeout,    // answered, then no RTP came for the media's rtp_timeout: we sent BYE
};

std::string_view ToString(SipEndCause cause);

// The outcome of an INVITE whose final response is `status_code`: 2xx answered; 486 and 600 busy;
// 408, 480 and 487 no answer; 404, 484 and 604 invalid; 403 and 603 rejected; 410 disconnected;
// everything else (other 3xx-6xx, 5xx, nonsense codes) failed.
CallOutcome SipFinalResponseOutcome(int status_code);

// The outcome of a call that ended with `cause`; `status_code` counts only for kFinalResponse.
// Ring timeouts and our own cancels are no answer (what 487 means); a hang-up after an answer is
// goal_not_achieved, as Vonage's `completed` (the conversation's verdict, recorded before the
// hang-up, stands: the store keeps the first); auth, transport and media failures (no usable codec,
// RTP timeout) are failed.
CallOutcome SipEndOutcome(SipEndCause cause, int status_code);

// RFC 3261's reason phrase for a status code ("Busy Here"); empty for codes it does not name.
std::string_view SipStandardReasonPhrase(int status_code);

// "SIP 486 Busy Here": the code with the far side's reason phrase, or the standard one when the
// far side sent none.
std::string SipResponseText(int status_code, std::string_view reason_phrase = {});

// Why the call ended, for logs and for the call record: "busy (SIP 486 Busy Here)",
// "authentication failed (SIP 403 Forbidden)", "no answer within the ring timeout (cancelled)".
// `status_code` 0 means there was no response to quote.
std::string SipEndReason(SipEndCause cause, int status_code = 0,
                         std::string_view reason_phrase = {});

}  // namespace talky
