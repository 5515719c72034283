#include "telephony/simulated/simulated_call_plan.h"

#include <random>
#include <string>

namespace talky {
namespace {

using O = CallOutcome;
using enum CallStatus;
using std::chrono::milliseconds;

// The provider takes a moment to report a call that fails without ringing.
constexpr milliseconds kSetupTime{200};
constexpr milliseconds kAtStart{0};

std::optional<CallOutcome> ScriptedOutcome(std::string_view e164, int attempt_number) {
  if (e164.size() < 3) return std::nullopt;
  const std::string_view suffix = e164.substr(e164.size() - 3);
  if (suffix == "486") return O::kBusy;
  if (suffix == "480") return O::kNoAnswer;
  if (suffix == "404") return O::kInvalid;
  if (suffix == "603") return O::kRejected;
  if (suffix == "410") return O::kDisconnected;
  if (suffix == "503") return O::kFailed;
  if (suffix == "555") return O::kVoicemail;
  if (suffix == "200") return O::kGoalAchieved;
  if (suffix == "204") return O::kGoalNotAchieved;
  if (suffix == "205") return O::kDoNotCall;
  if (suffix[0] == '4' && suffix[1] == '8' && suffix[2] >= '1' && suffix[2] <= '4') {
    const int busy_attempts = suffix[2] - '0';
    return attempt_number <= busy_attempts ? O::kBusy : O::kGoalAchieved;
  }
  return std::nullopt;
}

CallOutcome DrawOutcome(std::string_view e164, int attempt_number, const SimulatedOutcomeMix& mix,
                        uint64_t seed) {
  // std::hash of a string is stable within one build, which is all a simulation run needs.
  const uint64_t key = std::hash<std::string_view>{}(e164) ^ (seed * 0x9E3779B97F4A7C15ull) ^
                       (static_cast<uint64_t>(attempt_number) << 32);
  std::mt19937_64 rng(key);
  std::vector<CallOutcome> outcomes;
  std::vector<double> weights;
  for (const auto& [outcome, weight] : mix) {
    outcomes.push_back(outcome);
    weights.push_back(weight);
  }
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  return outcomes[pick(rng)];
}

}  // namespace

SimulatedOutcomeMix DefaultSimulatedOutcomeMix() {
  return {{O::kGoalAchieved, 30}, {O::kGoalNotAchieved, 25}, {O::kNoAnswer, 18},
          {O::kBusy, 10},         {O::kVoicemail, 10},       {O::kFailed, 3},
          {O::kInvalid, 2},       {O::kRejected, 1},         {O::kDisconnected, 1}};
}

Expected<SimulatedOutcomeMix> ValidateSimulatedOutcomeMix(SimulatedOutcomeMix mix) {
  std::vector<FieldError> errors;
  double total = 0;
  for (const auto& [outcome, weight] : mix) {
    const std::string field = "outcome_mix." + std::string(ToString(outcome));
    if (outcome == O::kAnswered) errors.push_back({field, "answered is a call status, not an end"});
    if (!(weight >= 0)) errors.push_back({field, "weights must be zero or more"});
    total += weight > 0 ? weight : 0;
  }
  if (total <= 0) errors.push_back({"outcome_mix", "needs at least one weight above zero"});
  return ValueOrFieldErrors(std::move(mix), std::move(errors), "simulated outcome mix");
}

std::vector<SimulatedEvent> PlanSimulatedCall(std::string_view e164, int attempt_number,
                                              const SimulatedCallTiming& timing,
                                              const SimulatedOutcomeMix& mix, uint64_t seed) {
  const CallOutcome outcome =
      ScriptedOutcome(e164, attempt_number).value_or(DrawOutcome(e164, attempt_number, mix, seed));
  const milliseconds ringing = kSetupTime;
  const milliseconds answered = ringing + timing.ring_time;
  const milliseconds hung_up = answered + timing.talk_time;
  switch (outcome) {
    case O::kGoalAchieved:
    case O::kGoalNotAchieved:
    case O::kAnswered:
    case O::kDoNotCall:  // a conversation that ended with an opt-out
      return {{kAtStart, kStarted, std::nullopt},
              {ringing, kRinging, std::nullopt},
              {answered, kAnswered, std::nullopt},
              {hung_up, kCompleted, outcome}};
    case O::kVoicemail:
      // Machine detection settles the outcome on answer; the message plays until hang-up.
      return {{kAtStart, kStarted, std::nullopt},
              {ringing, kRinging, std::nullopt},
              {answered, kAnswered, O::kVoicemail},
              {hung_up, kCompleted, O::kVoicemail}};
    case O::kNoAnswer:
    case O::kTimeout:
      return {{kAtStart, kStarted, std::nullopt},
              {ringing, kRinging, std::nullopt},
              {answered, kCompleted, outcome}};
    case O::kRejected:
      return {{kAtStart, kStarted, std::nullopt},
              {ringing, kRinging, std::nullopt},
              {ringing + kSetupTime, kCompleted, outcome}};
    case O::kBusy:
    case O::kInvalid:
    case O::kDisconnected:
    case O::kFailed:
    case O::kSpam:
    case O::kUnavailable:
      return {{kAtStart, kStarted, std::nullopt}, {kSetupTime, kCompleted, outcome}};
  }
  return {{kAtStart, kStarted, std::nullopt}, {kSetupTime, kCompleted, O::kFailed}};
}

}  // namespace talky
