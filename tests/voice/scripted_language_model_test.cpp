#include "voice/scripted_language_model.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

class Collect final : public CompletionSink {
 public:
  void OnText(std::string_view piece) override { text += piece; }
  void OnToolCall(ToolCall call) override { tools.push_back(call.name); }
  void OnDone(Expected<void> result) override { done = result.has_value(); }
  std::string text;
  std::vector<std::string> tools;
  bool done = false;
};

std::vector<Message> Conversation(
    std::initializer_list<std::pair<MessageRole, std::string>> turns) {
  std::vector<Message> history;
  for (const auto& [role, text] : turns) history.push_back({.role = role, .content = text});
  return history;
}

const ScriptedLanguageModel kScript(ScriptedCallFacts{.first_name = "Ada"});
const std::string kGreeting =
    "Hello Ada! This is a reminder about your appointment. Is now a good time to talk?";
const std::string kConfirm =
    "Great. Your appointment is tomorrow at ten in the morning. Will you be able to make it?";
using enum MessageRole;

// A row per place in the script: what was said, the agent's next line, whether it hangs up.
TEST(ScriptedLanguageModel, TheScriptAsATable) {
  struct Case {
    std::vector<Message> history;
    std::string line;
    bool ends = false;
  };
  const Case cases[] = {
      {{}, kGreeting},
      {Conversation({{kAssistant, kGreeting}, {kUser, "yes"}}), kConfirm},
      {Conversation({{kAssistant, kGreeting}, {kUser, "sure"}}), kConfirm},
      {Conversation({{kAssistant, kGreeting}, {kUser, "not now"}}),
       "No problem. We will call another time. Goodbye.", true},
      {Conversation({{kAssistant, kGreeting}, {kUser, "who is this"}}),
       "This is the reminder service of your dental practice. Is now a good time to talk?"},
      {Conversation({{kAssistant, kGreeting},
                     {kUser, "yes"},
                     {kAssistant, kConfirm},
                     {kUser, "yes i will"}}),
       "Thank you. See you tomorrow. Goodbye.", true},
      {Conversation(
           {{kAssistant, kGreeting}, {kUser, "yes"}, {kAssistant, kConfirm}, {kUser, "i cannot"}}),
       "Thank you for letting us know. We will call to find a new time. Goodbye.", true},
  };
  for (const Case& row : cases) {
    ScriptedLanguageModel script(ScriptedCallFacts{.first_name = "Ada"});
    Collect sink;
    script.Complete({.history = row.history}, sink);
    EXPECT_EQ(sink.text, row.line);
    EXPECT_EQ(sink.tools,
              row.ends ? std::vector<std::string>{"end_call"} : std::vector<std::string>{});
    EXPECT_TRUE(sink.done);
  }
}

TEST(ScriptedLanguageModel, EachQuestionHasItsReplies) {
  EXPECT_EQ(
      kScript.ExpectedReplies(Conversation({{kAssistant, kGreeting}})),
      (std::vector<std::string>{"yes", "yes please", "sure", "no", "not now", "who is this"}));
  EXPECT_EQ(kScript.ExpectedReplies(Conversation({{kAssistant, kConfirm}})),
            (std::vector<std::string>{"yes", "yes i will", "sure", "no", "i cannot"}));
}

}  // namespace
}  // namespace talky
