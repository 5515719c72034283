#include "voice/conversation_engine.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "voice/phrase_match.h"

namespace talky {
namespace {

constexpr char kOptOutLine[] = "You will not be called again. Goodbye.";
constexpr char kNotCaughtLine[] = "Sorry, I did not catch that.";
constexpr char kGiveUpLine[] =
    "I am sorry, I could not understand. We will try another time. Goodbye.";
constexpr char kTurnsUsedLine[] = "Thank you for your time. Goodbye.";
constexpr char kAfterTheEndLine[] = "Goodbye.";
// Replies in a row that say nothing expected before the agent gives up.
constexpr int kMaxMisses = 2;

class Finished final : public Completion {
 public:
  void Cancel() override {}
};

// The best match of `reply` among named phrase sets: the name and its score (0: none).
template <typename Names>
std::pair<std::string, int> BestMatch(const std::string& reply, const Names& names,
                                      const auto& phrases_of) {
  std::pair<std::string, int> best{"", 0};
  for (const auto& name : names) {
    for (const std::string& phrase : phrases_of(name)) {
      if (int score = PhraseMatchScore(reply, phrase); score > best.second) best = {name, score};
    }
  }
  return best;
}

}  // namespace

struct ConversationEngine::Position {
  std::string state;
  std::map<std::string, int> visits;
  int replies = 0;
  int misses = 0;
  bool goal_reached = false;
  bool over = false;
};

ConversationEngine::ConversationEngine(std::shared_ptr<const ConversationScript> script,
                                       LineFields fields, std::string greeting_notice)
    : script_(std::move(script)),
      fields_(std::move(fields)),
      greeting_notice_(std::move(greeting_notice)) {}

std::string ConversationEngine::Render(const std::string& line) const {
  return RenderLine(line, fields_);
}

std::string ConversationEngine::AskAgain(const std::string& state) const {
  const ScriptState& at = script_->states.at(state);
  return Render(at.again.value_or(at.lines.front()));
}

ConversationEngine::Reply ConversationEngine::Enter(Position& position,
                                                    const std::string& state) const {
  position.state = state;
  const int visit = position.visits[state]++;
  const ScriptState& at = script_->states.at(state);
  Reply reply{.text = Render(at.lines[static_cast<std::size_t>(visit) % at.lines.size()]),
              .state = state};
  if (state == script_->start && visit == 0 && !greeting_notice_.empty()) {
    reply.text += " " + greeting_notice_;
  }
  if (script_->goal_states.contains(state) && !position.goal_reached) {
    position.goal_reached = true;
    reply.decisions.emplace_back("goal_achieved");
  }
  if (at.next.empty()) Finish(position, reply);
  return reply;
}

void ConversationEngine::Finish(Position& position, Reply& reply) const {
  if (!position.goal_reached) reply.decisions.emplace_back("goal_not_achieved");
  reply.ends_call = true;
  position.over = true;
}

ConversationEngine::Reply ConversationEngine::Step(Position& position,
                                                   const std::string& said) const {
  if (position.over) return {.text = kAfterTheEndLine, .ends_call = true, .state = position.state};
  const std::string reply = NormalizedPhrase(said);
  if (std::ranges::any_of(script_->opt_out_phrases, [&reply](const std::string& phrase) {
        return PhraseMatchScore(reply, phrase) > 0;
      })) {
    position.over = true;
    position.state = kOptedOutState;
    return {
        .text = kOptOutLine, .decisions = {"opt_out"}, .ends_call = true, .state = kOptedOutState};
  }
  if (++position.replies > script_->max_turns) {
    Reply goodbye{.text = kTurnsUsedLine, .state = position.state};
    Finish(position, goodbye);
    return goodbye;
  }
  const ScriptState& at = script_->states.at(position.state);
  std::vector<std::string> intents;
  for (const auto& [intent, target] : at.next) intents.push_back(intent);
  const auto [intent, intent_score] = BestMatch(
      reply, intents, [this](const std::string& name) -> const auto& {
        return script_->intents.at(name);
      });
  std::vector<std::string> questions;
  for (const auto& [name, question] : script_->questions) questions.push_back(name);
  const auto [question, question_score] = BestMatch(
      reply, questions, [this](const std::string& name) -> const auto& {
        return script_->questions.at(name).phrases;
      });
  if (intent_score > 0 && intent_score >= question_score) {
    position.misses = 0;
    return Enter(position, at.next.at(intent));
  }
  if (question_score > 0) {
    position.misses = 0;
    return {.text = Render(script_->questions.at(question).answer) + " " + AskAgain(position.state),
            .state = position.state};
  }
  if (++position.misses >= kMaxMisses) {
    Reply goodbye{.text = kGiveUpLine, .state = position.state};
    Finish(position, goodbye);
    return goodbye;
  }
  return {.text = std::string(kNotCaughtLine) + " " + AskAgain(position.state),
          .state = position.state};
}

ConversationEngine::Position ConversationEngine::Replay(const std::vector<Message>& history,
                                                        Reply& last) const {
  Position position;
  last = Enter(position, script_->start);
  for (const Message& message : history) {
    if (message.role == MessageRole::kUser) last = Step(position, message.content);
  }
  return position;
}

ConversationEngine::Reply ConversationEngine::NextReply(const std::vector<Message>& history) const {
  Reply reply;
  Replay(history, reply);
  return reply;
}

std::string ConversationEngine::ConversationState(const std::vector<Message>& history) const {
  Reply reply;
  return Replay(history, reply).state;
}

std::vector<std::string> ConversationEngine::ExpectedReplies(
    const std::vector<Message>& history) const {
  Reply reply;
  const Position position = Replay(history, reply);
  std::set<std::string> phrases(script_->opt_out_phrases.begin(), script_->opt_out_phrases.end());
  if (!position.over) {
    for (const auto& [intent, target] : script_->states.at(position.state).next) {
      const std::vector<std::string>& said = script_->intents.at(intent);
      phrases.insert(said.begin(), said.end());
    }
    for (const auto& [name, question] : script_->questions) {
      phrases.insert(question.phrases.begin(), question.phrases.end());
    }
  }
  return {phrases.begin(), phrases.end()};
}

std::unique_ptr<Completion> ConversationEngine::Complete(CompletionRequest request,
                                                         CompletionSink& sink) {
  const Reply reply = NextReply(request.history);
  for (const std::string& decision : reply.decisions) {
    sink.OnToolCall({.name = decision, .arguments = nlohmann::json{{"state", reply.state}}.dump()});
  }
  std::istringstream words(reply.text);
  bool first = true;
  for (std::string word; words >> word; first = false) sink.OnText(first ? word : " " + word);
  if (reply.ends_call) sink.OnToolCall({.name = "end_call", .arguments = "{}"});
  sink.OnDone({});
  return std::make_unique<Finished>();
}

}  // namespace talky
