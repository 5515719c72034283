#include "telephony/sip/sip_outcome.h"

#include <fmt/format.h>

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<SipEndCause, 9> kSipEndCauseNames{{
    {SipEndCause::kFinalResponse, "final_response"},
    {SipEndCause::kRingTimeout, "ring_timeout"},
    {SipEndCause::kCancelled, "cancelled"},
    {SipEndCause::kRemoteHangup, "remote_hangup"},
    {SipEndCause::kLocalHangup, "local_hangup"},
    {SipEndCause::kAuthFailed, "auth_failed"},
    {SipEndCause::kTransportError, "transport_error"},
    {SipEndCause::kMediaRejected, "media_rejected"},
    {SipEndCause::kMediaTimeout, "media_timeout"},
}};

struct FinalResponseRow {
  int status_code;
  CallOutcome outcome;
};

// The table. Codes not listed fall to kFailed (see SipFinalResponseOutcome).
constexpr FinalResponseRow kFinalResponseRows[] = {
    {486, CallOutcome::kBusy},          // Busy Here
    {600, CallOutcome::kBusy},          // Busy Everywhere
    {408, CallOutcome::kNoAnswer},      // Request Timeout: the far side gave up ringing
    {480, CallOutcome::kNoAnswer},      // Temporarily Unavailable: phone off, not reachable
    {487, CallOutcome::kNoAnswer},      // Request Terminated: cancelled while ringing
    {404, CallOutcome::kInvalid},       // Not Found
    {484, CallOutcome::kInvalid},       // Address Incomplete
    {604, CallOutcome::kInvalid},       // Does Not Exist Anywhere
    {403, CallOutcome::kRejected},      // Forbidden (when not an answer to our credentials)
    {603, CallOutcome::kRejected},      // Decline
    {410, CallOutcome::kDisconnected},  // Gone: the number was disconnected
};

// RFC 3261 §21: the phrases trunks usually send.
struct ReasonPhraseRow {
  int status_code;
  std::string_view phrase;
};

constexpr ReasonPhraseRow kReasonPhrases[] = {
    {100, "Trying"},
    {180, "Ringing"},
    {181, "Call Is Being Forwarded"},
    {182, "Queued"},
    {183, "Session Progress"},
    {200, "OK"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {305, "Use Proxy"},
    {380, "Alternative Service"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {410, "Gone"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Unsupported URI Scheme"},
    {420, "Bad Extension"},
    {421, "Extension Required"},
    {423, "Interval Too Brief"},
    {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"},
    {482, "Loop Detected"},
    {483, "Too Many Hops"},
    {484, "Address Incomplete"},
    {485, "Ambiguous"},
    {486, "Busy Here"},
    {487, "Request Terminated"},
    {488, "Not Acceptable Here"},
    {491, "Request Pending"},
    {493, "Undecipherable"},
    {500, "Server Internal Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Server Time-out"},
    {505, "Version Not Supported"},
    {513, "Message Too Large"},
    {600, "Busy Everywhere"},
    {603, "Decline"},
    {604, "Does Not Exist Anywhere"},
    {606, "Not Acceptable"},
};

}  // namespace

std::string_view ToString(SipEndCause cause) { return NameOf(kSipEndCauseNames, cause); }

CallOutcome SipFinalResponseOutcome(int status_code) {
  if (status_code >= 200 && status_code < 300) return CallOutcome::kAnswered;
  for (const FinalResponseRow& row : kFinalResponseRows) {
    if (row.status_code == status_code) return row.outcome;
  }
  return CallOutcome::kFailed;
}

CallOutcome SipEndOutcome(SipEndCause cause, int status_code) {
  switch (cause) {
    case SipEndCause::kFinalResponse:
      return SipFinalResponseOutcome(status_code);
    case SipEndCause::kRingTimeout:
    case SipEndCause::kCancelled:
      return CallOutcome::kNoAnswer;
    case SipEndCause::kRemoteHangup:
    case SipEndCause::kLocalHangup:
      // As Vonage's `completed`: the conversation's verdict, recorded while it talked, stands.
      return CallOutcome::kGoalNotAchieved;
    case SipEndCause::kAuthFailed:
    case SipEndCause::kTransportError:
    case SipEndCause::kMediaRejected:
    case SipEndCause::kMediaTimeout:
      return CallOutcome::kFailed;
  }
  return CallOutcome::kFailed;
}

std::string_view SipStandardReasonPhrase(int status_code) {
  for (const ReasonPhraseRow& row : kReasonPhrases) {
    if (row.status_code == status_code) return row.phrase;
  }
  return {};
}

std::string SipResponseText(int status_code, std::string_view reason_phrase) {
  if (reason_phrase.empty()) reason_phrase = SipStandardReasonPhrase(status_code);
  if (reason_phrase.empty()) return fmt::format("SIP {}", status_code);
  return fmt::format("SIP {} {}", status_code, reason_phrase);
}

std::string SipEndReason(SipEndCause cause, int status_code, std::string_view reason_phrase) {
  std::string what;
  switch (cause) {
    case SipEndCause::kFinalResponse: {
      const CallOutcome outcome = SipFinalResponseOutcome(status_code);
      what = outcome == CallOutcome::kNoAnswer ? "no answer" : std::string(ToString(outcome));
      break;
    }
    case SipEndCause::kRingTimeout:
      what = "no answer within the ring timeout (cancelled)";
      break;
    case SipEndCause::kCancelled:
      what = "cancelled before an answer";
      break;
    case SipEndCause::kRemoteHangup:
      what = "hung up by the callee";
      break;
    case SipEndCause::kLocalHangup:
      what = "hung up by us";
      break;
    case SipEndCause::kAuthFailed:
      what = "authentication failed";
      break;
    case SipEndCause::kTransportError:
      what = "transport failure";
      break;
    case SipEndCause::kMediaRejected:
      what = "no usable media in the answer";
      break;
    case SipEndCause::kMediaTimeout:
      what = "no audio from the far side (RTP timeout); we hung up";
      break;
  }
  if (status_code <= 0) return what;
  return fmt::format("{} ({})", what, SipResponseText(status_code, reason_phrase));
}

}  // namespace talky
