// What a language model is told on a call (spec: prompt_manager). The system prompt: the
// campaign's own prompt, then what the model must know to act for the campaign (the business it
// speaks for, the goal, whom it calls: the lead's fields) and the rules every call keeps (say who
// is calling, use the tools for the goal, an opt-out and the goodbye). The history: cut to a token
// budget, oldest turns first, always keeping the greeting (it names the business) and the latest
// turns. The offline conversation engine ignores both; a cloud model gets them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/conversation.h"
#include "voice/line_template.h"

namespace talky {

struct PromptFacts {
  std::string campaign_prompt;  // the campaign's system_prompt
  std::optional<std::string> goal;
  std::string business;
  LineFields lead;  // first_name, last_name, custom.KEY (as the script's lines use them)
};

std::string BuildSystemPrompt(const PromptFacts& facts);

// A rough count for budgeting (about 4 characters a token, and a few per message).
int EstimateTokens(const Message& message);

// The history within `token_budget`: the first agent turn (the greeting) and as many of the
// latest turns as fit, in their order. The latest turn is kept even when it alone is over.
std::vector<Message> HistoryWithinBudget(const std::vector<Message>& history, int token_budget);

}  // namespace talky
