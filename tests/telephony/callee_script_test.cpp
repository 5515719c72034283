// Who answers a speaking simulated call: the test numbers as the README's table says, and for
// other numbers a person who means what the outcome mix planned, sometimes asking who is calling
// or answering over the agent, the same on every run.
#include "telephony/simulated/callee_script.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace talky {
namespace {

using O = CallOutcome;

std::vector<std::string> Said(const CalleeScript& script) {
  std::vector<std::string> said;
  for (const CalleeLine& line : script.replies) said.push_back(line.text);
  return said;
}

TEST(CalleeScript, TestNumbersSayWhatTheReadmeSays) {
  const CalleeScript agrees = ScriptCallee("+12125550200", 1, O::kGoalAchieved, 1, 4);
  EXPECT_TRUE(agrees.agrees);
  EXPECT_FALSE(agrees.answering_machine);
  EXPECT_EQ(Said(agrees), (std::vector<std::string>(4, "yes")));
  EXPECT_EQ(Said(ScriptCallee("+12125550204", 1, O::kGoalNotAchieved, 1, 4)),
            (std::vector<std::string>(4, "no")));
  const CalleeScript opts_out = ScriptCallee("+12125550205", 1, O::kDoNotCall, 1, 4);
  EXPECT_TRUE(opts_out.opts_out);
  EXPECT_EQ(Said(opts_out), std::vector<std::string>{"stop calling me"});
  const CalleeScript machine = ScriptCallee("+12125550555", 1, O::kVoicemail, 1, 4);
  EXPECT_TRUE(machine.answering_machine);
  EXPECT_TRUE(machine.beep);
  EXPECT_TRUE(machine.replies.empty());
  // A 48N number, once it answers, agrees.
  EXPECT_EQ(Said(ScriptCallee("+12125550482", 3, O::kGoalAchieved, 1, 4)),
            (std::vector<std::string>(4, "yes")));
}

TEST(CalleeScript, OtherNumbersVaryButRepeatAndMeanWhatWasPlanned) {
  int questions = 0, interruptions = 0, beeps = 0;
  std::vector<int> voices(4, 0);
  for (int i = 0; i < 400; ++i) {
    const std::string number = "+1312555" + std::to_string(1000 + i);
    const CallOutcome planned = i % 3 == 0   ? O::kGoalAchieved
                                : i % 3 == 1 ? O::kGoalNotAchieved
                                             : O::kVoicemail;
    const CalleeScript script = ScriptCallee(number, 1, planned, 9, 4);
    const CalleeScript again = ScriptCallee(number, 1, planned, 9, 4);
    EXPECT_EQ(Said(script), Said(again));
    EXPECT_EQ(script.voice, again.voice);
    ASSERT_GE(script.voice, 0);
    ASSERT_LT(script.voice, 4);
    ++voices[static_cast<std::size_t>(script.voice)];
    if (planned == O::kVoicemail) {
      EXPECT_TRUE(script.answering_machine);
      beeps += script.beep ? 1 : 0;
      continue;
    }
    EXPECT_EQ(script.agrees, planned == O::kGoalAchieved);
    std::vector<std::string> said = Said(script);
    if (said.front() == "who is this") {
      ++questions;
      said.erase(said.begin());
    }
    // After any question, every answer is the callee's mind.
    EXPECT_TRUE(std::ranges::all_of(said, [&](const std::string& s) {
      return s == (script.agrees ? "yes" : "no");
    })) << number;
    if (script.replies.front().over_the_agent) {
      ++interruptions;
      EXPECT_TRUE(script.agrees);
    }
  }
  EXPECT_GT(questions, 10);
  EXPECT_GT(interruptions, 10);
  EXPECT_GT(beeps, 20);
  EXPECT_LT(beeps, 110);
  EXPECT_TRUE(std::ranges::all_of(voices, [](int n) { return n > 50; }));
}

}  // namespace
}  // namespace talky
