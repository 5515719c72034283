#include "voice/providers/chat_stream_reader.h"

#include <nlohmann/json.hpp>

namespace talky {
namespace {

using nlohmann::json;

Error NotAChunk(std::string why) {
  return Error::InvalidArgument("a chat completion stream event is not a chunk: " + why);
}

std::optional<TokenUsage> UsageIn(const json& chunk) {
  const json* usage = nullptr;
  if (auto found = chunk.find("usage"); found != chunk.end() && found->is_object()) {
    usage = &*found;
  } else if (auto groq = chunk.find("x_groq"); groq != chunk.end() && groq->is_object()) {
    if (auto inner = groq->find("usage"); inner != groq->end() && inner->is_object()) {
      usage = &*inner;
    }
  }
  if (usage == nullptr) return std::nullopt;
  auto count = [&](const char* name) {
    auto found = usage->find(name);
    return found != usage->end() && found->is_number_integer() ? found->get<int>() : 0;
  };
  return TokenUsage{.prompt_tokens = count("prompt_tokens"),
                    .completion_tokens = count("completion_tokens")};
}

}  // namespace

Expected<void> ChatStreamReader::FinishCalls(ChatStreamUpdate& update) {
  for (auto& [index, call] : calls_) {
    if (call.name.empty()) return std::unexpected(NotAChunk("a tool call without its name"));
    update.tool_calls.push_back(std::move(call));
  }
  calls_.clear();
  update.finished = true;
  return {};
}

Expected<ChatStreamUpdate> ChatStreamReader::Read(std::string_view data) {
  ChatStreamUpdate update;
  if (data == "[DONE]") {
    if (Expected<void> finished = FinishCalls(update); !finished) {
      return std::unexpected(finished.error());
    }
    update.done = true;
    return update;
  }
  const json chunk = json::parse(data, nullptr, false);
  if (chunk.is_discarded() || !chunk.is_object())
    return std::unexpected(NotAChunk("not a JSON object"));
  if (auto error = chunk.find("error"); error != chunk.end()) {
    std::string message = "the model's server reported an error";
    if (error->is_object() && error->contains("message") && (*error)["message"].is_string()) {
      message += ": " + (*error)["message"].get<std::string>();
    } else if (error->is_string()) {
      message += ": " + error->get<std::string>();
    }
    return std::unexpected(Error::Unavailable(std::move(message)));
  }
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array()) {
    return std::unexpected(NotAChunk("no choices"));
  }
  update.usage = UsageIn(chunk);
  for (const json& choice : *choices) {
    if (!choice.is_object()) return std::unexpected(NotAChunk("a choice is not an object"));
    // The first choice only (we ask for one); a choice without an index is taken as it.
    if (auto index = choice.find("index"); index != choice.end() && *index != 0) continue;
    if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
      if (auto content = delta->find("content"); content != delta->end() && content->is_string()) {
        update.text += content->get<std::string>();
      }
      if (auto calls = delta->find("tool_calls"); calls != delta->end() && calls->is_array()) {
        for (const json& piece : *calls) {
          if (!piece.is_object() || !piece.contains("index") ||
              !piece["index"].is_number_integer()) {
            return std::unexpected(NotAChunk("a tool call without its index"));
          }
          ToolCall& call = calls_[piece["index"].get<long long>()];
          auto function = piece.find("function");
          if (function == piece.end() || !function->is_object()) continue;
          if (auto name = function->find("name"); name != function->end() && name->is_string()) {
            call.name += name->get<std::string>();
          }
          if (auto arguments = function->find("arguments");
              arguments != function->end() && arguments->is_string()) {
            call.arguments += arguments->get<std::string>();
          }
        }
      }
    }
    if (auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string()) {
      if (Expected<void> finished = FinishCalls(update); !finished) {
        return std::unexpected(finished.error());
      }
    }
  }
  return update;
}

}  // namespace talky
