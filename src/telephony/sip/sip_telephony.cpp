#include "telephony/sip/sip_telephony.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "telephony/sip/sip_call_event.h"

namespace talky {

// One placed call: its media bridge, and what the bridge's end needs to know, shared with the
// bridge's callback (which may outlive the provider by a moment on a media thread).
struct SipTelephony::Call {
  std::mutex mutex;
  std::shared_ptr<SipMediaBridge> bridge;
  std::string provider_call_id;  // from the first event (or Invite's answer)
  std::string media_failure;     // why the media socket refused the call, if it did
};

Expected<void> ValidateSipTelephonyOptions(const SipTelephonyOptions& options) {
  std::vector<FieldError> errors;
  if (Expected<void> agent = ValidateSipUserAgentOptions(options.agent); !agent) {
    errors = agent.error().fields;
  }
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(options.media.host, not_an_address);
  if (not_an_address || options.media.port < 1 || options.media.port > 65535) {
    errors.push_back({"media", "must be the IP address and port of a talky serve's /media"});
  }
  if (errors.empty()) return {};
  return std::unexpected(Error::InvalidArgument("invalid SIP provider options", std::move(errors)));
}

Expected<std::unique_ptr<SipTelephony>> SipTelephony::Start(SipTelephonyOptions options,
                                                            boost::asio::io_context& events,
                                                            boost::asio::io_context& media,
                                                            const Clock& clock,
                                                            CallEventSink& sink) {
  if (Expected<void> valid = ValidateSipTelephonyOptions(options); !valid) {
    return std::unexpected(valid.error());
  }
  auto provider = std::make_unique<SipTelephony>(std::move(options), events, media, clock, sink);
  Expected<std::unique_ptr<SipUserAgent>> agent = SipUserAgent::Start(
      provider->options_.agent,
      [raw = provider.get()](const SipCallEvent& event) { raw->OnAgentEvent(event); });
  if (!agent) return std::unexpected(agent.error());
  provider->agent_ = std::move(*agent);
  return provider;
}

SipTelephony::SipTelephony(SipTelephonyOptions options, boost::asio::io_context& events,
                           boost::asio::io_context& media, const Clock& clock, CallEventSink& sink)
    : options_(std::move(options)), events_(events), media_(media), clock_(clock), sink_(sink) {}

SipTelephony::~SipTelephony() {
  if (agent_) agent_->Stop();  // every call ends (BYE or CANCEL) and reports: no callback after
}

Expected<std::string> SipTelephony::Originate(const OriginateRequest& request) {
  auto call = std::make_shared<Call>();
  std::weak_ptr<SipUserAgent> agent = agent_;
  std::weak_ptr<Call> weak_call = call;
  call->bridge = SipMediaBridge::Create(
      boost::asio::make_strand(media_),
      SipMediaBridgeOptions{.media = options_.media, .call_id = request.call_id},
      [agent, weak_call, call_id = request.call_id](const MediaSocketEnd& end) {
        std::shared_ptr<Call> placed = weak_call.lock();
        std::shared_ptr<SipUserAgent> user_agent = agent.lock();
        if (!placed || !user_agent) return;
        std::string provider_call_id;
        {
          std::lock_guard lock(placed->mutex);
          if (!end.result) placed->media_failure = end.result.error().message;
          provider_call_id = placed->provider_call_id;
        }
        if (!end.result) {
          spdlog::error("call {}: {}; hanging up", call_id.value, end.result.error().message);
        }
        (void)user_agent->Hangup(provider_call_id);  // NotFound when it ended meanwhile
      });
  {
    std::lock_guard lock(mutex_);
    if (calls_.contains(request.call_id)) {
      return std::unexpected(Error::Conflict("call " + request.call_id.value + " is in progress"));
    }
    calls_[request.call_id] = call;
  }
  Expected<std::string> placed =
      agent_->Invite(request.call_id, request.to, request.from, call->bridge->MediaCallbacks());
  if (!placed) {
    std::lock_guard lock(mutex_);
    calls_.erase(request.call_id);
    call->bridge->Close();
    return placed;
  }
  std::lock_guard lock(call->mutex);
  call->provider_call_id = *placed;
  return placed;
}

Expected<void> SipTelephony::Hangup(std::string_view provider_call_id) {
  return agent_->Hangup(provider_call_id);
}

void SipTelephony::OnAgentEvent(const SipCallEvent& event) {
  std::shared_ptr<Call> call;
  {
    std::lock_guard lock(mutex_);
    auto found = calls_.find(event.call_id);
    if (found != calls_.end()) call = found->second;
    if (call && event.kind == SipCallEventKind::kEnded) calls_.erase(found);
  }
  std::optional<CallEvent> call_event = ToCallEvent(event, clock_.Now());
  if (call) {
    std::lock_guard lock(call->mutex);
    call->provider_call_id = event.provider_call_id;
    if (event.kind == SipCallEventKind::kAnswered) call->bridge->Connect();
    if (event.kind == SipCallEventKind::kEnded) {
      call->bridge->Close();
      if (!call->media_failure.empty() && call_event) {
        // Answered, but nobody could talk to the caller: the agent never spoke.
        call_event->outcome = CallOutcome::kFailed;
        call_event->payload["detail"] =
            "the voice agent could not take the call (" + call->media_failure + "); we hung up";
      }
    }
  }
  if (!call_event) return;
  boost::asio::post(events_, [&sink = sink_, call_event = std::move(*call_event)] {
    sink.OnCallEvent(call_event);
  });
}

}  // namespace talky
