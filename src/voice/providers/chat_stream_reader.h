// Reads an OpenAI-compatible chat completions stream (`"stream": true`), one Server-Sent Event's
// data at a time: the reply's text as it comes; tool calls assembled from their pieces by index
// (the id and name come first, the arguments in fragments), each given whole once its choice
// finishes; the token usage, from the final chunk (`stream_options.include_usage`, OpenAI) or
// `x_groq.usage` (Groq); `[DONE]`. An event `{"error": {...}}` is the server's error mid-stream.
// Only the first choice is read (we ask for one). Pure; not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "voice/language_model.h"

namespace talky {

struct ChatStreamUpdate {
  std::string text;
  std::vector<ToolCall> tool_calls;  // complete
  std::optional<TokenUsage> usage;
  bool finished = false;  // the choice has its finish_reason, or [DONE] came
  bool done = false;      // [DONE]

  bool operator==(const ChatStreamUpdate&) const = default;
};

class ChatStreamReader {
 public:
  // InvalidArgument for data that is not a chunk (not JSON, no choices, a tool call without its
  // index or name); Unavailable carrying the server's message for an error event.
  Expected<ChatStreamUpdate> Read(std::string_view data);

 private:
  Expected<void> FinishCalls(ChatStreamUpdate& update);

  std::map<long long, ToolCall> calls_;  // by the stream's index, arguments growing
};

}  // namespace talky
