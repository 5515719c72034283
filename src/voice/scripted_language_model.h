// The offline stand-in for a language model until the conversation engine lands: a fixed script
// (greet, ask, answer, goodbye) behind the LanguageModel interface, which also says which replies
// each of its questions expects (ReplyGrammar), so offline recognition has a grammar. It reads
// only the history it is given: where the conversation stands is a function of what was said.
// Thread-safe (no state beyond construction).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "voice/language_model.h"
#include "voice/reply_grammar.h"

namespace talky {

struct ScriptedCallFacts {
  std::string first_name;  // may be empty
};

class ScriptedLanguageModel final : public LanguageModel, public ReplyGrammar {
 public:
  explicit ScriptedLanguageModel(ScriptedCallFacts facts);

  // Answers at once, from inside Complete: the next line as text pieces (a word each), then
  // `end_call` after a goodbye, then OnDone.
  std::unique_ptr<Completion> Complete(CompletionRequest request, CompletionSink& sink) override;
  std::vector<std::string> ExpectedReplies(const std::vector<Message>& history) const override;

  // The agent's line for the conversation so far, and whether it ends the call.
  struct Line {
    std::string text;
    bool ends_call = false;
  };
  Line NextLine(const std::vector<Message>& history) const;

 private:
  ScriptedCallFacts facts_;
};

}  // namespace talky
