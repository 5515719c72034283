// A telephony provider that places no real calls: each call plays out its SimulatedCallPlan on
// Asio timers, so many thousands can be in flight in one process. The default in embedded mode.
// With `media` (talky run) an answered call speaks: a SpeakingCallee (callee_script.h) connects
// to our media WebSocket as Vonage would, and the call ends when its conversation does, as a plain
// hang-up (goal_not_achieved) that the conversation's recorded verdict replaces; its answer and
// end are stamped on the call's media time, so its record lasts as long as its audio did. A
// callee that cannot connect ends the call as its plan says.
//
// Events are delivered on the io_context's thread(s); with more than one thread running it, the
// events of one call still come in order (each call's steps run on its own strand).
// `speed` divides every delay (talky run --speed). Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "domain/clock.h"
#include "telephony/simulated/simulated_call_plan.h"
#include "telephony/simulated/simulated_callee_voices.h"
#include "telephony/telephony_provider.h"

namespace talky {

struct SimulatedMedia {
  std::string host = "127.0.0.1";                 // the media WebSocket's address (an IP)
  int port = 0;                                   // and port; its path is /media
  double media_speed = 1.0;                       // audio this many times faster than real time
  const SimulatedCalleeVoices* voices = nullptr;  // must outlive the provider
  // Where the callees' sockets and media clocks run: threads of their own, so that the dialer's
  // store writes on the provider's event thread never hold back the audio.
  boost::asio::io_context* io = nullptr;
  // Conversations at once, across the providers sharing `talking`: a call answered beyond that
  // rings on until a line is free, so that the machine keeps up with the audio (speech
  // recognition is the cost) rather than falling behind it.
  int max_conversations = 24;
  std::atomic<int>* talking = nullptr;
};

struct SimulatedTelephonyOptions {
  SimulatedCallTiming timing;
  SimulatedOutcomeMix outcome_mix = DefaultSimulatedOutcomeMix();
  uint64_t seed = 1;
  double speed = 1.0;                   // > 0; 60 plays a minute of call in a second
  std::optional<SimulatedMedia> media;  // answered calls speak
};

class SimulatedTelephony final : public TelephonyProvider {
 public:
  // `io`, `clock` and `sink` must outlive this object; events are stamped with `clock`.
  SimulatedTelephony(boost::asio::io_context& io, const Clock& clock, CallEventSink& sink,
                     SimulatedTelephonyOptions options);
  ~SimulatedTelephony() override;

  Expected<std::string> Originate(const OriginateRequest& request) override;
  Expected<void> Hangup(std::string_view provider_call_id) override;

  // Calls placed and not yet completed (those in conversation: SimulatedMedia::talking).
  size_t InFlight() const;

 private:
  struct Call;
  void Step(const std::shared_ptr<Call>& call);
  void Converse(const std::shared_ptr<Call>& call);
  void Connect(const std::shared_ptr<Call>& call, Instant answered_at, int attempt);
  void EndConversation();
  void Ended(const std::shared_ptr<Call>& call, Instant answered_at, CallOutcome planned,
             int attempt, const Expected<std::chrono::milliseconds>& ended);
  void Deliver(const std::shared_ptr<Call>& call, const SimulatedEvent& event,
               std::optional<Instant> at = std::nullopt);

  boost::asio::io_context& io_;
  const Clock& clock_;
  CallEventSink& sink_;
  SimulatedTelephonyOptions options_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<bool> media_failure_logged_{false};

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Call>> calls_;  // in flight, by provider id
};

}  // namespace talky
