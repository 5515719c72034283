// The agent's mind (spec: llm_provider): given the system prompt and the conversation so far,
// stream the agent's next words and any tool calls (end_call, goal_achieved, goal_not_achieved,
// opt_out). Offline: the conversation engine walking the campaign's script
// (conversation_engine.h); cloud: any OpenAI-compatible chat completions API.
//
// Threads: Complete may be called from any thread; the sink is called from the provider's thread
// or from inside Complete, never concurrently for one completion and never after Cancel() returned
// or after OnDone.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/conversation.h"
#include "domain/error.h"

namespace talky {

struct CompletionRequest {
  std::string system_prompt;
  std::vector<Message> history;  // oldest first; the caller's latest turn last
  double temperature = 0.6;      // the spec's defaults
  int max_tokens = 100;
};

struct ToolCall {
  std::string name;       // end_call, goal_achieved, goal_not_achieved, opt_out
  std::string arguments;  // JSON text

  bool operator==(const ToolCall&) const = default;
};

// What a cloud model's server counted for one completion.
struct TokenUsage {
  int prompt_tokens = 0;
  int completion_tokens = 0;

  bool operator==(const TokenUsage&) const = default;
};

class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  // The next piece of the agent's reply, in order.
  virtual void OnText(std::string_view piece) = 0;
  virtual void OnToolCall(ToolCall call) = 0;
  // Before OnDone, when the model's server reports it (the offline engine does not).
  virtual void OnUsage(TokenUsage usage) { static_cast<void>(usage); }
  // Once per completion unless cancelled.
  virtual void OnDone(Expected<void> result) = 0;
};

class Completion {
 public:
  virtual ~Completion() = default;
  // Once this returns the sink hears nothing more. Idempotent.
  virtual void Cancel() = 0;
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  virtual std::unique_ptr<Completion> Complete(CompletionRequest request, CompletionSink& sink) = 0;
};

}  // namespace talky
