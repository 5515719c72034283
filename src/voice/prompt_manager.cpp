#include "voice/prompt_manager.h"

namespace talky {

std::string BuildSystemPrompt(const PromptFacts& facts) {
  std::string prompt = facts.campaign_prompt;
  prompt += "\n\nYou are calling on behalf of " + facts.business + ".";
  if (facts.goal) prompt += " The goal of this call: " + *facts.goal + ".";
  std::string lead;
  for (const auto& [field, value] : facts.lead) {
    if (field == "business" || value.empty()) continue;
    lead += "\n- " + (field.starts_with("custom.") ? field.substr(7) : field) + ": " + value;
  }
  if (!lead.empty()) prompt += "\nThe person you are calling:" + lead;
  prompt +=
      "\n\nRules for every call:\n"
      "- Speak briefly: one or two short sentences a turn, plain words, no lists or symbols.\n"
      "- You are an automated assistant; say so if asked, and never claim to be a person.\n"
      "- If the person asks not to be called again, call the opt_out tool at once, confirm "
      "briefly and say goodbye.\n"
      "- When the goal is reached, call goal_achieved; when it clearly cannot be, call "
      "goal_not_achieved. Then say a short goodbye and call end_call.";
  return prompt;
}

int EstimateTokens(const Message& message) {
  return 4 + static_cast<int>(message.content.size() + 3) / 4;
}

std::vector<Message> HistoryWithinBudget(const std::vector<Message>& history, int token_budget) {
  int total = 0;
  for (const Message& message : history) total += EstimateTokens(message);
  if (total <= token_budget || history.empty()) return history;
  std::size_t greeting = history.size();
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (history[i].role == MessageRole::kAssistant) {
      greeting = i;
      break;
    }
  }
  int left = token_budget;
  if (greeting + 1 < history.size()) left -= EstimateTokens(history[greeting]);
  // The latest turns, newest first, while they fit (the newest always).
  std::size_t first_kept = history.size();
  while (first_kept > 0 && first_kept - 1 != greeting) {
    const int cost = EstimateTokens(history[first_kept - 1]);
    if (cost > left && first_kept != history.size()) break;
    left -= cost;
    --first_kept;
  }
  std::vector<Message> kept;
  if (greeting < first_kept) kept.push_back(history[greeting]);
  kept.insert(kept.end(), history.begin() + static_cast<std::ptrdiff_t>(first_kept), history.end());
  return kept;
}

}  // namespace talky
