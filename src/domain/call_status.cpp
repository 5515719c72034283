#include "domain/call_status.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

// Listed in the order a call goes through them; CanAdvance relies on it.
constexpr EnumNames<CallStatus, 4> kCallStatusNames{{
    {CallStatus::kStarted, "started"},
    {CallStatus::kRinging, "ringing"},
    {CallStatus::kAnswered, "answered"},
    {CallStatus::kCompleted, "completed"},
}};

}  // namespace

std::string_view ToString(CallStatus status) { return NameOf(kCallStatusNames, status); }
std::optional<CallStatus> ParseCallStatus(std::string_view text) {
  return ValueOf(kCallStatusNames, text);
}

bool CanAdvance(CallStatus from, CallStatus to) {
  return static_cast<int>(to) > static_cast<int>(from);
}

}  // namespace talky
