// The replies the conversation expects after the agent's latest turn, for offline recognition
// (a grammar) and as hints for a cloud recognizer. The conversation's author supplies it: the
// fixed offline script now, the conversation engine later. Thread-safe (stateless on its input).
#pragma once

#include <string>
#include <vector>

#include "domain/conversation.h"

namespace talky {

class ReplyGrammar {
 public:
  virtual ~ReplyGrammar() = default;
  virtual std::vector<std::string> ExpectedReplies(const std::vector<Message>& history) const = 0;
};

}  // namespace talky
