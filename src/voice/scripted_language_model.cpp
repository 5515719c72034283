#include "voice/scripted_language_model.h"

#include <algorithm>
#include <sstream>

namespace talky {
namespace {

// The script's questions, by how many the agent has asked; each reply moves by its intent.
enum class Step { kGreeting, kConfirm, kDone };

const std::vector<std::string> kAvailableReplies = {"yes", "yes please", "sure",
                                                    "no",  "not now",    "who is this"};
const std::vector<std::string> kConfirmReplies = {"yes", "yes i will", "sure", "no", "i cannot"};

constexpr char kAskTime[] = "Is now a good time to talk?";
constexpr char kConfirmLine[] =
    "Great. Your appointment is tomorrow at ten in the morning. Will you be able to make it?";
constexpr char kWhoLine[] = "This is the reminder service of your dental practice.";
constexpr char kLaterLine[] = "No problem. We will call another time. Goodbye.";
constexpr char kConfirmedLine[] = "Thank you. See you tomorrow. Goodbye.";
constexpr char kDeclinedLine[] =
    "Thank you for letting us know. We will call to find a new time. Goodbye.";

bool IsYes(const std::string& reply) {
  return reply == "yes" || reply == "yes please" || reply == "sure" || reply == "yes i will";
}

// Where the script stands: which question the agent's last line asked.
Step StepOf(const std::vector<Message>& history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->role != MessageRole::kAssistant) continue;
    if (it->content.find(kConfirmLine) != std::string::npos) return Step::kConfirm;
    if (it->content.find("Goodbye.") != std::string::npos) return Step::kDone;
    return Step::kGreeting;
  }
  return Step::kGreeting;
}

std::string LastUserReply(const std::vector<Message>& history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->role == MessageRole::kUser) return it->content;
    if (it->role == MessageRole::kAssistant) break;
  }
  return "";
}

class Finished final : public Completion {
 public:
  void Cancel() override {}
};

}  // namespace

ScriptedLanguageModel::ScriptedLanguageModel(ScriptedCallFacts facts) : facts_(std::move(facts)) {}

ScriptedLanguageModel::Line ScriptedLanguageModel::NextLine(
    const std::vector<Message>& history) const {
  const bool greeted = std::ranges::any_of(
      history, [](const Message& message) { return message.role == MessageRole::kAssistant; });
  if (!greeted) {
    std::string hello = facts_.first_name.empty() ? "Hello!" : "Hello " + facts_.first_name + "!";
    return {hello + " This is a reminder about your appointment. " + kAskTime};
  }
  const std::string reply = LastUserReply(history);
  switch (StepOf(history)) {
    case Step::kGreeting:
      if (reply == "who is this") return {std::string(kWhoLine) + " " + kAskTime};
      if (IsYes(reply)) return {kConfirmLine};
      return {kLaterLine, true};
    case Step::kConfirm:
      return IsYes(reply) ? Line{kConfirmedLine, true} : Line{kDeclinedLine, true};
    case Step::kDone:
      break;
  }
  return {"Goodbye.", true};
}

std::unique_ptr<Completion> ScriptedLanguageModel::Complete(CompletionRequest request,
                                                            CompletionSink& sink) {
  const Line line = NextLine(request.history);
  std::istringstream words(line.text);
  std::string word;
  bool first = true;
  while (words >> word) {
    sink.OnText(first ? word : " " + word);
    first = false;
  }
  if (line.ends_call) sink.OnToolCall({.name = "end_call", .arguments = "{}"});
  sink.OnDone({});
  return std::make_unique<Finished>();
}

std::vector<std::string> ScriptedLanguageModel::ExpectedReplies(
    const std::vector<Message>& history) const {
  return StepOf(history) == Step::kConfirm ? kConfirmReplies : kAvailableReplies;
}

}  // namespace talky
