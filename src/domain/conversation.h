// What is said on a call (document 002 "Conversation Models"): messages by role, as the language
// model sees them and as the store keeps the turns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/instant.h"

namespace talky {

enum class MessageRole { kSystem, kUser, kAssistant };

std::string_view ToString(MessageRole role);
std::optional<MessageRole> ParseMessageRole(std::string_view text);

struct Message {
  MessageRole role = MessageRole::kUser;
  std::string content;
  Instant timestamp{};
  std::optional<std::string> audio_url;

  bool operator==(const Message&) const = default;
};

}  // namespace talky
