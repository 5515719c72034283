#include "telephony/simulated/simulated_call_plan.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono_literals;
using O = CallOutcome;
using enum CallStatus;

const SimulatedCallTiming kTiming{.ring_time = 3000ms, .talk_time = 20000ms};

CallOutcome FinalOutcome(std::string_view number, int attempt, uint64_t seed = 7) {
  const std::vector<SimulatedEvent> events =
      PlanSimulatedCall(number, attempt, kTiming, DefaultSimulatedOutcomeMix(), seed);
  EXPECT_EQ(events.back().status, kCompleted) << number;
  return *events.back().outcome;
}

struct ScriptCase {
  const char* number;
  int attempt;
  CallOutcome outcome;
};

// The README documents these numbers; every one, and every 48N step, is a row.
const ScriptCase kScripts[] = {
    {"+12125550486", 1, O::kBusy},          {"+12125550486", 3, O::kBusy},
    {"+12125550480", 1, O::kNoAnswer},      {"+12125550404", 1, O::kInvalid},
    {"+12125550603", 1, O::kRejected},      {"+12125550410", 1, O::kDisconnected},
    {"+12125550503", 1, O::kFailed},        {"+12125550555", 1, O::kVoicemail},
    {"+12125550200", 1, O::kGoalAchieved},  {"+12125550204", 1, O::kGoalNotAchieved},
    {"+12125550205", 1, O::kDoNotCall},     {"+12125550481", 1, O::kBusy},
    {"+12125550481", 2, O::kGoalAchieved},  {"+12125550482", 2, O::kBusy},
    {"+12125550482", 3, O::kGoalAchieved},  {"+12125550483", 3, O::kBusy},
    {"+12125550483", 4, O::kGoalAchieved},  {"+12125550484", 4, O::kBusy},
    {"+12125550484", 5, O::kGoalAchieved},  {"+442071838486", 1, O::kBusy},
    {"+442071838200", 2, O::kGoalAchieved},
};

TEST(SimulatedCallPlan, TestNumbersScriptTheOutcome) {
  for (const ScriptCase& c : kScripts) {
    EXPECT_EQ(FinalOutcome(c.number, c.attempt), c.outcome) << c.number << " attempt " << c.attempt;
  }
}

TEST(SimulatedCallPlan, EventsFollowTheCallsProgress) {
  const auto plan = [](const char* number) {
    return PlanSimulatedCall(number, 1, kTiming, DefaultSimulatedOutcomeMix(), 1);
  };
  EXPECT_EQ(plan("+12125550200"),
            (std::vector<SimulatedEvent>{{0ms, kStarted, std::nullopt},
                                         {200ms, kRinging, std::nullopt},
                                         {3200ms, kAnswered, std::nullopt},
                                         {23200ms, kCompleted, O::kGoalAchieved}}));
  EXPECT_EQ(plan("+12125550480"),
            (std::vector<SimulatedEvent>{{0ms, kStarted, std::nullopt},
                                         {200ms, kRinging, std::nullopt},
                                         {3200ms, kCompleted, O::kNoAnswer}}));
  EXPECT_EQ(plan("+12125550486"), (std::vector<SimulatedEvent>{{0ms, kStarted, std::nullopt},
                                                               {200ms, kCompleted, O::kBusy}}));
  EXPECT_EQ(plan("+12125550555")[2], (SimulatedEvent{3200ms, kAnswered, O::kVoicemail}));
}

TEST(SimulatedCallPlan, ZeroTalkTimeEndsAtTheAnswer) {
  const auto events = PlanSimulatedCall("+12125550200", 1, {.ring_time = 0ms, .talk_time = 0ms},
                                        DefaultSimulatedOutcomeMix(), 1);
  EXPECT_EQ(events.back().after_start, 200ms);
}

TEST(SimulatedCallPlan, OtherNumbersDrawFromTheMixReproducibly) {
  std::map<CallOutcome, int> counts;
  for (int i = 0; i < 2000; ++i) {
    const std::string number = "+1212555" + std::to_string(1000 + i);
    if (number.ends_with("205")) continue;  // test numbers outside the mix: do_not_call
    const CallOutcome outcome = FinalOutcome(number, 1);
    EXPECT_EQ(FinalOutcome(number, 1), outcome);  // same seed, number and attempt: same draw
    ++counts[outcome];
  }
  // Every outcome of the default mix shows up, in roughly its share (30% goal achieved).
  EXPECT_EQ(counts.size(), DefaultSimulatedOutcomeMix().size());
  EXPECT_GT(counts[O::kGoalAchieved], 2000 * 20 / 100);
  EXPECT_LT(counts[O::kGoalAchieved], 2000 * 40 / 100);

  const SimulatedOutcomeMix only_busy{{O::kBusy, 1}, {O::kGoalAchieved, 0}};
  for (int i = 0; i < 50; ++i) {
    const auto events =
        PlanSimulatedCall("+1212555" + std::to_string(2000 + i), 1, kTiming, only_busy, 99);
    EXPECT_EQ(events.back().outcome, O::kBusy);
  }
}

TEST(SimulatedCallPlan, MixValidationNamesTheBadWeight) {
  EXPECT_TRUE(ValidateSimulatedOutcomeMix(DefaultSimulatedOutcomeMix()));
  Expected<SimulatedOutcomeMix> negative = ValidateSimulatedOutcomeMix({{O::kBusy, -1}});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().fields.front().field, "outcome_mix.busy");
  Expected<SimulatedOutcomeMix> answered = ValidateSimulatedOutcomeMix({{O::kAnswered, 1}});
  ASSERT_FALSE(answered);
  EXPECT_EQ(answered.error().fields.front().field, "outcome_mix.answered");
  EXPECT_FALSE(ValidateSimulatedOutcomeMix({{O::kBusy, 0}}));
  EXPECT_FALSE(ValidateSimulatedOutcomeMix({}));
}

}  // namespace
}  // namespace talky
