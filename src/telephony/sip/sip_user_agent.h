// The `sip` telephony provider's user agent: it places outbound calls through one SIP trunk, built
// on libre (the C SIP stack of baresip). It sends INVITE with an SDP offer (by default PCMU and
// PCMA at 8000 Hz plus telephone-event/8000), answers the trunk's digest challenge (401/407),
// follows each call through ringing and answer, hangs up with CANCEL or BYE, and answers the far
// side's re-INVITE with the same SDP. Each call carries its audio in an RtpMedia (rtp_media.h)
// that the agent creates with the call (its port goes into the offer), points at the far side
// when the call is answered or its media moves, and destroys when the call ends; the caller of
// Invite hears and feeds that audio through RtpMediaCallbacks. No RTP for the media's rtp_timeout
// ends the call (BYE, kMediaTimeout). Early media (183 with SDP) is reported, not listened to:
// the conversation starts at the answer.
//
// Threading. libre is single-threaded, so the agent owns one thread that runs libre's loop and
// makes every libre call. Invite, Hangup and Stop may be called from any other thread: they hand
// their work to that thread (through a libre mqueue) and wait for its answer with a bound.
// Events go to the EventCallback ON THE SIP THREAD: it must be quick, must not throw, and must not
// call Invite or Stop (they would wait for the thread they block); Hangup from the callback is
// fine (it is queued). Events for a call may arrive before the Invite that placed it returns.
//
// libre stays out of this header (its C headers define min/max macros and need configuration
// macros); everything of libre's lives in sip_user_agent.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/ids.h"
#include "telephony/sip/rtp_media.h"
#include "telephony/sip/sip_outcome.h"

namespace talky {

struct SipUserAgentOptions {
  // Where every INVITE goes: "sip:HOST" or "sip:HOST:PORT" (default port 5060, 5061 for TLS); HOST
  // is an IPv4 address, an IPv6 address in brackets or a DNS name (resolved through
  // /etc/resolv.conf's servers; /etc/hosts is not read, so use 127.0.0.1 rather than localhost).
  std::string trunk_uri;
  // "udp", "tcp" or "tls". Over TLS the trunk's certificate must chain to a trusted CA
  // (tls_ca_file, else the system's) and name the trunk's host (or address); the default port
  // is then 5061.
  std::string transport = "udp";
  std::string tls_ca_file;  // PEM file of the CAs to trust for the trunk; tls only
  // Digest credentials for the trunk's 401/407 challenges: both or neither.
  std::string username;
  std::string password;
  // The E.164 caller id for calls that give none: From is sip:<caller_id>@<trunk host>.
  std::string caller_id;
  std::string local_address = "127.0.0.1";  // an IP address of ours to bind SIP to
  int local_port = 0;                       // 0: any free port (see SipUserAgent::local_port)
  std::string media_address;                // the SDP's address for our RTP; empty: local_address
  // Each call's RTP session: the address to bind (keep it local_address unless media_address
  // names a NAT's), its port range, RTP timeout and jitter buffer.
  RtpMediaOptions media;
  // The codecs we offer, in order of preference: "PCMU" (payload type 0) and/or "PCMA" (8), both
  // 8000 Hz; telephone-event/8000 (RFC 4733 DTMF, payload type 101) after them when set.
  std::vector<std::string> codecs = {"PCMU", "PCMA"};
  bool telephone_event = true;
  // How long a call may go unanswered, counted from the INVITE, before we CANCEL it (reported
  // as a ring timeout: no answer, 487).
  std::chrono::milliseconds ring_timeout{30'000};
  // How long Invite waits for the trunk's first sign of life (any response, or an error).
  std::chrono::milliseconds first_response_timeout{2'000};
  // How long Stop lets hang-ups (BYE, CANCEL) finish before closing the stack regardless.
  std::chrono::milliseconds shutdown_timeout{2'000};
  std::string user_agent = "talky";  // the User-Agent header
};

// Every problem with the options, each naming its field.
Expected<void> ValidateSipUserAgentOptions(const SipUserAgentOptions& options);

enum class SipCallEventKind {
  kProgress,      // 180 or 183 (with or without SDP): ringing or early media
  kAnswered,      // 200 OK received and ACKed
  kMediaChanged,  // a re-INVITE after the answer moved the far side's media
  kEnded,         // the call is over; exactly one per call Invite returned an id for
};

std::string_view ToString(SipCallEventKind kind);

struct SipCallEvent {
  SipCallEventKind kind = SipCallEventKind::kProgress;
  CallId call_id;                // ours, as given to Invite
  std::string provider_call_id;  // the SIP Call-ID, as Invite returned it
  // kProgress: 180/183; kAnswered: 2xx; kEnded: the final response (>= 300) that ended the call,
  // 487 for a ring timeout, 0 when no response says how it ended (hang-ups, transport errors).
  int status_code = 0;
  std::string reason_phrase;  // as the far side sent it (or the standard one we stand for)
  bool early_media = false;   // kProgress: the 18x carried an SDP answer with a codec of ours
  std::optional<SipRemoteMedia> remote_media;  // kAnswered, kMediaChanged, early-media kProgress
  SipEndCause end_cause = SipEndCause::kFinalResponse;  // kEnded only
  // kEnded: SipEndReason's text ("authentication failed (SIP 403 Forbidden): the trunk refused
  // our credentials"), plus the system error or detail if any.
  std::string end_reason;
};

class SipUserAgent {
 public:
  using EventCallback = std::function<void(const SipCallEvent& event)>;

  // Starts the SIP thread and binds the transport. kInvalidArgument for bad options (naming each
  // field), kUnavailable when the address cannot be bound or the stack cannot start.
  static Expected<std::unique_ptr<SipUserAgent>> Start(SipUserAgentOptions options,
                                                       EventCallback on_event);

  ~SipUserAgent();  // Stop()
  SipUserAgent(const SipUserAgent&) = delete;
  SipUserAgent& operator=(const SipUserAgent&) = delete;

  // Places a call to sip:<to_e164>@<trunk host:port> from sip:<from_e164>@<trunk host> (the
  // options' caller_id when from_e164 is empty), offering our codecs at the port of a new
  // RtpMedia whose callbacks are `media` (they run on the SIP thread; on_timeout is the agent's:
  // it ends the call, then calls the one given, if any). Returns
  // the SIP Call-ID, the call's provider id, once the trunk shows a sign of life (a provisional or
  // final response) within first_response_timeout. kUnavailable (naming the trunk) when it cannot
  // be reached: connection refused, no response in time, a name that does not resolve; such an
  // attempt is forgotten and reports nothing (so is one for which no RTP port is free).
  // kInvalidArgument for bad numbers.
  Expected<std::string> Invite(const CallId& call_id, std::string_view to_e164,
                               std::string_view from_e164, RtpMediaCallbacks media = {});

  // Sends DTMF digits into an answered call as RFC 4733 events (RtpMedia::SendDtmf's rules).
  // kNotFound for an unknown or finished call, kUnavailable before the answer or when the far
  // side did not accept telephone-event, and as Hangup when the SIP thread does not answer.
  Expected<void> SendDtmf(std::string_view provider_call_id, std::string_view digits);

  // The RTP counters of a call in progress; kNotFound otherwise.
  Expected<RtpMediaStats> MediaStats(std::string_view provider_call_id);

  // CANCEL before the answer, BYE after; the call's kEnded event (kCancelled or kLocalHangup)
  // is delivered before this returns (called from the callback, it is queued and follows).
  // kNotFound for an unknown or finished call; kUnavailable when the SIP thread does not take it
  // within 2 s (the hang-up still happens when it does).
  Expected<void> Hangup(std::string_view provider_call_id);

  // Ends every call (BYE or CANCEL, each with its kEnded event), closes the stack and joins the
  // SIP thread; waits at most about shutdown_timeout for the far sides. Idempotent. Invite and
  // Hangup fail (kUnavailable, kNotFound) afterwards.
  void Stop();

  // The port SIP is bound to (the one chosen when the options said 0).
  int local_port() const;

 private:
  struct Impl;
  explicit SipUserAgent(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
