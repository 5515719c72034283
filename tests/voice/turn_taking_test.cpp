// A campaign's turn-taking settings: defaults for what it leaves out, every bad field named.
#include "voice/turn_taking.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> BadFields(const nlohmann::json& json) {
  Expected<TurnTaking> turns = TurnTakingFromJson(json, "turn_taking");
  std::vector<std::string> fields;
  if (turns) return fields;
  for (const FieldError& field : turns.error().fields) fields.push_back(field.field);
  std::ranges::sort(fields);
  return fields;
}

TEST(TurnTaking, NullAndEmptyKeepEveryDefault) {
  for (const nlohmann::json& json : {nlohmann::json(), nlohmann::json::object()}) {
    Expected<TurnTaking> turns = TurnTakingFromJson(json, "turn_taking");
    ASSERT_TRUE(turns) << turns.error().Describe();
    EXPECT_EQ(turns->endpointing_min, 500ms);
    EXPECT_EQ(turns->barge_in_min, 200ms);
    EXPECT_EQ(turns->max_reprompts, 2);
  }
}

TEST(TurnTaking, ReadsEachSettingAndKeepsTheRest) {
  Expected<TurnTaking> turns = TurnTakingFromJson({{"speech_start_ms", 40},
                                                   {"barge_in_min_ms", 300},
                                                   {"endpointing_min_ms", 800},
                                                   {"endpointing_max_ms", 15000},
                                                   {"silence_reprompt_ms", 4000},
                                                   {"max_reprompts", 0},
                                                   {"max_not_understood", 5}},
                                                  "turn_taking");
  ASSERT_TRUE(turns) << turns.error().Describe();
  EXPECT_EQ(turns->speech_start, 40ms);
  EXPECT_EQ(turns->barge_in_min, 300ms);
  EXPECT_EQ(turns->endpointing_min, 800ms);
  EXPECT_EQ(turns->endpointing_max, 15000ms);
  EXPECT_EQ(turns->silence_reprompt, 4000ms);
  EXPECT_EQ(turns->max_reprompts, 0);
  EXPECT_EQ(turns->max_not_understood, 5);
  EXPECT_EQ(turns->pre_roll, TurnTaking{}.pre_roll);  // not tunable
}

TEST(TurnTaking, EveryBadFieldIsNamed) {
  EXPECT_EQ(BadFields(nlohmann::json::array()), std::vector<std::string>{"turn_taking"});
  EXPECT_EQ(
      BadFields({{"speech_start_ms", 10},
                 {"barge_in_min_ms", 2001},
                 {"endpointing_min_ms", "500"},
                 {"silence_reprompt_ms", 1.5},
                 {"max_reprompts", 6},
                 {"max_not_understood", 0},
                 {"pre_roll_ms", 100}}),
      (std::vector<std::string>{"turn_taking.barge_in_min_ms", "turn_taking.endpointing_min_ms",
                                "turn_taking.max_not_understood", "turn_taking.max_reprompts",
                                "turn_taking.pre_roll_ms", "turn_taking.silence_reprompt_ms",
                                "turn_taking.speech_start_ms"}));
  // The longest wait may not be shorter than the silence that ends a turn.
  EXPECT_EQ(BadFields({{"endpointing_min_ms", 2000}, {"endpointing_max_ms", 1000}}),
            std::vector<std::string>{"turn_taking.endpointing_max_ms"});
}

}  // namespace
}  // namespace talky
