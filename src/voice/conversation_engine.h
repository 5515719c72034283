// The conversation engine (spec: conversation_engine): walks a campaign's script
// (conversation_script.h) with what the callee says. Offline it plays the language model's part,
// deterministically: the next line, and the same decisions a model makes with its tools:
// `goal_achieved` on entering a goal state, `goal_not_achieved` at a goodbye without the goal,
// `opt_out` when the callee asks not to be called (any state, any time), `end_call` after a
// goodbye. A question the script knows ("who is this?") is answered and the state's question asked
// again. A reply that says none of the expected things gets "sorry, I did not catch that" (free
// text from a cloud recognizer; offline recognition rejects it earlier), twice ends the call.
//
// Where the conversation stands is a function of what the callee said (the history's user turns,
// replayed from the greeting), so one engine serves a call whatever the pipeline cancelled or
// repeated. Thread-safe (no state beyond construction).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "voice/conversation_script.h"
#include "voice/language_model.h"
#include "voice/line_template.h"
#include "voice/reply_grammar.h"

namespace talky {

// The state name a conversation has once the callee opted out.
inline constexpr char kOptedOutState[] = "opted_out";

class ConversationEngine final : public LanguageModel, public ReplyGrammar {
 public:
  // `fields` fill the script's lines for this call (first_name, business, custom.*);
  // `greeting_notice`, when not empty, follows the greeting (a telemarketing call's automated
  // opt-out: "To stop these calls, press 9 ...").
  ConversationEngine(std::shared_ptr<const ConversationScript> script, LineFields fields,
                     std::string greeting_notice = "");

  // Answers at once, from inside Complete: the reply's decisions as tool calls, its text (a word
  // a piece), `end_call` last when it ends the call, then OnDone.
  std::unique_ptr<Completion> Complete(CompletionRequest request, CompletionSink& sink) override;
  std::vector<std::string> ExpectedReplies(const std::vector<Message>& history) const override;
  std::string ConversationState(const std::vector<Message>& history) const override;

  struct Reply {
    std::string text;
    std::vector<std::string> decisions;  // goal_achieved, goal_not_achieved, opt_out
    bool ends_call = false;
    std::string state;  // after the reply
  };
  // The agent's next turn after `history`.
  Reply NextReply(const std::vector<Message>& history) const;

 private:
  struct Position;
  Position Replay(const std::vector<Message>& history, Reply& last) const;
  Reply Enter(Position& position, const std::string& state) const;
  Reply Step(Position& position, const std::string& said) const;
  void Finish(Position& position, Reply& reply) const;
  std::string AskAgain(const std::string& state) const;
  std::string Render(const std::string& line) const;

  std::shared_ptr<const ConversationScript> script_;
  LineFields fields_;
  std::string greeting_notice_;
};

}  // namespace talky
