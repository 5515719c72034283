#include "voice/providers/deepgram_message.h"

#include <nlohmann/json.hpp>

namespace talky {
namespace {

using nlohmann::json;

Error MalformedDeepgram(std::string why) {
  return Error::InvalidArgument("a malformed message from Deepgram: " + std::move(why));
}

// A field that may be absent (its default) but, when present, has the right kind.
template <typename T>
bool ReadOptionalField(const json& object, const char* key, T& out) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return true;
  if constexpr (std::is_same_v<T, bool>) {
    if (!found->is_boolean()) return false;
  } else if constexpr (std::is_same_v<T, double>) {
    if (!found->is_number()) return false;
  } else {
    if (!found->is_string()) return false;
  }
  out = found->get<T>();
  return true;
}

Expected<void> ReadResults(const json& message, DeepgramMessage& out) {
  if (!ReadOptionalField(message, "is_final", out.is_final) ||
      !ReadOptionalField(message, "speech_final", out.speech_final) ||
      !ReadOptionalField(message, "from_finalize", out.from_finalize)) {
    return std::unexpected(MalformedDeepgram("Results flags must be true or false"));
  }
  auto channel = message.find("channel");
  if (channel == message.end() || !channel->is_object()) {
    return std::unexpected(MalformedDeepgram("Results without a channel"));
  }
  auto alternatives = channel->find("alternatives");
  if (alternatives == channel->end() || !alternatives->is_array()) {
    return std::unexpected(MalformedDeepgram("Results without channel.alternatives"));
  }
  if (alternatives->empty()) return {};
  const json& best = alternatives->front();
  if (!best.is_object() || !ReadOptionalField(best, "transcript", out.transcript) ||
      !ReadOptionalField(best, "confidence", out.confidence)) {
    return std::unexpected(MalformedDeepgram("an alternative needs a string transcript"));
  }
  return {};
}

// Deepgram's error frames have carried their words in `description`, `message` or `reason`.
std::string DeepgramErrorWords(const json& message) {
  for (const char* key : {"description", "message", "reason"}) {
    auto found = message.find(key);
    if (found != message.end() && found->is_string() && !found->get<std::string>().empty()) {
      return found->get<std::string>();
    }
  }
  return "no reason given";
}

}  // namespace

Expected<DeepgramMessage> ReadDeepgramMessage(std::string_view text) {
  const json message = json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    return std::unexpected(MalformedDeepgram("not a JSON object"));
  }
  auto type = message.find("type");
  if (type == message.end() || !type->is_string()) {
    return std::unexpected(MalformedDeepgram("no type"));
  }
  DeepgramMessage out;
  const std::string& name = type->get_ref<const std::string&>();
  if (name == "Results") {
    out.type = DeepgramMessage::Type::kResults;
    if (Expected<void> read = ReadResults(message, out); !read) {
      return std::unexpected(read.error());
    }
  } else if (name == "UtteranceEnd") {
    out.type = DeepgramMessage::Type::kUtteranceEnd;
  } else if (name == "SpeechStarted") {
    out.type = DeepgramMessage::Type::kSpeechStarted;
  } else if (name == "Metadata") {
    out.type = DeepgramMessage::Type::kMetadata;
    if (!ReadOptionalField(message, "request_id", out.request_id)) {
      return std::unexpected(MalformedDeepgram("Metadata's request_id must be a string"));
    }
  } else if (name == "TurnInfo") {
    out.type = DeepgramMessage::Type::kTurnInfo;
    if (!ReadOptionalField(message, "event", out.event) || out.event.empty() ||
        !ReadOptionalField(message, "transcript", out.transcript) ||
        !ReadOptionalField(message, "end_of_turn_confidence", out.confidence)) {
      return std::unexpected(MalformedDeepgram("TurnInfo needs a string event and transcript"));
    }
  } else if (name == "Error") {
    out.type = DeepgramMessage::Type::kError;
    out.error = DeepgramErrorWords(message);
  }
  return out;
}

}  // namespace talky
