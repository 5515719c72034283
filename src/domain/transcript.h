// A call's transcript as people read it: each stored turn placed on the call's own timeline, so
// "+3.20s" means 3.2 s after the callee picked up. The API (GET /v1/calls/{id}) and
// `talky calls show` print the same offsets. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "domain/call_record.h"
#include "domain/instant.h"

namespace talky {

// How far into `call` the instant `at` is, to the millisecond: from its answer, or from its
// creation when it was never answered (a turn before that instant is negative).
std::chrono::milliseconds OffsetInCall(const CallRecord& call, Instant at);

// One line per turn: "     +3.20s  callee  yes   (stt 80 ms)", each line indented by two spaces
// and ended by a newline; the latencies are those of the components that took part.
std::string TranscriptLines(const CallRecord& call, const std::vector<ConversationTurn>& turns);

}  // namespace talky
