// A telephony provider that places no real calls: each call plays out its SimulatedCallPlan on
// Asio timers, so many thousands can be in flight in one process. The default in embedded mode.
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
#include <unordered_map>

#include "domain/clock.h"
#include "telephony/simulated/simulated_call_plan.h"
#include "telephony/telephony_provider.h"

namespace talky {

struct SimulatedTelephonyOptions {
  SimulatedCallTiming timing;
  SimulatedOutcomeMix outcome_mix = DefaultSimulatedOutcomeMix();
  uint64_t seed = 1;
  double speed = 1.0;  // > 0; 60 plays a minute of call in a second
};

class SimulatedTelephony final : public TelephonyProvider {
 public:
  // `io`, `clock` and `sink` must outlive this object; events are stamped with `clock`.
  SimulatedTelephony(boost::asio::io_context& io, const Clock& clock, CallEventSink& sink,
                     SimulatedTelephonyOptions options);
  ~SimulatedTelephony() override;

  Expected<std::string> Originate(const OriginateRequest& request) override;
  Expected<void> Hangup(std::string_view provider_call_id) override;

  // Calls placed and not yet completed.
  size_t InFlight() const;

 private:
  struct Call;
  void Step(const std::shared_ptr<Call>& call);
  void Deliver(const std::shared_ptr<Call>& call, const SimulatedEvent& event);

  boost::asio::io_context& io_;
  const Clock& clock_;
  CallEventSink& sink_;
  SimulatedTelephonyOptions options_;
  std::atomic<uint64_t> next_id_{1};

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Call>> calls_;  // in flight, by provider id
};

}  // namespace talky
