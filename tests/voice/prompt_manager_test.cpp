// The system prompt a cloud model gets, and the history cut to a token budget.
#include "voice/prompt_manager.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

TEST(PromptManager, TheSystemPromptCarriesTheCampaignTheBusinessTheGoalAndTheLead) {
  const std::string prompt = BuildSystemPrompt(
      {.campaign_prompt = "You remind patients of visits.",
       .goal = "confirm the appointment",
       .business = "Smile Dental",
       .lead = {{"first_name", "Ada"}, {"business", "Smile Dental"}, {"custom.visit", "Tuesday"}}});
  EXPECT_TRUE(prompt.starts_with("You remind patients of visits."));
  for (const char* part :
       {"on behalf of Smile Dental.", "The goal of this call: confirm the appointment.",
        "- first_name: Ada", "- visit: Tuesday", "opt_out", "goal_achieved", "end_call"}) {
    EXPECT_NE(prompt.find(part), std::string::npos) << part << "\n" << prompt;
  }
  EXPECT_EQ(prompt.find("- business"), std::string::npos);
}

std::vector<Message> Conversation(int turns) {
  std::vector<Message> history;
  for (int i = 0; i < turns; ++i) {
    history.push_back({.role = i % 2 == 0 ? MessageRole::kAssistant : MessageRole::kUser,
                       .content = "turn " + std::to_string(i) + std::string(36, 'x')});
  }
  return history;
}

TEST(PromptManager, AHistoryWithinTheBudgetIsKeptWhole) {
  const std::vector<Message> history = Conversation(4);
  EXPECT_EQ(HistoryWithinBudget(history, 1000), history);
}

TEST(PromptManager, AnOverlongHistoryKeepsTheGreetingAndTheLatestTurns) {
  const std::vector<Message> history = Conversation(20);  // 14 tokens a turn
  const std::vector<Message> kept = HistoryWithinBudget(history, 100);
  int tokens = 0;
  for (const Message& message : kept) tokens += EstimateTokens(message);
  EXPECT_LE(tokens, 100);
  ASSERT_GE(kept.size(), 3u);
  EXPECT_EQ(kept.front(), history.front());
  EXPECT_EQ(kept.back(), history.back());
  // The rest is the newest run, in order.
  const std::size_t rest = kept.size() - 1;
  for (std::size_t i = 0; i < rest; ++i) {
    EXPECT_EQ(kept[1 + i], history[history.size() - rest + i]);
  }
  // Even a budget below the latest turn keeps it.
  EXPECT_EQ(HistoryWithinBudget(history, 1).back(), history.back());
}

}  // namespace
}  // namespace talky
