#include "voice/conversation_script.h"

#include <algorithm>
#include <deque>

#include "domain/json_fields.h"
#include "voice/line_template.h"
#include "voice/phrase_match.h"

namespace talky {
namespace {

constexpr char kPrefix[] = "script_config";
constexpr int kMaxTurnsLimit = 100;

const std::map<std::string, std::vector<std::string>>& BuiltInIntents() {
  static const std::map<std::string, std::vector<std::string>> intents = {
      {"yes",
       {"yes", "yes please", "yeah", "sure", "okay", "of course", "correct", "that's right",
        "that's fine", "yes i will", "yes i can", "i will", "i can"}},
      {"no",
       {"no", "no thanks", "no thank you", "nope", "not now", "not really", "i can't", "i cannot",
        "i won't", "not interested", "i don't think so"}},
  };
  return intents;
}

const std::map<std::string, ScriptQuestion>& BuiltInQuestions() {
  static const std::map<std::string, ScriptQuestion> questions = {
      {"who_is_this",
       {{"who is this", "who are you", "who is calling", "who's calling", "what company is this"},
        "This is {business}."}},
      {"how_did_you_get_my_number",
       {{"how did you get my number", "where did you get my number", "why do you have my number"},
        "You are on the contact list of {business}. If you would rather not be called, say stop "
        "calling me."}},
      {"are_you_a_robot",
       {{"are you a robot", "is this a robot", "are you a real person", "is this a real person",
         "am i talking to a computer"},
        "I am an automated assistant calling for {business}."}},
  };
  return questions;
}

const std::vector<std::string>& OptOutPhrases() {
  static const std::vector<std::string> phrases = {"stop calling me",
                                                   "stop calling",
                                                   "do not call",
                                                   "do not call me",
                                                   "do not call me again",
                                                   "don't call me",
                                                   "don't call me again",
                                                   "never call me again",
                                                   "remove me from your list",
                                                   "take me off your list",
                                                   "remove my number",
                                                   "put me on your do not call list",
                                                   "unsubscribe",
                                                   "opt out",
                                                   "leave me alone"};
  return phrases;
}

// A list of phrases: a non-empty array of strings, each with a word in it; normalized.
std::optional<std::vector<std::string>> ReadPhrases(const nlohmann::json& value,
                                                    const std::string& field,
                                                    std::vector<FieldError>& errors) {
  if (!value.is_array() || value.empty()) {
    errors.push_back({field, "must be a non-empty list of phrases"});
    return std::nullopt;
  }
  std::vector<std::string> phrases;
  for (const nlohmann::json& phrase : value) {
    std::string normalized = phrase.is_string() ? NormalizedPhrase(phrase.get<std::string>()) : "";
    if (normalized.empty()) {
      errors.push_back({field, "each phrase must be a string with a word in it"});
      return std::nullopt;
    }
    phrases.push_back(std::move(normalized));
  }
  return phrases;
}

void CheckTemplate(const std::string& line, const std::string& field,
                   std::vector<FieldError>& errors) {
  for (std::string& problem : LineTemplateProblems(line)) errors.push_back({field, problem});
}

// `say`: a line or a non-empty list of lines.
std::vector<std::string> ReadLines(const nlohmann::json* say, const std::string& field,
                                   std::vector<FieldError>& errors) {
  std::vector<std::string> lines;
  if (say != nullptr && say->is_string()) {
    lines.push_back(say->get<std::string>());
  } else if (say != nullptr && say->is_array()) {
    for (const nlohmann::json& line : *say) {
      lines.push_back(line.is_string() ? line.get<std::string>() : "");
    }
  }
  if (lines.empty() || std::ranges::any_of(lines, [](const std::string& line) {
        return NormalizedPhrase(line).empty();
      })) {
    errors.push_back({field, "must be the agent's line, or a non-empty list of lines, with words"});
    return {};
  }
  for (const std::string& line : lines) CheckTemplate(line, field, errors);
  return lines;
}

void ReadIntents(JsonFields& fields, ConversationScript& script) {
  script.intents = BuiltInIntents();
  const nlohmann::json* intents = fields.OptionalValue("intents");
  if (intents == nullptr) return;
  if (!intents->is_object()) return fields.AddError("intents", "must be an object");
  for (const auto& [name, phrases] : intents->items()) {
    const std::string field = fields.FieldName("intents") + "." + name;
    if (auto read = ReadPhrases(phrases, field, fields.errors())) script.intents[name] = *read;
  }
}

void ReadQuestions(JsonFields& fields, ConversationScript& script) {
  script.questions = BuiltInQuestions();
  const nlohmann::json* questions = fields.OptionalValue("questions");
  if (questions == nullptr) return;
  if (!questions->is_object()) return fields.AddError("questions", "must be an object");
  for (const auto& [name, body] : questions->items()) {
    JsonFields question(body, fields.FieldName("questions") + "." + name);
    const nlohmann::json* phrases = question.OptionalValue("phrases");
    std::optional<std::string> answer = question.RequiredNonEmptyString("answer");
    question.RejectUnknownKeys();
    std::optional<std::vector<std::string>> read;
    if (phrases == nullptr) {
      question.AddError("phrases", "is required");
    } else {
      read = ReadPhrases(*phrases, question.FieldName("phrases"), question.errors());
    }
    if (answer) CheckTemplate(*answer, question.FieldName("answer"), question.errors());
    if (read && answer && question.errors().empty()) {
      script.questions[name] = {.phrases = *read, .answer = *answer};
    }
    for (FieldError& error : question.errors()) fields.errors().push_back(std::move(error));
  }
}

void ReadStates(JsonFields& fields, ConversationScript& script) {
  const nlohmann::json* states = fields.OptionalValue("states");
  if (states == nullptr || !states->is_object() || states->empty()) {
    return fields.AddError("states", "is required: an object of states, one per agent's line");
  }
  for (const auto& [name, body] : states->items()) {
    JsonFields state(body, fields.FieldName("states") + "." + name);
    ScriptState read;
    read.lines = ReadLines(state.OptionalValue("say"), state.FieldName("say"), state.errors());
    read.again = state.OptionalString("again");
    if (read.again) CheckTemplate(*read.again, state.FieldName("again"), state.errors());
    if (const nlohmann::json* next = state.OptionalValue("next")) {
      if (!next->is_object()) {
        state.AddError("next", "must be an object of intent -> state");
      } else {
        for (const auto& [intent, target] : next->items()) {
          const std::string field = state.FieldName("next") + "." + intent;
          if (!script.intents.contains(intent)) {
            state.errors().push_back({field, "no intent '" + intent + "'"});
          } else if (!target.is_string() || !states->contains(target.get<std::string>())) {
            state.errors().push_back({field, "no state " + target.dump()});
          } else {
            read.next[intent] = target.get<std::string>();
          }
        }
      }
    }
    state.RejectUnknownKeys();
    for (FieldError& error : state.errors()) fields.errors().push_back(std::move(error));
    script.states[name] = std::move(read);
  }
}

// One phrase in two intents of a state: which way the conversation goes would be a coin toss.
void CheckAmbiguity(const ConversationScript& script, std::vector<FieldError>& errors) {
  for (const auto& [name, state] : script.states) {
    std::map<std::string, std::string> owner;
    for (const auto& [intent, target] : state.next) {
      for (const std::string& phrase : script.intents.at(intent)) {
        auto [it, added] = owner.emplace(phrase, intent);
        if (!added && it->second != intent) {
          errors.push_back(
              {std::string(kPrefix) + ".states." + name + ".next",
               "'" + phrase + "' is a phrase of both intents " + it->second + " and " + intent});
        }
      }
    }
  }
}

void CheckReachability(const ConversationScript& script, std::vector<FieldError>& errors) {
  std::set<std::string> reached{script.start};
  std::deque<std::string> todo{script.start};
  while (!todo.empty()) {
    const ScriptState& state = script.states.at(todo.front());
    todo.pop_front();
    for (const auto& [intent, target] : state.next) {
      if (reached.insert(target).second) todo.push_back(target);
    }
  }
  for (const auto& [name, state] : script.states) {
    if (!reached.contains(name)) {
      errors.push_back({std::string(kPrefix) + ".states." + name,
                        "cannot be reached from '" + script.start + "'"});
    }
  }
  if (std::ranges::none_of(
          reached, [&](const std::string& name) { return script.states.at(name).next.empty(); })) {
    errors.push_back({std::string(kPrefix) + ".states",
                      "no reachable state ends the call (a goodbye: a state without next)"});
  }
}

void CheckGreetingNamesTheBusiness(const ConversationScript& script, std::string_view business,
                                   std::vector<FieldError>& errors) {
  const std::string wanted = NormalizedPhrase(business);
  for (const std::string& line : script.states.at(script.start).lines) {
    const bool named = line.find("{business}") != std::string::npos ||
                       (!wanted.empty() && PhraseMatchScore(NormalizedPhrase(line), wanted) > 0);
    if (!named) {
      errors.push_back({std::string(kPrefix) + ".states." + script.start + ".say",
                        "the greeting must name the business ({business} or '" +
                            std::string(business) +
                            "'): a call in an artificial voice says who is calling first"});
      return;
    }
  }
}

}  // namespace

Expected<ConversationScript> ParseConversationScript(const nlohmann::json& script_config,
                                                     std::string_view tenant_name) {
  ConversationScript script;
  script.opt_out_phrases = OptOutPhrases();
  JsonFields fields(script_config, kPrefix);
  if (std::optional<std::string> start = fields.OptionalString("start")) script.start = *start;
  script.business_name = fields.OptionalString("business_name");
  if (script.business_name && NormalizedPhrase(*script.business_name).empty()) {
    fields.AddError("business_name", "must name the business");
  }
  if (std::optional<long long> turns = fields.OptionalInt("max_turns")) {
    if (*turns < 1 || *turns > kMaxTurnsLimit) {
      fields.AddError("max_turns", "must be 1-" + std::to_string(kMaxTurnsLimit));
    } else {
      script.max_turns = static_cast<int>(*turns);
    }
  }
  ReadIntents(fields, script);
  ReadQuestions(fields, script);
  ReadStates(fields, script);
  const nlohmann::json* goals = fields.OptionalValue("goal_states");
  if (goals == nullptr || !goals->is_array() || goals->empty()) {
    fields.AddError("goal_states", "is required: the states that mean the goal is reached");
  } else {
    for (const nlohmann::json& goal : *goals) {
      if (!goal.is_string() || !script.states.contains(goal.get<std::string>())) {
        fields.AddError("goal_states", "no state " + goal.dump());
      } else {
        script.goal_states.insert(goal.get<std::string>());
      }
    }
  }
  fields.RejectUnknownKeys();
  std::vector<FieldError>& errors = fields.errors();
  if (!script.states.empty() && !script.states.contains(script.start)) {
    errors.push_back({std::string(kPrefix) + ".start", "no state '" + script.start + "'"});
  }
  if (errors.empty()) {
    CheckAmbiguity(script, errors);
    CheckReachability(script, errors);
    CheckGreetingNamesTheBusiness(script, script.business_name.value_or(std::string(tenant_name)),
                                  errors);
  }
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid script_config", std::move(errors)));
  }
  return script;
}

}  // namespace talky
