// The engine walking scripts: each path of the default scripts as a row (what the callee says ->
// where the conversation ends, the decisions made, the last line), questions and the return to
// the script, opt-out from any state, replies that say nothing expected, the turn limit, and the
// tool calls a completion carries.
#include "voice/conversation_engine.h"

#include <gtest/gtest.h>

#include "voice/campaign_script.h"

namespace talky {
namespace {

std::shared_ptr<const ConversationScript> Script(GoalKind kind) {
  Expected<ConversationScript> script = ParseConversationScript(DefaultScriptConfig(kind), "Acme");
  EXPECT_TRUE(script) << script.error().Describe();
  return std::make_shared<const ConversationScript>(*script);
}

ConversationEngine Engine(GoalKind kind) {
  return ConversationEngine(Script(kind), LineFields{{"first_name", "Ada"}, {"business", "Acme"}});
}

// The history after the callee said `replies`, with the agent's lines between them.
std::vector<Message> Conversation(const ConversationEngine& engine,
                                  const std::vector<std::string>& replies) {
  std::vector<Message> history;
  history.push_back({.role = MessageRole::kAssistant, .content = engine.NextReply({}).text});
  for (const std::string& reply : replies) {
    history.push_back({.role = MessageRole::kUser, .content = reply});
    history.push_back({.role = MessageRole::kAssistant, .content = engine.NextReply(history).text});
  }
  return history;
}

struct Path {
  GoalKind kind;
  std::vector<std::string> replies;
  std::string state;                   // where it ends
  std::vector<std::string> decisions;  // of the last reply
  bool ends_call;
};

TEST(ConversationEngineTest, EveryPathOfTheDefaultScripts) {
  using enum GoalKind;
  const std::vector<Path> paths = {
      {kAppointment, {}, "greeting", {}, false},
      {kAppointment, {"yes"}, "confirm", {}, false},
      {kAppointment, {"yes", "yes i will"}, "confirmed", {"goal_achieved"}, true},
      {kAppointment, {"sure", "no"}, "reschedule", {"goal_not_achieved"}, true},
      {kAppointment, {"not now"}, "later", {"goal_not_achieved"}, true},
      {kReminder, {"yes", "yes"}, "noted", {"goal_achieved"}, true},
      {kReminder, {"yes", "no"}, "resend", {"goal_achieved"}, true},
      {kReminder, {"no"}, "later", {"goal_not_achieved"}, true},
      {kQualification, {"yes", "yes", "yes"}, "qualified", {"goal_achieved"}, true},
      {kQualification, {"yes", "yes", "no"}, "nurture", {"goal_not_achieved"}, true},
      {kQualification, {"yes", "not interested"}, "not_interested", {"goal_not_achieved"}, true},
      {kRenewal, {"yes", "yes"}, "renewed", {"goal_achieved"}, true},
      {kRenewal, {"yes", "no", "yes"}, "callback", {"goal_not_achieved"}, true},
      {kRenewal, {"yes", "no", "no"}, "not_renewing", {"goal_not_achieved"}, true},
      // Free text from a cloud recognizer: a phrase inside a longer reply counts.
      {kAppointment,
       {"yes that is fine", "yes i will be there"},
       "confirmed",
       {"goal_achieved"},
       true},
  };
  for (const Path& path : paths) {
    SCOPED_TRACE(std::string(ToString(path.kind)) + ": " + nlohmann::json(path.replies).dump());
    const ConversationEngine engine = Engine(path.kind);
    std::vector<Message> history = Conversation(engine, path.replies);
    history.pop_back();  // the agent's last line: computed again below
    const ConversationEngine::Reply reply = engine.NextReply(history);
    EXPECT_EQ(reply.state, path.state);
    EXPECT_EQ(engine.ConversationState(history), path.state);
    EXPECT_EQ(reply.decisions, path.decisions);
    EXPECT_EQ(reply.ends_call, path.ends_call);
  }
}

TEST(ConversationEngineTest, TheGreetingIsFilledInAndTheLinesFollowTheScript) {
  const ConversationEngine engine = Engine(GoalKind::kAppointment);
  EXPECT_EQ(engine.NextReply({}).text,
            "Hello Ada! This is Acme, calling about your upcoming appointment. Is now a good time "
            "to talk?");
  EXPECT_EQ(Conversation(engine, {"yes"}).back().content,
            "Great. Will you be able to make it to your appointment?");
}

TEST(ConversationEngineTest, AQuestionIsAnsweredAndTheStatesQuestionAskedAgain) {
  const ConversationEngine engine = Engine(GoalKind::kAppointment);
  std::vector<Message> history = Conversation(engine, {"yes", "who is this"});
  EXPECT_EQ(history.back().content,
            "This is Acme. Great. Will you be able to make it to your appointment?");
  EXPECT_EQ(engine.ConversationState(history), "confirm");
  // Back in the script: the answer moves on from where it was.
  history.push_back({.role = MessageRole::kUser, .content = "yes"});
  EXPECT_EQ(engine.NextReply(history).state, "confirmed");
  // The greeting's own question comes back as its `again`, not the whole greeting.
  EXPECT_EQ(Conversation(engine, {"are you a robot"}).back().content,
            "I am an automated assistant calling for Acme. Is now a good time to talk?");
}

TEST(ConversationEngineTest, AskingNotToBeCalledOptsOutFromAnyState) {
  for (const std::vector<std::string>& before :
       {std::vector<std::string>{}, std::vector<std::string>{"yes"}}) {
    for (const char* asked : {"stop calling me", "please remove me from your list",
                              "Do not call me again!", "take me off your list"}) {
      SCOPED_TRACE(asked);
      const ConversationEngine engine = Engine(GoalKind::kAppointment);
      std::vector<std::string> replies = before;
      replies.emplace_back(asked);
      std::vector<Message> history = Conversation(engine, replies);
      history.pop_back();
      const ConversationEngine::Reply reply = engine.NextReply(history);
      EXPECT_EQ(reply.decisions, std::vector<std::string>{"opt_out"});
      EXPECT_TRUE(reply.ends_call);
      EXPECT_EQ(reply.text, "You will not be called again. Goodbye.");
      EXPECT_EQ(reply.state, kOptedOutState);
    }
  }
}

TEST(ConversationEngineTest, RepliesThatSayNothingExpectedAreAskedAgainThenTheCallEnds) {
  const ConversationEngine engine = Engine(GoalKind::kAppointment);
  std::vector<Message> history = Conversation(engine, {"the weather is lovely"});
  EXPECT_EQ(history.back().content, "Sorry, I did not catch that. Is now a good time to talk?");
  history.push_back({.role = MessageRole::kUser, .content = "bananas"});
  const ConversationEngine::Reply reply = engine.NextReply(history);
  EXPECT_TRUE(reply.ends_call);
  EXPECT_EQ(reply.decisions, std::vector<std::string>{"goal_not_achieved"});
}

TEST(ConversationEngineTest, TheTurnLimitEndsTheCallPolitely) {
  nlohmann::json config = DefaultScriptConfig(GoalKind::kAppointment);
  config["max_turns"] = 3;
  const ConversationEngine engine(
      std::make_shared<const ConversationScript>(*ParseConversationScript(config, "Acme")),
      LineFields{{"business", "Acme"}});
  std::vector<Message> history =
      Conversation(engine, {"who is this", "who is this", "who is this"});
  history.push_back({.role = MessageRole::kUser, .content = "who is this"});
  const ConversationEngine::Reply reply = engine.NextReply(history);
  EXPECT_EQ(reply.text, "Thank you for your time. Goodbye.");
  EXPECT_TRUE(reply.ends_call);
}

TEST(ConversationEngineTest, TheGrammarIsTheStatesIntentsTheQuestionsAndTheOptOut) {
  const ConversationEngine engine = Engine(GoalKind::kAppointment);
  const std::vector<std::string> expected = engine.ExpectedReplies({});
  for (const char* phrase : {"yes", "not now", "who is this", "stop calling me"}) {
    EXPECT_NE(std::ranges::find(expected, phrase), expected.end()) << phrase;
  }
  EXPECT_TRUE(std::ranges::is_sorted(expected));
}

class Collected final : public CompletionSink {
 public:
  void OnText(std::string_view piece) override { text += piece; }
  void OnToolCall(ToolCall call) override { tools.push_back(call.name); }
  void OnDone(Expected<void> result) override { done = result.has_value(); }
  std::string text;
  std::vector<std::string> tools;
  bool done = false;
};

TEST(ConversationEngineTest, ACompletionCarriesTheDecisionsFirstAndEndCallLast) {
  ConversationEngine engine = Engine(GoalKind::kAppointment);
  std::vector<Message> history = Conversation(engine, {"yes", "yes"});
  history.pop_back();
  Collected sink;
  engine.Complete({.history = history}, sink);
  EXPECT_EQ(sink.text, "Thank you. We look forward to seeing you. Goodbye.");
  EXPECT_EQ(sink.tools, (std::vector<std::string>{"goal_achieved", "end_call"}));
  EXPECT_TRUE(sink.done);
}

}  // namespace
}  // namespace talky
