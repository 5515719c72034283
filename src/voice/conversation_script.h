// A campaign's conversation script (its script_config): states from the greeting to a goodbye,
// each with the agent's line (templated: line_template.h), the replies it expects grouped as
// intents, the next state per intent, and which states mean the campaign's goal is reached. The
// conversation engine walks it; offline, the phrases of a state's intents (with the questions and
// the opt-out phrases, which hold in every state) are what the recognizer listens for.
//
//   {"start": "greeting",                     optional, default "greeting"
//    "business_name": "Bright Smile Dental",  optional, default the tenant's name ({business})
//    "goal_states": ["confirmed"],
//    "max_turns": 12,                         optional, the callee's replies before a goodbye
//    "intents": {"reschedule": ["another day", "can we move it"]},   added to yes and no
//    "questions": {"price": {"phrases": ["how much is it"], "answer": "It is free."}},
//    "states": {
//      "greeting": {"say": "Hello {first_name}! This is {business}. Is now a good time?",
//                   "again": "Is now a good time?", "next": {"yes": "confirm", "no": "later"}},
//      "later": {"say": "We will call another time. Goodbye."}, ...}}
//
// A state without `next` ends the call once its line is said. `say` may be a list: successive
// visits take the next line. `again` is what is asked after a question was answered or a reply was
// not understood (default: the state's line). Built in, and replaceable by a key of the same name:
// the intents `yes` and `no`, and the questions `who_is_this`, `how_did_you_get_my_number` and
// `are_you_a_robot`. The opt-out phrases ("stop calling me", "remove me from your list", ...) are
// fixed: a callee's wish to be left alone is never up to a script.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"

namespace talky {

struct ScriptState {
  std::vector<std::string> lines;           // templates; visit n says lines[n % size]
  std::optional<std::string> again;         // template
  std::map<std::string, std::string> next;  // intent -> state; empty: the goodbye
  bool operator==(const ScriptState&) const = default;
};

struct ScriptQuestion {
  std::vector<std::string> phrases;  // normalized (phrase_match.h)
  std::string answer;                // template
  bool operator==(const ScriptQuestion&) const = default;
};

struct ConversationScript {
  std::string start = "greeting";
  std::optional<std::string> business_name;
  std::set<std::string> goal_states;
  int max_turns = 12;
  std::map<std::string, std::vector<std::string>> intents;  // normalized phrases
  std::map<std::string, ScriptQuestion> questions;
  std::vector<std::string> opt_out_phrases;  // normalized
  std::map<std::string, ScriptState> states;

  bool IsGoodbye(const std::string& state) const { return states.at(state).next.empty(); }
  bool operator==(const ConversationScript&) const = default;
};

// Reads and checks a script_config. `tenant_name` is what {business} means without a
// business_name; the greeting must name the business (TCPA: an artificial voice states who is
// calling at its beginning). kInvalidArgument names every bad field as
// "script_config.<key>[.<key>...]": an unknown key, a line with an unknown placeholder, an intent
// or state that does not exist, a state that cannot be reached, no goodbye, no goal state.
Expected<ConversationScript> ParseConversationScript(const nlohmann::json& script_config,
                                                     std::string_view tenant_name);

}  // namespace talky
