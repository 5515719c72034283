// Reading a script_config: a good one, and a row per bad one with the field it must name.
#include "voice/conversation_script.h"

#include <gtest/gtest.h>

#include "voice/campaign_script.h"

namespace talky {
namespace {

const nlohmann::json kGood = nlohmann::json::parse(R"({
  "goal_states": ["booked"],
  "intents": {"tuesday": ["tuesday", "on Tuesday!"]},
  "questions": {"price": {"phrases": ["how much is it"], "answer": "It is free."}},
  "states": {
    "greeting": {"say": "Hello {first_name}, this is {business}. Shall we book a visit?",
                 "next": {"yes": "when", "no": "bye"}},
    "when": {"say": ["Which day suits you?", "Which day would be best?"],
             "next": {"tuesday": "booked"}},
    "booked": {"say": "Tuesday it is. Goodbye."},
    "bye": {"say": "Goodbye."}}})");

TEST(ConversationScriptTest, AGoodScriptIsReadWithTheBuiltInsAdded) {
  Expected<ConversationScript> script = ParseConversationScript(kGood, "Acme");
  ASSERT_TRUE(script) << script.error().Describe();
  EXPECT_EQ(script->start, "greeting");
  EXPECT_EQ(script->goal_states, std::set<std::string>{"booked"});
  EXPECT_EQ(script->intents.at("tuesday"), (std::vector<std::string>{"tuesday", "on tuesday"}));
  EXPECT_TRUE(script->intents.contains("yes"));
  EXPECT_TRUE(script->questions.contains("who_is_this"));
  EXPECT_EQ(script->questions.at("price").answer, "It is free.");
  EXPECT_EQ(script->states.at("when").lines.size(), 2u);
  EXPECT_TRUE(script->IsGoodbye("booked"));
  EXPECT_FALSE(script->IsGoodbye("greeting"));
  EXPECT_FALSE(script->opt_out_phrases.empty());
}

TEST(ConversationScriptTest, EveryDefaultScriptIsValid) {
  for (GoalKind kind : {GoalKind::kAppointment, GoalKind::kReminder, GoalKind::kQualification,
                        GoalKind::kRenewal}) {
    SCOPED_TRACE(ToString(kind));
    Expected<ConversationScript> script = ParseConversationScript(DefaultScriptConfig(kind), "X");
    ASSERT_TRUE(script) << script.error().Describe();
    EXPECT_FALSE(script->goal_states.empty());
  }
}

TEST(ConversationScriptTest, TheGoalPicksItsKindOfScript) {
  EXPECT_EQ(GoalKindOf("renew the policy"), GoalKind::kRenewal);
  EXPECT_EQ(GoalKindOf("Reminder of the visit"), GoalKind::kReminder);
  EXPECT_EQ(GoalKindOf("qualify the lead"), GoalKind::kQualification);
  EXPECT_EQ(GoalKindOf("book a check-up visit"), GoalKind::kAppointment);
  EXPECT_EQ(GoalKindOf(std::nullopt), GoalKind::kAppointment);
}

// A copy of the good script with `change` applied at a JSON pointer (null value: removed).
nlohmann::json With(const std::string& pointer, nlohmann::json value) {
  nlohmann::json script = kGood;
  const nlohmann::json::json_pointer at(pointer);
  if (value.is_null()) {
    script[at.parent_pointer()].erase(at.back());
  } else {
    script[at] = std::move(value);
  }
  return script;
}

// "yes" in the greeting's intents yes and maybe.
nlohmann::json WithAmbiguousGreeting() {
  nlohmann::json script = With("/intents/maybe", {"perhaps", "yes"});
  script["states"]["greeting"]["next"]["maybe"] = "bye";
  return script;
}

TEST(ConversationScriptTest, EveryBadFieldIsNamed) {
  struct Case {
    std::string name;
    nlohmann::json script;
    std::string field;
    std::string message_has;
  };
  const std::vector<Case> cases = {
      {"not an object", "a script", "script_config", "object"},
      {"no states", With("/states", nullptr), "script_config.states", "required"},
      {"no goal states", With("/goal_states", nullptr), "script_config.goal_states", "required"},
      {"goal state that is not a state", With("/goal_states", {"booked", "paid"}),
       "script_config.goal_states", "\"paid\""},
      {"intent to no state", With("/states/greeting/next/yes", "nowhere"),
       "script_config.states.greeting.next.yes", "no state \"nowhere\""},
      {"unknown intent", With("/states/greeting/next/maybe", "bye"),
       "script_config.states.greeting.next.maybe", "no intent 'maybe'"},
      {"unreachable state", With("/states/orphan", {{"say", "Hello?"}}),
       "script_config.states.orphan", "cannot be reached"},
      {"greeting without the business", With("/states/greeting/say", "Hello there. Book?"),
       "script_config.states.greeting.say", "must name the business"},
      {"unknown placeholder", With("/states/bye/say", "Bye {nickname}."),
       "script_config.states.bye.say", "{nickname}"},
      {"unclosed brace", With("/states/bye/say", "Bye {first_name."),
       "script_config.states.bye.say", "unclosed"},
      {"empty line", With("/states/bye/say", "  "), "script_config.states.bye.say", "line"},
      {"unknown state key", With("/states/bye/wait", 3), "script_config.states.bye.wait", ""},
      {"unknown key", With("/voice", "x"), "script_config.voice", ""},
      {"empty phrase list", With("/intents/tuesday", nlohmann::json::array()),
       "script_config.intents.tuesday", "non-empty"},
      {"phrase without words", With("/intents/tuesday", {"?!"}), "script_config.intents.tuesday",
       "word"},
      {"question without an answer", With("/questions/price", {{"phrases", {"how much"}}}),
       "script_config.questions.price.answer", "required"},
      {"start that is not a state", With("/start", "hello"), "script_config.start",
       "no state 'hello'"},
      {"max_turns out of range", With("/max_turns", 0), "script_config.max_turns", "1-100"},
      {"one phrase in two intents of a state", WithAmbiguousGreeting(),
       "script_config.states.greeting.next", "both intents"},
  };
  for (const Case& row : cases) {
    SCOPED_TRACE(row.name);
    Expected<ConversationScript> script = ParseConversationScript(row.script, "Acme");
    ASSERT_FALSE(script);
    EXPECT_EQ(script.error().code, ErrorCode::kInvalidArgument);
    bool named = false;
    for (const FieldError& error : script.error().fields) {
      if (error.field == row.field && error.message.find(row.message_has) != std::string::npos) {
        named = true;
      }
    }
    EXPECT_TRUE(named) << script.error().Describe();
  }
}

TEST(ConversationScriptTest, AScriptWhereNoStateEndsTheCallIsRefused) {
  const nlohmann::json loop = nlohmann::json::parse(R"({
    "goal_states": ["greeting"],
    "states": {"greeting": {"say": "Hi, Acme here.", "next": {"yes": "greeting"}}}})");
  Expected<ConversationScript> script = ParseConversationScript(loop, "Acme");
  ASSERT_FALSE(script);
  EXPECT_NE(script.error().Describe().find("no reachable state ends the call"), std::string::npos);
}

TEST(ConversationScriptTest, TheBusinessMayBeNamedLiterallyOrByTheScriptsOwnName) {
  EXPECT_TRUE(
      ParseConversationScript(With("/states/greeting/say", "Hi, ACME here. Book?"), "Acme"));
  nlohmann::json named = With("/states/greeting/say", "Hi, Smile Dental here. Book?");
  named["business_name"] = "Smile Dental";
  EXPECT_TRUE(ParseConversationScript(named, "Acme"));
}

}  // namespace
}  // namespace talky
