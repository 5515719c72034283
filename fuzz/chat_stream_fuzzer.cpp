// A language model server's streamed reply (or anything posing as one), event by event (one per
// input line). Never a crash; a refused event is InvalidArgument (not a chunk) or Unavailable (the
// server's own error event); a tool call handed on always has its name; [DONE] finishes.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "voice/providers/chat_stream_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  talky::ChatStreamReader reader;
  while (!input.empty()) {
    const std::size_t end = input.find('\n');
    const std::string_view event = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    const talky::Expected<talky::ChatStreamUpdate> update = reader.Read(event);
    if (!update) {
      const talky::ErrorCode code = update.error().code;
      if (code != talky::ErrorCode::kInvalidArgument && code != talky::ErrorCode::kUnavailable) {
        std::abort();
      }
      return 0;  // the stream ends at its first bad event
    }
    for (const talky::ToolCall& call : update->tool_calls) {
      if (call.name.empty()) std::abort();
    }
    if (update->done && !update->finished) std::abort();
  }
  return 0;
}
