// What the conversation's author (the conversation engine) knows of where a conversation stands:
// the replies it expects after the agent's latest turn, for offline recognition (a grammar) and
// as hints for a cloud recognizer, and the name of its place in the script (the session's
// conversation_state). Thread-safe (stateless on its input).
#pragma once

#include <string>
#include <vector>

#include "domain/conversation.h"

namespace talky {

class ReplyGrammar {
 public:
  virtual ~ReplyGrammar() = default;
  virtual std::vector<std::string> ExpectedReplies(const std::vector<Message>& history) const = 0;
  virtual std::string ConversationState(const std::vector<Message>& history) const = 0;
};

}  // namespace talky
