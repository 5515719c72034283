// How a simulated call unfolds: the provider events it produces and when, decided by the dialed
// number. Test numbers, by their last three digits, script a scenario anyone can use:
//   486 busy          480 no answer (rings out)   404 invalid      603 rejected
//   410 disconnected  503 failed                  555 voicemail
//   200 answered, goal achieved                   204 answered, goal not achieved
//   205 answered, asks not to be called again (do_not_call)
//   481-484 (48N)     busy on attempts 1..N, then answered with the goal achieved
// Any other number draws from a weighted outcome mix. The draw is seeded by (seed, number,
// attempt), so a scenario repeats exactly whatever order the workers dial in.
// Pure: no clock, no I/O; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/call_outcome.h"
#include "domain/call_status.h"
#include "domain/error.h"

namespace talky {

struct SimulatedCallTiming {
  std::chrono::milliseconds ring_time{3000};   // from the first ring to an answer or a ring-out
  std::chrono::milliseconds talk_time{20000};  // from the answer to the hang-up
};

// Relative weights of the outcomes drawn for numbers that are not test numbers.
using SimulatedOutcomeMix = std::map<CallOutcome, double>;
SimulatedOutcomeMix DefaultSimulatedOutcomeMix();
// Only final outcomes a call can end with, weights >= 0, at least one > 0.
Expected<SimulatedOutcomeMix> ValidateSimulatedOutcomeMix(SimulatedOutcomeMix mix);

struct SimulatedEvent {
  std::chrono::milliseconds after_start{0};  // when it happens, counted from the originate
  CallStatus status = CallStatus::kStarted;
  std::optional<CallOutcome> outcome;  // set on the event that settles the call's result

  bool operator==(const SimulatedEvent&) const = default;
};

// The events of one call, in order; the last one has status kCompleted and the final outcome.
std::vector<SimulatedEvent> PlanSimulatedCall(std::string_view e164, int attempt_number,
                                              const SimulatedCallTiming& timing,
                                              const SimulatedOutcomeMix& mix, uint64_t seed);

}  // namespace talky
