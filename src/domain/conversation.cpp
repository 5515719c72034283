#include "domain/conversation.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<MessageRole, 3> kMessageRoleNames{{
    {MessageRole::kSystem, "system"},
    {MessageRole::kUser, "user"},
    {MessageRole::kAssistant, "assistant"},
}};

}  // namespace

std::string_view ToString(MessageRole role) { return NameOf(kMessageRoleNames, role); }
std::optional<MessageRole> ParseMessageRole(std::string_view text) {
  return ValueOf(kMessageRoleNames, text);
}

}  // namespace talky
