// A campaign's script_config: never crashes; a rejection is InvalidArgument whose every field is
// under script_config; an accepted script has its start state, a goal state, and a goodbye, and
// the engine walks it with any replies (the input's lines) to a reply with text, never past its
// turn limit without ending the call.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "voice/conversation_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first line is the script; each further line a reply of the callee.
  const std::size_t end = text.find('\n');
  nlohmann::json body =
      nlohmann::json::parse(text.substr(0, end), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  talky::Expected<talky::ConversationScript> script =
      talky::ParseConversationScript(body, "Acme Dental");
  if (!script) {
    if (script.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    if (script.error().fields.empty()) std::abort();
    for (const talky::FieldError& error : script.error().fields) {
      if (!error.field.starts_with("script_config")) std::abort();
    }
    return 0;
  }
  if (!script->states.contains(script->start) || script->goal_states.empty()) std::abort();
  const talky::ConversationEngine engine(
      std::make_shared<const talky::ConversationScript>(*script),
      talky::LineFields{{"first_name", "Ada"}, {"business", "Acme Dental"}});
  std::vector<talky::Message> history;
  talky::ConversationEngine::Reply reply = engine.NextReply(history);
  std::istringstream replies(
      std::string(end == std::string_view::npos ? "" : text.substr(end + 1)));
  int turns = 0;
  for (std::string said; std::getline(replies, said) && !reply.ends_call; ++turns) {
    history.push_back({.role = talky::MessageRole::kAssistant, .content = reply.text});
    history.push_back({.role = talky::MessageRole::kUser, .content = said});
    reply = engine.NextReply(history);
    if (reply.text.empty()) std::abort();
  }
  if (turns > script->max_turns && !reply.ends_call) std::abort();
  return 0;
}
