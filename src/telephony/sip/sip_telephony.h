// The `sip` telephony provider (document 002's TelephonyProvider over a SIP trunk): it places
// each call itself through SipUserAgent (INVITE, digest, CANCEL/BYE, RTP per call), reports its
// progress as the dialer's call events (sip_call_event.h: ringing, answered, completed with the
// outcome table), and carries each answered call's audio to a talky serve's media WebSocket
// (SipMediaBridge), where the voice pipeline talks to it as to a Vonage call. When the agent
// hangs up (the socket closes) the SIP call ends with BYE; when the far side hangs up, the socket
// closes. An answered call whose media socket refuses it for good (see SipMediaBridge) is hung up
// at once and ends `failed` with the socket's reason: no call is left silent.
//
// A trunk that cannot be reached is an error of Originate (kUnavailable: the dialer tries the job
// again later), never an outcome charged to the lead. Events reach the sink on the `events`
// io_context, in order per call; the media sockets run on `media`. Thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "domain/clock.h"
#include "telephony/media_socket_client.h"
#include "telephony/sip/sip_media_bridge.h"
#include "telephony/sip/sip_user_agent.h"
#include "telephony/telephony_provider.h"

namespace talky {

struct SipTelephonyOptions {
  SipUserAgentOptions agent;
  MediaSocketAddress media;  // the media WebSocket of a talky serve (ws://HOST:PORT/media)
};

// Every problem with the options, each naming its field (the agent's as they are named there,
// "media" for the socket's address).
Expected<void> ValidateSipTelephonyOptions(const SipTelephonyOptions& options);

class SipTelephony final : public TelephonyProvider {
 public:
  // Starts the user agent. `events`, `media`, `clock` and `sink` must outlive the provider.
  static Expected<std::unique_ptr<SipTelephony>> Start(SipTelephonyOptions options,
                                                       boost::asio::io_context& events,
                                                       boost::asio::io_context& media,
                                                       const Clock& clock, CallEventSink& sink);
  ~SipTelephony() override;  // hangs up every call (their completed events are delivered)

  Expected<std::string> Originate(const OriginateRequest& request) override;
  Expected<void> Hangup(std::string_view provider_call_id) override;

  SipTelephony(SipTelephonyOptions options, boost::asio::io_context& events,
               boost::asio::io_context& media, const Clock& clock, CallEventSink& sink);

 private:
  struct Call;                                   // sip_telephony.cpp
  void OnAgentEvent(const SipCallEvent& event);  // the SIP thread

  const SipTelephonyOptions options_;
  boost::asio::io_context& events_;
  boost::asio::io_context& media_;
  const Clock& clock_;
  CallEventSink& sink_;
  std::mutex mutex_;
  std::map<CallId, std::shared_ptr<Call>> calls_;  // placed and not yet ended
  // Shared so that a media socket closing late (on a media thread) finds it gone, not dangling.
  std::shared_ptr<SipUserAgent> agent_;
};

}  // namespace talky
