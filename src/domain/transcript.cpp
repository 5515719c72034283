#include "domain/transcript.h"

namespace talky {

std::chrono::milliseconds OffsetInCall(const CallRecord& call, Instant at) {
  const Instant origin = call.answered_at.value_or(call.created_at);
  return std::chrono::round<std::chrono::milliseconds>(at - origin);
}

}  // namespace talky
