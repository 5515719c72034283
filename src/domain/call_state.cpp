#include "domain/call_state.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<CallState, 8> kCallStateNames{{
    {CallState::kConnecting, "connecting"},
    {CallState::kActive, "active"},
    {CallState::kListening, "listening"},
    {CallState::kProcessing, "processing"},
    {CallState::kSpeaking, "speaking"},
    {CallState::kEnding, "ending"},
    {CallState::kEnded, "ended"},
    {CallState::kError, "error"},
}};

}  // namespace

std::string_view ToString(CallState state) { return NameOf(kCallStateNames, state); }
std::optional<CallState> ParseCallState(std::string_view text) {
  return ValueOf(kCallStateNames, text);
}

}  // namespace talky
